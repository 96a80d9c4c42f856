"""Sign-in with Google (OpenID Connect) and GitHub (OAuth 2) through authlib's Starlette client:
the registry of configured providers, and who a finished sign-in says the person is."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from dsf_app.auth.accounts import ProviderIdentity
from dsf_app.settings import Settings, get_settings

GOOGLE = "google"
GITHUB = "github"
# PKCE (RFC 7636) on both providers: authlib sends the S256 challenge with the authorization
# request and the verifier, kept with the state in the signed session cookie, with the code, so
# a code that leaks on its way back (a log, a referrer) is worth nothing to whoever reads it.
PKCE = {"code_challenge_method": "S256"}


def configured_providers(settings: Settings | None = None) -> list[str]:
    """The providers whose client id and secret are both set, in the order buttons appear."""
    settings = settings or get_settings()
    found = []
    if settings.google_client_id and settings.google_client_secret.get_secret_value():
        found.append(GOOGLE)
    if settings.github_client_id and settings.github_client_secret.get_secret_value():
        found.append(GITHUB)
    return found


def build_registry(settings: Settings) -> OAuth:
    oauth = OAuth()
    providers = configured_providers(settings)
    if GOOGLE in providers:
        oauth.register(
            GOOGLE,
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
            server_metadata_url=settings.google_oidc_metadata_url,
            client_kwargs={"scope": "openid email profile", **PKCE},
        )
    if GITHUB in providers:
        web = settings.github_base_url.rstrip("/")
        oauth.register(
            GITHUB,
            client_id=settings.github_client_id,
            client_secret=settings.github_client_secret.get_secret_value(),
            authorize_url=f"{web}/login/oauth/authorize",
            access_token_url=f"{web}/login/oauth/access_token",
            api_base_url=settings.github_api_url.rstrip("/") + "/",
            client_kwargs={"scope": "read:user user:email", **PKCE},
        )
    return oauth


@lru_cache
def registry() -> OAuth:
    return build_registry(get_settings())


def client(provider: str) -> StarletteOAuth2App | None:
    """The authlib client for a configured provider, or None."""
    return registry().create_client(provider)


async def identity(
    provider: str, app: StarletteOAuth2App, token: dict[str, Any]
) -> ProviderIdentity:
    """Who the provider says signed in, from a token authlib has already checked (state, and for
    OpenID Connect the ID token's signature, issuer, audience, expiry and nonce)."""
    if provider == GITHUB:
        return await _github_identity(app, token)
    return await _oidc_identity(provider, app, token)


async def _oidc_identity(
    provider: str, app: StarletteOAuth2App, token: dict[str, Any]
) -> ProviderIdentity:
    claims = dict(token.get("userinfo") or {})
    if not claims.get("email"):
        claims = {**dict(await app.userinfo(token=token)), **claims}
    return ProviderIdentity(
        provider=provider,
        account_id=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=_is_true(claims.get("email_verified")),
        name=str(claims.get("name") or ""),
        image=claims.get("picture"),
        token_info=_token_info(token),
    )


async def _github_identity(app: StarletteOAuth2App, token: dict[str, Any]) -> ProviderIdentity:
    profile_response = await app.get("user", token=token)
    profile_response.raise_for_status()
    profile = profile_response.json()
    emails_response = await app.get("user/emails", token=token)
    emails_response.raise_for_status()
    # Only the primary, verified address identifies the person; others may be anyone's.
    primary = next(
        (
            entry
            for entry in emails_response.json()
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified")
        ),
        None,
    )
    return ProviderIdentity(
        provider=GITHUB,
        account_id=str(profile["id"]),
        email=primary["email"] if primary else None,
        email_verified=primary is not None,
        name=str(profile.get("name") or profile.get("login") or ""),
        image=profile.get("avatar_url"),
        token_info=_token_info(token),
    )


def _is_true(value: Any) -> bool:
    # Some providers send the claim as the string "true".
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _token_info(token: dict[str, Any]) -> dict[str, Any]:
    """What is kept of a provider's token: DSF calls no provider API after sign-in, so it keeps
    no access or refresh token that could leak."""
    return {key: token[key] for key in ("token_type", "scope", "expires_at") if key in token}
