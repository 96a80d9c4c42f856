"""Settings of the services DSF runs on: PostgreSQL, the S3-compatible store, the Letta server,
the mail server and Redis, and the app's worker processes. Each service is the local one that
`./start.sh` runs (on the port given here) unless its URL names an external one. Part of
`Settings`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class ServiceSettings(BaseSettings):
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

    migrate_at_start: bool = Field(
        default=True,
        alias="DSF_MIGRATE_AT_START",
        description="Migrate the database before the app starts; 0 where a migration Job "
        "does it once per release (the app then refuses to start on an older schema).",
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
