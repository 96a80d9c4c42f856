"""Which Letta model the agents use, and what to tell a person when none is or when theirs went
away.

The model is chosen per Letta server, once per process: DSF_AGENT_MODEL while the configured
servers offer it, else the first model of the first configured provider. A restart with another
OPENAI_BASE_URL (or key) can take an agent's model away; the agent is then moved to the chosen
one when the turn looks it up (`agents/provisioning.py`), and the chat says so (`moved`). The
evaluators ask the same model (`agents_model`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from letta_client import AsyncLetta

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
PREFERRED_EMBEDDING = "openai/text-embedding-3-small"


@dataclass(frozen=True)
class ModelChoice:
    """The model the agents run on, as the Letta server resolves it (endpoint included, so an
    agent created before OPENAI_BASE_URL changed is moved to the new address)."""

    handle: str
    endpoint: str
    embedding: str | None


@dataclass(frozen=True)
class OfferedModels:
    """The agents' model and every model handle the Letta server offers now."""

    choice: ModelChoice
    handles: frozenset[str]

    def moved(self, old_handle: str | None) -> str | None:
        """The chat's sentence when an agent on `old_handle` has to move to the chosen model
        because the configured servers no longer offer it; None when it is still offered."""
        if not old_handle or old_handle in self.handles or old_handle == self.choice.handle:
            return None
        return (
            f"The model “{old_handle}” is no longer offered by the configured model servers; "
            f"this agent now uses “{self.choice.handle}”."
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


# Per Letta server (by URL), per process: a restart lists afresh.
_offered: dict[str, OfferedModels] = {}


async def offered_models(letta: AsyncLetta, settings: Settings) -> OfferedModels:
    """What the Letta server offers and the agents' model among it (listed once per process)."""
    server = _server(str(letta.base_url))
    if server not in _offered:
        llms = [m for m in await letta.models.list() if m.handle]
        handles = [m.handle for m in llms if m.handle]
        handle = choose_model(settings, handles)
        endpoint = next((m.api_model_endpoint or "" for m in llms if m.handle == handle), "")
        embeddings = [e.handle for e in await letta.models.embeddings.list() if e.handle]
        embedding = (
            PREFERRED_EMBEDDING
            if PREFERRED_EMBEDDING in embeddings
            else next(iter(embeddings), None)
        )
        _offered[server] = OfferedModels(
            ModelChoice(handle, endpoint, embedding), frozenset(handles)
        )
    return _offered[server]


def forget_offered(letta_base_url: str) -> None:
    """List the server's models again on the next look-up, as a freshly started app would."""
    _offered.pop(_server(letta_base_url), None)


def _server(base_url: str) -> str:
    return base_url.rstrip("/")


async def agents_model(letta: AsyncLetta, settings: Settings) -> str:
    """DSF_AGENT_MODEL, else the model the Letta server gives the agents (the same choice)."""
    if settings.agent_model:
        return settings.agent_model
    return (await offered_models(letta, settings)).choice.handle
