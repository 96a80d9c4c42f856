"""What a person is told when a turn fails: which service failed and where, that their message
is kept, and what to do next — one sentence per kind of failure, chosen here only."""

from __future__ import annotations

import ast
import logging
import re

import httpx
import letta_client
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dsf_app.agents.events import TurnFinished
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
# How Letta words a provider's answer that it passes on: "Error code: 429 - {'error': {...}}".
PROVIDER_ERROR = re.compile(r"Error code: (\d{3}) - (?=\{)")
# Letta's error types and detail prefixes for a failed model request (a rate limit and a too
# long conversation carry their own; a stream cut off midway is an internal error to Letta).
MODEL_ERROR_TYPES = {"llm_error", "llm_rate_limit", "llm_bad_request"}
RATE_LIMITED, TOO_LONG = "RATE_LIMIT_EXCEEDED:", "CONTEXT_WINDOW_EXCEEDED:"
STREAM_CUT = re.compile(r"Connection error during \w+ streaming")


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


def provider_error(detail: str) -> tuple[int, str] | None:
    """The HTTP status and the provider's own message, when Letta passed on its error answer."""
    found = PROVIDER_ERROR.search(detail)
    if found is None:
        return None
    body = _leading_dict(detail[found.end() :])
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return int(found.group(1)), str(message or "").strip().rstrip(".")


def _leading_dict(text: str) -> object:
    """The Python literal `text` starts with (Letta may write more after it), or None."""
    for end in (index + 1 for index, char in enumerate(text) if char == "}"):
        try:
            return ast.literal_eval(text[:end])
        except (ValueError, SyntaxError):
            continue
    return None


def model_failure(detail: str, endpoint: str, settings: Settings) -> str:
    """The model request failed: what the model server said or did, at the address the Letta
    server used, and what the person can do about it."""
    answered = provider_error(detail)
    status, said = answered or (0, "")
    if detail.startswith(TOO_LONG):
        return (
            f"This conversation has grown too long for the model at {endpoint} "
            f"({said or 'its context window is full'}). "
            f"{SAVED}; start a new conversation and send it there (Retry would send the same "
            "conversation again)."
        )
    if status == 429 or detail.startswith(RATE_LIMITED):
        return (
            f"The model server at {endpoint} is taking no more requests for now (429: "
            f"{said or 'rate limit reached'}). {SAVED}; wait a little, then press Retry."
        )
    if STREAM_CUT.search(detail):
        return (
            f"The model server at {endpoint} broke off its answer midway (the connection was "
            f"cut). {SAVED}; press Retry."
        )
    if status >= 500:
        return (
            f"The model server at {endpoint} failed while answering ({status}: "
            f"{said or 'server error'}). {SAVED}; press Retry in a moment, and if it keeps "
            "failing, check the model provider's status."
        )
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
    detail = str(exc.body.get("detail") or exc.body.get("message") or "")
    if (
        exc.body.get("error_type") in MODEL_ERROR_TYPES
        or detail.startswith((RATE_LIMITED, TOO_LONG))
        or STREAM_CUT.search(detail)
    ):
        return detail
    return None


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


def limit(stop_reason: str, settings: Settings) -> TurnFinished:
    """A turn stopped at one of its limits (`max_time`, `max_reply` or `max_steps`)."""
    sentences = {
        "max_time": f"The turn took longer than {settings.turn_max_seconds:.0f} seconds "
        "(DSF_TURN_MAX_SECONDS) and was stopped; what was done so far is kept. Ask for less "
        "at once, or raise the limit.",
        "max_reply": f"The reply passed {settings.turn_max_reply_chars:,} characters "
        "(DSF_TURN_MAX_REPLY_CHARS) and was stopped; what was written is kept. The model may be "
        "repeating itself: ask again more narrowly.",
        "max_steps": f"The agent took {settings.turn_max_steps} model steps "
        "(DSF_TURN_MAX_STEPS) without finishing and was stopped; what was done is kept.",
    }
    return TurnFinished(stop_reason, sentences[stop_reason])


def out_of_steps(limit_reached: str) -> TurnFinished:
    """The person's model steps for the day are spent (`limit_reached` says which limit)."""
    return TurnFinished(
        "quota", f"{limit_reached} The agent was stopped there; what it did so far is kept."
    )
