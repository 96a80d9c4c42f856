"""Which Letta model the agents use, and what to tell a person when none is configured."""

from __future__ import annotations

from collections.abc import Sequence

from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import Settings

MODEL_SETUP_HELP = (
    "No language model is configured yet, so the agents cannot answer. "
    "Set one of ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY — or OPENAI_BASE_URL "
    "for an OpenAI-compatible server such as a local Ollama (http://127.0.0.1:11434/v1) — "
    "in .env, then run ./stop.sh and ./start.sh: the key is passed to the Letta server."
)

# Provider prefixes of Letta model handles, in the order DSF prefers them when several are set.
PROVIDERS: tuple[tuple[str, str], ...] = (
    ("anthropic_api_key", "anthropic/"),
    ("openai_api_key", "openai/"),
    ("gemini_api_key", "google_ai/"),
    ("openai_base_url", "openai-proxy/"),
)


def choose_model(settings: Settings, handles: Sequence[str]) -> str:
    """DSF_AGENT_MODEL while the servers offer it, else the first model of the first configured
    provider (a model that went away with a changed OPENAI_BASE_URL never leaves the agents
    without one)."""
    if settings.agent_model and (settings.agent_model in handles or not handles):
        return settings.agent_model
    for setting, prefix in PROVIDERS:
        value = getattr(settings, setting)
        configured = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if prefix == "openai/" and settings.openai_base_url:
            continue  # the key then belongs to the OpenAI-compatible server
        candidates = [h for h in handles if h.startswith(prefix) and "embed" not in h]
        if configured and candidates:
            return candidates[0]
    raise ServiceUnavailable(MODEL_SETUP_HELP)
