"""Every DSF setting, read once from the environment and `.env`.

Nothing else in DSF reads `os.environ`: import `get_settings()` instead. A setting left unset
falls back to the local service that `./start.sh` runs, so a fresh clone needs no configuration.
`Settings` is one pydantic-settings model made of a part per topic, each in its own module:
`web` (the app's address, origins, image hosts, proxies), `services`
(PostgreSQL, S3, Letta, mail, Redis, workers), `models` (language and image models),
`limits` (turns, quotas, the chat, lore, threads) and `sign_in` (sessions and
sign-in providers); here are the folders, logging and tracing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from dsf_app.settings.limits import LimitSettings
from dsf_app.settings.models import ModelSettings
from dsf_app.settings.services import ServiceSettings
from dsf_app.settings.sign_in import SignInSettings
from dsf_app.settings.web import WebSettings

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(WebSettings, ServiceSettings, ModelSettings, LimitSettings, SignInSettings):
    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env", extra="ignore", populate_by_name=True
    )

    dsf_home: Path = Field(
        default=REPO_ROOT / ".dsf",
        description="Folder for local service data, tools, logs and PID files.",
    )
    tools_dir_override: Path | None = Field(
        default=None,
        alias="DSF_TOOLS_DIR",
        description="Folder for installed tools (Letta venv, bun); defaults to DSF_HOME/tools.",
    )
    web_dir_override: Path | None = Field(
        default=None,
        alias="DSF_WEB_DIR",
        description="Folder Reflex builds the frontend in; defaults to DSF_HOME/web.",
    )
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        alias="OTEL_EXPORTER_OTLP_ENDPOINT",
        description="OTLP/HTTP collector to export traces to (HTTP, turns, tools, SQL, S3, "
        "Redis, outgoing HTTP); none when unset.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO",
        alias="DSF_LOG_LEVEL",
        description="Least severe log records written (DEBUG, INFO, WARNING, ERROR, CRITICAL).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        alias="DSF_LOG_FORMAT",
        description="`text` for people reading a terminal, `json` for one JSON object a line "
        "(with the trace id while a turn runs) for a log collector.",
    )

    @property
    def data_dir(self) -> Path:
        return self.dsf_home / "data"

    @property
    def run_dir(self) -> Path:
        return self.dsf_home / "run"

    @property
    def log_dir(self) -> Path:
        return self.dsf_home / "logs"

    @property
    def tools_dir(self) -> Path:
        return self.tools_dir_override or self.dsf_home / "tools"

    @property
    def web_dir(self) -> Path:
        return self.web_dir_override or self.dsf_home / "web"

    @property
    def mail_dir(self) -> Path:
        """Where the local sink keeps each message it receives."""
        return self.dsf_home / "mail"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables, for a child process that must share them."""
        env: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            env[field.alias or name.upper()] = str(value)
        return env


@lru_cache
def get_settings() -> Settings:
    return Settings()
