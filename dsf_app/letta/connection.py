"""The async Letta client, configured from DSF's settings alone."""

from __future__ import annotations

from letta_client import AsyncLetta

from dsf_app.settings import Settings, get_settings

# Generous for long turns; a dead server still fails fast on connect.
TIMEOUT_SECONDS = 300.0


def connect(settings: Settings | None = None) -> AsyncLetta:
    settings = settings or get_settings()
    client = AsyncLetta(base_url=settings.letta_base_url, timeout=TIMEOUT_SECONDS, max_retries=1)
    # The SDK falls back to $LETTA_API_KEY even when it is empty, which sends an invalid
    # "Bearer " header; DSF's settings decide, and no key means no header.
    client.api_key = settings.letta_api_key.get_secret_value() or None
    return client
