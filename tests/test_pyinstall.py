"""uv installs the packages with the package indexes a host set for pip."""

from __future__ import annotations

from dsf_app.devstack.pyinstall import uv_env


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
