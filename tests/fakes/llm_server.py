"""A scripted fake LLM speaking the OpenAI HTTP protocol, for tests to put behind a real Letta.

Tests register rules matching the latest user message; each rule answers the turn step by step.
Structured-output requests (`response_format`, as DSF's evaluators send) are checked as OpenAI
checks them and answered by judgment rules, one answer per attempt.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dsf_app.agents.continuation import CONTINUE_NOTE
from tests.fakes.gate import Gate
from tests.fakes.http_server import DISCONNECTS, FakeHTTPServer, JSONHandler

DEFAULT_MODEL = "dsf-fake-model"
DEFAULT_EMBEDDING_DIM = 1536
# Small pieces so that consumers see streaming across many chunks; long arguments (tens of
# kilobytes) in at most MAX_ARGUMENT_CHUNKS pieces: still streamed in parts, without thousands
# of chunks that no test looks at one by one.
ARGUMENT_CHUNK_CHARS = 8
MAX_ARGUMENT_CHUNKS = 64
TOKEN_PATTERN = re.compile(r"\s*\S+|\s+")
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ToolCall:
    """The model calls one tool; `arguments` as a str is sent raw (it may be malformed JSON);
    `reasoning`, if any, comes first as the model's reasoning (`reasoning_content`)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    delay: float = 0.0
    reasoning: str = ""

    @property
    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass(frozen=True)
class ToolCalls:
    """The model calls several tools in one response; only this step's own `delay` applies.
    With `text`, it first streams those words (held halfway at `hold`, like `Reply`)."""

    calls: Sequence[ToolCall]
    delay: float = 0.0
    text: str = ""
    hold: Gate | None = None


@dataclass(frozen=True)
class Reply:
    """The model answers with plain text and ends its turn; `reasoning`, if any, comes first as
    the model's reasoning (`reasoning_content`, as reasoning models send it). With `hold`, a
    streamed answer stops after its first half until the test opens the gate (a non-streamed one
    before it starts), so a test can act while the model is visibly mid-reply."""

    text: str
    delay: float = 0.0
    reasoning: str = ""
    hold: Gate | None = None


@dataclass(frozen=True)
class Hangup:
    """The model server drops the connection without answering, as a crashed server would."""

    delay: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """The model server answers with an HTTP error in OpenAI's shape (`{"error": {...}}`), as a
    provider does when it is rate limited, broken or sent too long a conversation; with
    `retry_after`, the `Retry-After` header (seconds). See `rate_limited`, `server_error` and
    `context_too_long` for the errors OpenAI sends."""

    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


def rate_limited(retry_after: int = 1) -> Refusal:
    """OpenAI's 429 for too many requests, asking to wait `retry_after` seconds."""
    return Refusal(
        429,
        f"Rate limit reached for requests. Please try again in {retry_after}s.",
        "requests",
        "rate_limit_exceeded",
        retry_after=retry_after,
    )


def server_error() -> Refusal:
    """OpenAI's 500 when the provider itself failed."""
    return Refusal(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
    )


def context_too_long(limit: int = 8192) -> Refusal:
    """OpenAI's 400 for a conversation longer than the model's context window."""
    return Refusal(
        400,
        f"This model's maximum context length is {limit} tokens. However, your messages "
        f"resulted in {limit * 2} tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "context_length_exceeded",
        param="messages",
    )


@dataclass(frozen=True)
class Dropped:
    """The model starts streaming `text` and the connection drops halfway, with no end of the
    stream (a non-streamed request is dropped before any answer)."""

    text: str
    delay: float = 0.0


Step = ToolCall | ToolCalls | Reply | Hangup | Refusal | Dropped


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    steps: tuple[Step, ...]
    schema: str | None = None  # judgment rules: the response_format schema name, if any


def response_format_problem(response_format: Any) -> str | None:
    """Why OpenAI would refuse this `response_format` with a 400, or None if it is valid: a
    strict JSON schema needs every object closed (`additionalProperties: false`) and every
    property required."""
    if not isinstance(response_format, dict):
        return "Invalid type for 'response_format': expected an object."
    kind = response_format.get("type")
    if kind in ("text", "json_object"):
        return None
    if kind != "json_schema":
        return f"Invalid value for 'response_format.type': {kind!r}."
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or not SCHEMA_NAME.match(str(spec.get("name", ""))):
        return "Invalid 'response_format.json_schema': a name of 1-64 letters, digits, _ or -."
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        return "Invalid 'response_format.json_schema.schema': expected an object."
    return _strict_problem(schema, "root") if spec.get("strict") else None


def _strict_problem(schema: Any, where: str) -> str | None:
    if isinstance(schema, list):
        return next(
            (p for i, item in enumerate(schema) if (p := _strict_problem(item, f"{where}.{i}"))),
            None,
        )
    if not isinstance(schema, dict):
        return None
    properties = schema.get("properties")
    if schema.get("type") == "object" or isinstance(properties, dict):
        if schema.get("additionalProperties") is not False:
            return f"Invalid schema: in context={where}, 'additionalProperties' must be false."
        missing = set(properties or {}) - set(schema.get("required") or [])
        if missing:
            return f"Invalid schema: in context={where}, 'required' must list {sorted(missing)}."
    return next(
        (
            p
            for key, value in schema.items()
            if isinstance(value, dict | list) and (p := _strict_problem(value, f"{where}.{key}"))
        ),
        None,
    )


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message whose content is a string, a list of parts, or absent."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _searchable_texts(text: str) -> list[str]:
    """The text itself plus, if it is a JSON object (Letta may wrap user input), its strings."""
    try:
        decoded = json.loads(text)
    except ValueError:
        return [text]
    if not isinstance(decoded, dict):
        return [text]
    return [text, *(value for value in decoded.values() if isinstance(value, str))]


def _tool_calls(step: Step) -> list[ToolCall]:
    if isinstance(step, ToolCall):
        return [step]
    if isinstance(step, ToolCalls):
        return list(step.calls)
    return []


def current_turn(messages: Sequence[dict[str, Any]]) -> tuple[str | None, int]:
    """The last user message's text and how many tool calls the model made after it. DSF's
    request to go on with a cut-off turn is not a new message: like a real model, the fake
    goes on with the turn before it.

    Derived from the request alone, so retried requests get the same answer.
    """
    user_indexes = [
        i
        for i, message in enumerate(messages)
        if message.get("role") == "user" and CONTINUE_NOTE not in message_text(message)
    ]
    if not user_indexes:
        return None, 0
    last_user = user_indexes[-1]
    calls_made = sum(
        len(message.get("tool_calls") or [])
        for message in messages[last_user + 1 :]
        if message.get("role") == "assistant"
    )
    return message_text(messages[last_user]), calls_made


def _step_index(steps: Sequence[Step], calls_made: int) -> int:
    """The first step not yet answered, counting tool calls so split parallel calls still count."""
    index = 0
    while index < len(steps) and calls_made > 0:
        calls_made -= len(_tool_calls(steps[index]))
        index += 1
    return index


def _rough_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def fake_embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector derived from a hash of the text."""
    raw = b""
    counter = 0
    while len(raw) < dimensions * 4:
        raw += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    values = [v / 2**32 - 0.5 for v in struct.unpack(f"<{dimensions}I", raw[: dimensions * 4])]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [v / norm for v in values]


class _Handler(JSONHandler):
    fake: ClassVar[ScriptedLLM]

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self.send_json(200, self._models())
        else:
            self._send_error(404, f"Unknown path {self.path}")

    def do_POST(self) -> None:
        try:
            body = self.read_json()
        except ValueError as error:
            self._send_error(400, f"Invalid JSON body: {error}")
            return
        try:
            if self.path == "/v1/chat/completions":
                self._chat_completions(body)
            elif self.path == "/v1/embeddings":
                self.send_json(200, self._embeddings(body))
            else:
                self._send_error(404, f"Unknown path {self.path}")
        except DISCONNECTS:
            self.close_connection = True

    def _models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": model, "object": "model", "created": 0, "owned_by": "dsf-tests"}
                for model in self.fake.models
            ],
        }

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input", "")
        texts = [inputs] if isinstance(inputs, str) else [str(text) for text in inputs]
        dimensions = int(body.get("dimensions") or self.fake.embedding_dim)
        return {
            "object": "list",
            "model": body.get("model", ""),
            "data": [
                {"object": "embedding", "index": i, "embedding": fake_embedding(text, dimensions)}
                for i, text in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": sum(_rough_tokens(t) for t in texts),
                "total_tokens": sum(_rough_tokens(t) for t in texts),
            },
        }

    def _chat_completions(self, body: dict[str, Any]) -> None:
        self.fake._record(body)
        if "response_format" in body:
            problem = response_format_problem(body["response_format"])
            if problem:
                self._send_error(400, problem)
                return
            step = self.fake.next_judgment(body)
        else:
            step = self.fake.next_step(body.get("messages") or [])
        time.sleep(step.delay)
        if isinstance(step, Hangup) or (isinstance(step, Dropped) and not body.get("stream")):
            self.close_connection = True
            return
        if isinstance(step, Refusal):
            self._send_refusal(step)
            return
        completion = _Completion(body, step)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._send_sse(completion.chunks(include_usage), ended=not isinstance(step, Dropped))
        else:
            if isinstance(step, Reply | ToolCalls) and step.hold is not None:
                step.hold.pass_through()
            self.send_json(200, completion.response())

    def _send_error(self, status: int, message: str) -> None:
        error = {"message": message, "type": "invalid_request_error", "code": None}
        self.send_json(status, {"error": error})

    def _send_refusal(self, refusal: Refusal) -> None:
        error = {
            "message": refusal.message,
            "type": refusal.type,
            "param": refusal.param,
            "code": refusal.code,
        }
        headers = {} if refusal.retry_after is None else {"Retry-After": str(refusal.retry_after)}
        self.send_json(refusal.status, {"error": error}, headers)

    def _send_sse(self, events: Iterator[dict[str, Any]], *, ended: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
        if not ended:
            # Cut off: no [DONE] and no end of the chunked body, as when a connection drops.
            self.close_connection = True
            return
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk, flushed so the client sees it at once; empty data ends the body."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class ScriptedLLM(FakeHTTPServer):
    """An OpenAI-compatible HTTP server on 127.0.0.1 answering from scripted rules."""

    handler_class = _Handler

    def __init__(
        self,
        models: Sequence[str] = (DEFAULT_MODEL,),
        embedding_dim: int = DEFAULT_EMBEDDING_DIM,
        default_reply: Reply = Reply("OK."),
        *,
        strict: bool = False,
    ) -> None:
        """With `strict`, a message (or judgment request) no rule matches is answered with a
        500 naming it, and kept in `unscripted`, instead of with `default_reply`: a turn sent
        somewhere the test did not expect fails instead of passing quietly."""
        super().__init__()
        self.models = list(models)
        self.embedding_dim = embedding_dim
        self.default_reply = default_reply
        self.strict = strict
        self.unscripted: list[str] = []
        # The chat-completion bodies received, in order (what the model was sent).
        self.requests: list[dict[str, Any]] = []  # pyright: ignore[reportIncompatibleVariableOverride]
        self._rules: list[Rule] = []
        self._judgments: list[Rule] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def on_user(self, pattern: str, then: Sequence[Step]) -> None:
        """Answer turns whose last user message matches `pattern` (re.search) with `then`, in order.

        Rules are tried in the order they were registered; the first match wins.
        """
        with self.lock:
            self._rules.append(Rule(re.compile(pattern), tuple(then)))

    def on_judgment(
        self, pattern: str, answers: Sequence[dict[str, Any] | str], schema: str | None = None
    ) -> None:
        """Answer structured-output requests whose first user message matches `pattern` (and
        whose json_schema is named `schema`, if given): the n-th answer answers the n-th
        attempt (a retry adds a user message saying what was wrong). A dict is sent as JSON;
        a str as it is (it may be malformed)."""
        replies = tuple(Reply(a if isinstance(a, str) else json.dumps(a)) for a in answers)
        with self.lock:
            self._judgments.append(Rule(re.compile(pattern), replies, schema))

    def next_judgment(self, body: dict[str, Any]) -> Step:
        users = [message_text(m) for m in body.get("messages") or [] if m.get("role") == "user"]
        name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
        with self.lock:
            rule = next(
                (
                    r
                    for r in self._judgments
                    if users and r.pattern.search(users[0]) and r.schema in (None, name)
                ),
                None,
            )
        if rule is None:
            return self._unmatched(users[0] if users else "")
        attempt = len(users) - 1
        return rule.steps[attempt] if attempt < len(rule.steps) else self.default_reply

    def reset(self) -> None:
        """Forget all rules and recorded requests (for a server shared across tests)."""
        with self.lock:
            self._rules.clear()
            self._judgments.clear()
            self.requests.clear()
            self.unscripted.clear()

    def take_unscripted(self) -> list[str]:
        """The messages no rule matched since the last call (strict mode), forgotten here."""
        with self.lock:
            taken, self.unscripted = self.unscripted, []
        return taken

    def _record(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(body)

    def next_step(self, messages: Sequence[dict[str, Any]]) -> Step:
        """The step answering a chat request with these messages."""
        user_text, calls_made = current_turn(messages)
        if user_text is None:
            return self.default_reply
        texts = _searchable_texts(user_text)
        with self.lock:
            rule = next(
                (r for r in self._rules if any(r.pattern.search(t) for t in texts)),
                None,
            )
        if rule is None:
            return self._unmatched(user_text)
        index = _step_index(rule.steps, calls_made)
        return rule.steps[index] if index < len(rule.steps) else self.default_reply

    def _unmatched(self, text: str) -> Step:
        if not self.strict:
            return self.default_reply
        with self.lock:
            self.unscripted.append(text)
        return Refusal(500, f"No rule of the fake model matches {text[:200]!r}.", "server_error")


class _Completion:
    """One chat completion answering `step`, rendered as a JSON response or as stream chunks."""

    def __init__(self, request: dict[str, Any], step: Step) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = str(request.get("model") or DEFAULT_MODEL)
        self.step = step
        self.calls = [(f"call_{uuid.uuid4().hex}", call) for call in _tool_calls(step)]
        self.finish_reason = "tool_calls" if self.calls else "stop"
        self.usage = {
            "prompt_tokens": _rough_tokens(json.dumps(request.get("messages") or [])),
            "completion_tokens": _rough_tokens(self._output_text()),
        }
        self.usage["total_tokens"] = self.usage["prompt_tokens"] + self.usage["completion_tokens"]

    @property
    def _reasoning(self) -> str:
        return self.step.reasoning if isinstance(self.step, Reply | ToolCall) else ""

    def _output_text(self) -> str:
        return self._text() + "".join(call.name + call.arguments_json for _, call in self.calls)

    def _text(self) -> str:
        if isinstance(self.step, Dropped):
            tokens = TOKEN_PATTERN.findall(self.step.text)
            return "".join(tokens[: max(1, len(tokens) // 2)])
        return self.step.text if isinstance(self.step, Reply | ToolCalls) else ""

    def response(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self._text() or None}
        if self._reasoning:
            message["reasoning_content"] = self._reasoning
        if self.calls:
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
                for call_id, call in self.calls
            ]
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self.usage,
        }

    def chunks(self, include_usage: bool) -> Iterator[dict[str, Any]]:
        usage_field = {"usage": None} if include_usage else {}
        for delta, finish_reason in self._deltas():
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            yield self._chunk([choice]) | usage_field
        if include_usage and not isinstance(self.step, Dropped):
            yield self._chunk([]) | {"usage": self.usage}

    def _chunk(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }

    def _deltas(self) -> Iterator[tuple[dict[str, Any], str | None]]:
        yield {"role": "assistant", "content": ""}, None
        for token in TOKEN_PATTERN.findall(self._reasoning):
            yield {"reasoning_content": token}, None
        hold = self.step.hold if isinstance(self.step, Reply | ToolCalls) else None
        tokens = TOKEN_PATTERN.findall(self._text())
        for index, token in enumerate(tokens):
            if hold is not None and index == max(1, len(tokens) // 2):
                hold.pass_through()
            yield {"content": token}, None
        for index, (call_id, call) in enumerate(self.calls):
            yield from self._tool_call_deltas(index, call_id, call)
        if not isinstance(self.step, Dropped):
            yield {}, self.finish_reason

    @staticmethod
    def _tool_call_deltas(
        index: int, call_id: str, call: ToolCall
    ) -> Iterator[tuple[dict[str, Any], None]]:
        opening = {"name": call.name, "arguments": ""}
        yield (
            {
                "tool_calls": [
                    {"index": index, "id": call_id, "type": "function", "function": opening}
                ]
            },
            None,
        )
        arguments = call.arguments_json
        size = max(ARGUMENT_CHUNK_CHARS, -(-len(arguments) // MAX_ARGUMENT_CHUNKS))
        for start in range(0, len(arguments), size):
            piece = arguments[start : start + size]
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, None
