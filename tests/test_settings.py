"""Every setting is documented, and settings survive the trip into a child process."""

from __future__ import annotations

from dsf_app.settings import REPO_ROOT, Settings
from tests.harness.stack import settings_from


def _env_names() -> list[str]:
    return [field.alias or name.upper() for name, field in Settings.model_fields.items()]


def test_every_setting_is_in_env_example_and_readme() -> None:
    example = (REPO_ROOT / ".env.example").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [name for name in _env_names() if f"{name}=" not in example or name not in readme]
    assert missing == []


def test_settings_round_trip_through_environment() -> None:
    settings = settings_from(DATABASE_URL="postgresql+psycopg://u@db/x", DSF_APP_PORT=4321)
    again = settings_from(**settings.as_env())
    assert again.database_url == "postgresql+psycopg://u@db/x"
    assert again.app_port == 4321
    assert again.public_url == "http://127.0.0.1:4321"


def test_local_defaults_when_nothing_is_configured() -> None:
    settings = settings_from(DATABASE_URL="", S3_ENDPOINT_URL="", LETTA_BASE_URL="")
    assert settings.database_url.startswith("postgresql+psycopg://dsf@127.0.0.1:")
    assert settings.s3_endpoint_url == f"http://127.0.0.1:{settings.s3_port}"
    assert settings.letta_base_url == f"http://127.0.0.1:{settings.letta_port}"
