"""Every DSF setting, read once from the environment and `.env`.

Nothing else in DSF reads `os.environ`: import `get_settings()` instead. A setting left unset
falls back to the local service that `./start.sh` runs, so a fresh clone needs no configuration.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
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
    app_port: int = Field(default=3000, alias="DSF_APP_PORT", description="Port the app serves on.")
    app_host: str = Field(
        default="127.0.0.1",
        alias="DSF_APP_HOST",
        description="Address the app listens on (0.0.0.0 in a container).",
    )
    app_url: str = Field(
        default="",
        alias="DSF_APP_URL",
        description="Public URL of the app; defaults to http://127.0.0.1:<DSF_APP_PORT>.",
    )

    allowed_origins: str = Field(
        default="",
        alias="DSF_ALLOWED_ORIGINS",
        description="Comma-separated extra origins (scheme://host[:port]) whose pages may open "
        "the app's event socket and post its sign-in forms, besides DSF_APP_URL's own.",
    )
    allowed_image_hosts: str = Field(
        default="",
        alias="DSF_ALLOWED_IMAGE_HOSTS",
        description="Comma-separated https origins or base URLs that agent and author content "
        "may show images from, besides the app's own /assets/ and S3_PUBLIC_BASE_URL; none by "
        "default, so pages fetch nothing from hosts an author or a model names.",
    )

    database_url_override: str = Field(
        default="",
        alias="DATABASE_URL",
        description="External PostgreSQL (with pgvector) to use.",
    )
    pg_port: int = Field(
        default=55432, alias="DSF_PG_PORT", description="Port of the local PostgreSQL."
    )

    s3_endpoint_url_override: str = Field(
        default="",
        alias="S3_ENDPOINT_URL",
        description="External S3-compatible endpoint to use.",
    )
    s3_port: int = Field(
        default=59000, alias="DSF_S3_PORT", description="Port of the local S3 server."
    )
    s3_bucket: str = Field(default="dsf-assets", alias="S3_BUCKET")
    s3_region: str = Field(default="us-east-1", alias="AWS_REGION")
    s3_access_key: str = Field(default="dsf-local", alias="AWS_ACCESS_KEY_ID")
    s3_secret_key: SecretStr = Field(
        default=SecretStr("dsf-local-secret"), alias="AWS_SECRET_ACCESS_KEY"
    )
    s3_public_base_url: str = Field(
        default="",
        alias="S3_PUBLIC_BASE_URL",
        description="CDN base URL that /assets/<id> redirects to; empty: see S3_PUBLIC_ENDPOINT_URL.",
    )
    s3_public_endpoint_url: str = Field(
        default="",
        alias="S3_PUBLIC_ENDPOINT_URL",
        description="S3 endpoint that browsers can reach: /assets/<id> redirects to short-lived "
        "URLs presigned for it. Empty (and no CDN): the app serves the bytes itself.",
    )

    letta_base_url_override: str = Field(
        default="", alias="LETTA_BASE_URL", description="External Letta server to use."
    )
    letta_api_key: SecretStr = Field(default=SecretStr(""), alias="LETTA_API_KEY")
    letta_port: int = Field(
        default=8283, alias="DSF_LETTA_PORT", description="Port of the local Letta."
    )

    anthropic_api_key: SecretStr = Field(default=SecretStr(""), alias="ANTHROPIC_API_KEY")
    openai_api_key: SecretStr = Field(default=SecretStr(""), alias="OPENAI_API_KEY")
    gemini_api_key: SecretStr = Field(default=SecretStr(""), alias="GEMINI_API_KEY")
    openai_base_url: str = Field(
        default="",
        alias="OPENAI_BASE_URL",
        description="Any OpenAI-compatible server (Ollama, vLLM).",
    )
    openai_image_base_url: str = Field(
        default="",
        alias="OPENAI_IMAGE_BASE_URL",
        description="OpenAI-compatible images API; OpenAI's own when empty (not OPENAI_BASE_URL).",
    )
    google_image_base_url: str = Field(
        default="",
        alias="GOOGLE_IMAGE_BASE_URL",
        description="Gemini API endpoint for images; Google's own when empty.",
    )
    openai_image_model: str = Field(
        default="gpt-image-2.5-flare",
        alias="DSF_OPENAI_IMAGE_MODEL",
        description="OpenAI image model (gpt-image-1 was shut down on 2026-10-23).",
    )
    google_image_model: str = Field(
        default="gemini-3.1-flash-image",
        alias="DSF_GOOGLE_IMAGE_MODEL",
        description="Gemini image model (the Imagen models were shut down on 2026-08-17).",
    )
    image_timeout_seconds: float = Field(
        default=120, alias="DSF_IMAGE_TIMEOUT", description="Seconds to wait for one image attempt."
    )
    agent_model: str = Field(
        default="", alias="DSF_AGENT_MODEL", description="Letta model handle for every agent."
    )
    turn_max_seconds: float = Field(
        default=600,
        gt=0,
        alias="DSF_TURN_MAX_SECONDS",
        description="Wall time one agent turn may take before it is stopped.",
    )
    turn_max_reply_chars: int = Field(
        default=40_000,
        gt=0,
        alias="DSF_TURN_MAX_REPLY_CHARS",
        description="Characters of text (reply and reasoning) an agent may stream in one turn.",
    )
    turn_max_steps: int = Field(
        default=40,
        gt=0,
        alias="DSF_TURN_MAX_STEPS",
        description="Model steps (requests to the model) one agent turn may take, the nested "
        "Experience Agent turns it delegates to included.",
    )
    quota_turns: int = Field(
        default=200,
        ge=0,
        alias="DSF_QUOTA_TURNS",
        description="Messages to agents (turns) one person may send per UTC day.",
    )
    quota_steps: int = Field(
        default=2000,
        ge=0,
        alias="DSF_QUOTA_STEPS",
        description="Model steps one person's agents may take per UTC day.",
    )
    quota_images: int = Field(
        default=50,
        ge=0,
        alias="DSF_QUOTA_IMAGES",
        description="Images one person's agents may generate per UTC day.",
    )
    quota_evaluations: int = Field(
        default=100,
        ge=0,
        alias="DSF_QUOTA_EVALUATIONS",
        description="Evaluations (by the buttons or by an agent) one person may run per UTC day.",
    )
    quota_imports: int = Field(
        default=20,
        ge=0,
        alias="DSF_QUOTA_IMPORTS",
        description="World and lorebook imports one person may run per UTC day.",
    )
    chat_queue_max: int = Field(
        default=3,
        ge=0,
        alias="DSF_CHAT_QUEUE_MAX",
        description="Messages that may wait in the chat while a turn runs.",
    )
    prompt_max_chars: int = Field(
        default=8000,
        ge=1,
        alias="DSF_PROMPT_MAX_CHARS",
        description="Characters one chat message may have.",
    )

    session_secret: SecretStr = Field(
        default=SecretStr(""),
        alias="DSF_SESSION_SECRET",
        description="Key that signs the short-lived OAuth sign-in cookie (state and nonce); "
        "generated once into DSF_HOME/session-secret when empty.",
    )
    session_days: int = Field(
        default=30,
        ge=1,
        alias="DSF_SESSION_DAYS",
        description="Days a sign-in lasts before the person must sign in again.",
    )
    signup_limit_exempt: str = Field(
        default="",
        alias="DSF_SIGNUP_LIMIT_EXEMPT",
        description="Comma-separated client addresses the sign-up limit (10 per address per "
        "hour) does not apply to, e.g. a trusted office proxy; the test stack exempts 127.0.0.1.",
    )
    trusted_proxies: str = Field(
        default="",
        alias="DSF_TRUSTED_PROXIES",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies in "
        "front of the app. Only a request whose direct peer is one of them has its "
        "X-Forwarded-For header believed for the client's address (for the sign-in and sign-up "
        "limits); by default the peer's own address is used.",
    )
    google_client_id: str = Field(
        default="",
        alias="GOOGLE_CLIENT_ID",
        description="Google OAuth client id; enables Google sign-in.",
    )
    google_client_secret: SecretStr = Field(
        default=SecretStr(""),
        alias="GOOGLE_CLIENT_SECRET",
        description="Google OAuth client secret.",
    )
    google_oidc_metadata_url: str = Field(
        default="https://accounts.google.com/.well-known/openid-configuration",
        alias="GOOGLE_OIDC_METADATA_URL",
        description="OpenID Connect discovery document for Google sign-in.",
    )
    github_client_id: str = Field(
        default="",
        alias="GITHUB_CLIENT_ID",
        description="GitHub OAuth app client id; enables GitHub sign-in.",
    )
    github_client_secret: SecretStr = Field(
        default=SecretStr(""),
        alias="GITHUB_CLIENT_SECRET",
        description="GitHub OAuth app client secret.",
    )
    github_base_url: str = Field(
        default="https://github.com",
        alias="GITHUB_BASE_URL",
        description="GitHub (or GitHub Enterprise) web URL, for the authorize and token endpoints.",
    )
    github_api_url: str = Field(
        default="https://api.github.com",
        alias="GITHUB_API_URL",
        description="GitHub REST API URL, for the person's profile and verified emails.",
    )
    smtp_url_override: SecretStr = Field(
        default=SecretStr(""),
        alias="DSF_SMTP_URL",
        description="Outgoing mail server, smtp://user:pass@host:port (STARTTLS when offered) "
        "or smtps://… (TLS); when unset, ./start.sh runs a local sink that keeps every message "
        "under DSF_HOME/mail.",
    )
    smtp_port: int = Field(
        default=58025, alias="DSF_SMTP_PORT", description="Port of the local mail sink."
    )
    mail_from: str = Field(
        default="Deep Sci-Fi <no-reply@localhost>",
        alias="DSF_MAIL_FROM",
        description="The From address of the mail DSF sends (verification, password reset, "
        "sign-in links).",
    )
    lore_budget_chars: int = Field(
        default=6000,
        ge=500,
        alias="DSF_LORE_BUDGET",
        description="Characters of Codex lore put in front of the World Agent on each turn.",
    )
    lore_min_similarity: float = Field(
        default=0.4,
        ge=0,
        le=1,
        alias="DSF_LORE_MIN_SIMILARITY",
        description="How close in meaning (cosine similarity, 0..1) an entry must be to the "
        "person's message to be retrieved without being named.",
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

    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        alias="DSF_WORKERS",
        description="Backend worker processes; more than one keeps page state in Redis.",
    )
    redis_url_override: str = Field(
        default="",
        alias="REDIS_URL",
        description="External Redis for page state; when unset and Redis is needed, "
        "./start.sh runs a local one.",
    )
    local_redis: bool = Field(
        default=False,
        alias="DSF_REDIS",
        description="Keep page state in the local Redis even with one worker.",
    )
    redis_port: int = Field(
        default=56379, alias="DSF_REDIS_PORT", description="Port of the local Redis."
    )
    redis_maxmemory: str = Field(
        default="256mb",
        pattern=r"^[1-9][0-9]*(kb|mb|gb)$",
        alias="DSF_REDIS_MAXMEMORY",
        description="Memory the local Redis may use for page state (such as 256mb or 2gb); at "
        "the limit it evicts the least recently used tab states (volatile-lru), which then "
        "start afresh from their pages' data.",
    )
    state_expiry_seconds: int = Field(
        default=3600,
        ge=60,
        alias="DSF_STATE_EXPIRY",
        description="Seconds a tab's page state is kept after its last event (then dropped; "
        "the tab starts fresh from its page's data).",
    )
    event_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        alias="DSF_EVENT_THREADS",
        description="Threads per worker for page events' database work (dsf_app/pools.py); "
        "heavy work never runs on them.",
    )
    heavy_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        alias="DSF_HEAVY_WORKERS",
        description="Processes per worker for heavy work such as parsing imports, and threads "
        "for embeddings; at most this many run at once, the rest wait their turn.",
    )
    max_event_bytes: int = Field(
        default=600 * 1024,
        ge=4096,
        alias="DSF_MAX_EVENT_BYTES",
        description="Largest page event (its arguments as UTF-8 JSON) a signed-in tab may send; "
        "a larger one is refused with a sentence before it reaches the tab's page state. The "
        "default holds the longest story part a person may write (200,000 characters).",
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
    def database_url(self) -> str:
        return self.database_url_override or (
            f"postgresql+psycopg://dsf@127.0.0.1:{self.pg_port}/dsf"
        )

    @property
    def s3_endpoint_url(self) -> str:
        return self.s3_endpoint_url_override or f"http://127.0.0.1:{self.s3_port}"

    @property
    def smtp_url(self) -> str:
        """Where mail goes: DSF_SMTP_URL, or the local sink."""
        return self.smtp_url_override.get_secret_value() or f"smtp://127.0.0.1:{self.smtp_port}"

    @property
    def mail_dir(self) -> Path:
        """Where the local sink keeps each message it receives."""
        return self.dsf_home / "mail"

    @property
    def letta_base_url(self) -> str:
        return self.letta_base_url_override or f"http://127.0.0.1:{self.letta_port}"

    @property
    def uses_redis(self) -> bool:
        """Page state lives in Redis: several workers must share it, or it was asked for."""
        return bool(self.redis_url_override) or self.workers > 1 or self.local_redis

    @property
    def redis_url(self) -> str:
        """Where page state lives; empty when each worker keeps its own (one worker)."""
        if self.redis_url_override or not self.uses_redis:
            return self.redis_url_override
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def public_url(self) -> str:
        return self.app_url or f"http://127.0.0.1:{self.app_port}"

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL: the origin of the app's own pages."""
        return origin_of(self.public_url)

    @property
    def trusted_origins(self) -> tuple[str, ...]:
        """The app's own origin and DSF_ALLOWED_ORIGINS: the pages that may talk to the app.
        Without DSF_APP_URL the app is local, and opened as localhost as often as 127.0.0.1."""
        local = () if self.app_url else (f"http://localhost:{self.app_port}",)
        extras = (origin_of(o) for o in _entries(self.allowed_origins))
        return tuple(dict.fromkeys((self.public_origin, *local, *extras)))

    @property
    def llm_configured(self) -> bool:
        return any(
            (
                self.anthropic_api_key.get_secret_value(),
                self.openai_api_key.get_secret_value(),
                self.gemini_api_key.get_secret_value(),
                self.openai_base_url,
            )
        )

    @property
    def signup_limit_exempt_addresses(self) -> frozenset[str]:
        return frozenset(_entries(self.signup_limit_exempt))

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in _entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"DSF_TRUSTED_PROXIES: “{entry}” is not an address or network "
                    "(such as 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return value

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(entry, strict=False) for entry in _entries(self.trusted_proxies)
        ]

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


def _entries(listing: str) -> list[str]:
    """The items of a comma-separated setting, without blanks."""
    return [entry.strip() for entry in listing.split(",") if entry.strip()]


def origin_of(url: str) -> str:
    """The origin of a URL as browsers send it in `Origin`: lower-case scheme://host[:port],
    without credentials or the scheme's default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme)
    if default_port and host.endswith(default_port):
        host = host.removesuffix(default_port)
    return f"{scheme}://{host}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
