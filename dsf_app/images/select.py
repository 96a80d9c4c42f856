"""Choose the image provider: the one asked for, else the first whose API key is set."""

from __future__ import annotations

from typing import Literal

from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.images.providers import (
    GoogleImageProvider,
    ImageProvider,
    OpenAIImageProvider,
    VendorImageProvider,
    env_name,
)
from dsf_app.settings import Settings

ProviderName = Literal["openai", "google"]
# In order of preference when the caller does not name one.
PROVIDERS: dict[str, type[VendorImageProvider]] = {
    "openai": OpenAIImageProvider,
    "google": GoogleImageProvider,
}


def pick_provider(settings: Settings, requested: ProviderName | None = None) -> ImageProvider:
    if requested is not None:
        provider = PROVIDERS.get(requested)
        if provider is None:
            raise Invalid(
                f"There is no image provider {requested!r} — use one of {', '.join(PROVIDERS)}."
            )
        if not provider.is_configured(settings):
            raise ServiceUnavailable(
                f"The {provider.label} image provider is not configured — "
                f"set {env_name(provider.key_setting)}."
            )
        return provider.from_settings(settings)
    for provider in PROVIDERS.values():
        if provider.is_configured(settings):
            return provider.from_settings(settings)
    keys = " or ".join(env_name(provider.key_setting) for provider in PROVIDERS.values())
    raise ServiceUnavailable(f"No image provider is configured — set {keys}.")
