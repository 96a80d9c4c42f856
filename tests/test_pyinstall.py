"""uv installs the packages with the package indexes a host set for pip; pip installs uv itself
as the lock pins it, checked against the lock's hashes."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

from dsf_app.devstack.pyinstall import LOCK, locked_uv_requirement, locked_version, uv_env


def test_pips_index_settings_reach_uv_under_its_own_names() -> None:
    env = uv_env(
        {
            "PIP_INDEX_URL": "https://mirror.example/simple",
            "PIP_EXTRA_INDEX_URL": "https://a.example/simple https://b.example/simple",
            "PIP_TRUSTED_HOST": "mirror.example",
            "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",
            "HOME": "/root",
        }
    )
    assert env["UV_DEFAULT_INDEX"] == "https://mirror.example/simple"
    assert env["UV_INDEX"] == "https://a.example/simple https://b.example/simple"
    assert env["UV_INSECURE_HOST"] == "mirror.example"
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["HOME"] == "/root"


def test_uvs_own_settings_win_and_nothing_is_made_up() -> None:
    env = uv_env(
        {
            "PIP_INDEX_URL": "https://pip.example/simple",
            "UV_DEFAULT_INDEX": "https://uv.example/simple",
        }
    )
    assert env["UV_DEFAULT_INDEX"] == "https://uv.example/simple"
    assert "UV_INDEX" not in uv_env({}) and "UV_DEFAULT_INDEX" not in uv_env({"PIP_INDEX_URL": ""})


def test_pip_installs_uv_as_the_lock_pins_it() -> None:
    lock = LOCK.read_text()
    pin, *hashes = locked_uv_requirement(lock).split()
    assert pin == f"uv=={locked_version(lock, 'uv')}" == f"uv=={importlib.metadata.version('uv')}"
    [uv] = [package for package in tomllib.loads(lock)["package"] if package["name"] == "uv"]
    files = [*uv["wheels"], *([uv["sdist"]] if "sdist" in uv else [])]
    assert sorted(hashes) == sorted(f"--hash={file['hash']}" for file in files)
    assert all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", option) for option in hashes)
