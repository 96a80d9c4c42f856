"""What a person is told when a turn fails: which service failed and where, that their message
is kept, and what to do next — one sentence per kind of failure, chosen here only."""

from __future__ import annotations

import logging

import httpx
import letta_client
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dsf_app.errors import DSFError
from dsf_app.settings import Settings
from dsf_app.storage import StorageUnavailable

log = logging.getLogger(__name__)

SAVED = "Your message is saved"
# Where each provider prefix of a Letta model handle sends requests, unless configured.
PROVIDER_ENDPOINTS = {
    "anthropic/": "https://api.anthropic.com",
    "openai/": "https://api.openai.com/v1",
    "google_ai/": "https://generativelanguage.googleapis.com",
}


class TurnInterrupted(Exception):
    """A turn (or the nested turn a tool ran) stopped because a service failed; its message
    is the sentence for the person, and the turn may be continued with Retry."""


class ToolCallBusy(TurnInterrupted):
    """A tool call is already running in another living turn; it must not run twice."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} is still running for this turn elsewhere (another tab or server process); "
            "wait for it to finish, then press Retry."
        )


def _transport_reason(exc: BaseException) -> str:
    if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)):
        return "connection refused"
    if isinstance(exc, (httpx.TimeoutException, letta_client.APITimeoutError)):
        return "no answer in time"
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, letta_client.APIConnectionError) and cause is not None:
        return _transport_reason(cause)
    return "the connection was cut"


def _database_reason(exc: DBAPIError) -> str:
    text = str(exc.orig or exc).lower()
    if "refused" in text:
        return "connection refused"
    if "timeout" in text or "timed out" in text:
        return "no answer in time"
    return "the connection was cut"


def _database_address(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def model_endpoint(settings: Settings, handle: str) -> str:
    """Where the Letta server is configured to send a model handle's requests."""
    if handle.startswith("openai-proxy/") or (
        handle.startswith("openai/") and settings.openai_base_url
    ):
        return settings.openai_base_url or "the OpenAI-compatible server"
    for prefix, endpoint in PROVIDER_ENDPOINTS.items():
        if handle.startswith(prefix):
            return endpoint
    return f"the server of model {handle}"


def model_failure(detail: str, endpoint: str, settings: Settings) -> str:
    """The model server did not answer: name the address the Letta server used."""
    detail = detail.removeprefix("INTERNAL_SERVER_ERROR: ").strip().rstrip(".") or "no answer"
    sentence = f"The model server at {endpoint} did not answer ({detail})."
    configured = settings.openai_base_url
    if (
        configured
        and endpoint.startswith("http")
        and endpoint.rstrip("/") != configured.rstrip("/")
    ):
        sentence += (
            f" OPENAI_BASE_URL is {configured}, but the Letta server still uses the old "
            "address: restart it with ./stop.sh and ./start.sh."
        )
    return (
        f"{sentence} {SAVED}; check that the model server runs (OPENAI_BASE_URL or the model "
        "keys in .env), then press Retry."
    )


def llm_error_detail(exc: BaseException) -> str | None:
    """Letta's own words when the model request failed, if `exc` is that failure."""
    if not isinstance(exc, letta_client.APIStatusError) or not isinstance(exc.body, dict):
        return None
    if exc.body.get("error_type") != "llm_error":
        return None
    return str(exc.body.get("detail") or exc.body.get("message") or "")


def what_failed(exc: BaseException, settings: Settings) -> str:
    """Which service failed, where and how, in one sentence (or the product error's own)."""
    if isinstance(exc, (DSFError, TurnInterrupted)):
        return str(exc)
    if isinstance(exc, DBAPIError):
        return (
            f"PostgreSQL is not reachable at {_database_address(settings.database_url)} "
            f"({_database_reason(exc)})."
        )
    if isinstance(exc, (letta_client.APIConnectionError, httpx.TransportError)):
        return (
            f"The Letta server at {settings.letta_base_url} stopped answering "
            f"({_transport_reason(exc)})."
        )
    if isinstance(exc, letta_client.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        detail = str(body.get("detail") or body.get("message") or exc.message)[:500]
        return f"The Letta server refused the request: {detail.rstrip('.')}."
    log.error("turn failed unexpectedly", exc_info=exc)
    return f"Something failed unexpectedly ({type(exc).__name__}); the server log says more."


def describe(exc: BaseException, settings: Settings) -> str:
    """The sentence for a turn that `exc` ended: what failed, that the message is kept, and
    what to do (a model failure is worded by the caller, who can ask Letta which address it
    used)."""
    if isinstance(exc, TurnInterrupted) or (
        isinstance(exc, DSFError) and not isinstance(exc, StorageUnavailable)
    ):
        return str(exc)
    if isinstance(exc, DBAPIError):
        kept = (
            f"{SAVED} up to that moment; press Retry when the database is back "
            "(./start.sh starts the local one)."
        )
    elif isinstance(exc, (letta_client.APIConnectionError, httpx.TransportError)):
        kept = f"{SAVED}; press Retry when it is back (./start.sh starts the local one)."
    else:
        kept = f"{SAVED}; press Retry when it is back."
    return f"{what_failed(exc, settings)} {kept}"


def not_sent(exc: BaseException, settings: Settings) -> str:
    """The message could not even be saved: it stays with the person."""
    return (
        f"{what_failed(exc, settings)} Your message was not sent: it is back in the box — "
        "send it again once this is fixed."
    )


def not_loaded(exc: BaseException, settings: Settings) -> str:
    return f"{what_failed(exc, settings)} The conversation shows again once this is fixed; reload the page then."
