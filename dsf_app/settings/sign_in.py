"""Settings of signing in: how long a sign-in lasts and the key of the OAuth cookie, who the
sign-up limit spares, and the Google and GitHub sign-in providers. Part of `Settings`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from dsf_app.settings.web import entries


class SignInSettings(BaseSettings):
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

    @property
    def signup_limit_exempt_addresses(self) -> frozenset[str]:
        return frozenset(entries(self.signup_limit_exempt))
