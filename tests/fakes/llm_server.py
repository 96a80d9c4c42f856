"""A scripted fake LLM speaking the OpenAI HTTP protocol, for tests to put behind a real Letta.

Tests register rules matching the latest user message; each rule answers the turn step by step.
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

from tests.fakes.http_server import DISCONNECTS, FakeHTTPServer, JSONHandler

DEFAULT_MODEL = "dsf-fake-model"
DEFAULT_EMBEDDING_DIM = 1536
# Small pieces so that consumers see streaming across many chunks.
ARGUMENT_CHUNK_CHARS = 8
TOKEN_PATTERN = re.compile(r"\s*\S+|\s+")


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
    """The model calls several tools in one response; only this step's own `delay` applies."""

    calls: Sequence[ToolCall]
    delay: float = 0.0


@dataclass(frozen=True)
class Reply:
    """The model answers with plain text and ends its turn; `reasoning`, if any, comes first as
    the model's reasoning (`reasoning_content`, as reasoning models send it)."""

    text: str
    delay: float = 0.0
    reasoning: str = ""


Step = ToolCall | ToolCalls | Reply


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    steps: tuple[Step, ...]


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


def _current_turn(messages: Sequence[dict[str, Any]]) -> tuple[str | None, int]:
    """The last user message's text and how many tool calls the model made after it.

    Derived from the request alone, so retried requests get the same answer.
    """
    user_indexes = [i for i, message in enumerate(messages) if message.get("role") == "user"]
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
        step = self.fake.next_step(body.get("messages") or [])
        time.sleep(step.delay)
        completion = _Completion(body, step)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._send_sse(completion.chunks(include_usage))
        else:
            self.send_json(200, completion.response())

    def _send_error(self, status: int, message: str) -> None:
        error = {"message": message, "type": "invalid_request_error", "code": None}
        self.send_json(status, {"error": error})

    def _send_sse(self, events: Iterator[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
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
    ) -> None:
        super().__init__()
        self.models = list(models)
        self.embedding_dim = embedding_dim
        self.default_reply = default_reply
        # The chat-completion bodies received, in order (what the model was sent).
        self.requests: list[dict[str, Any]] = []  # pyright: ignore[reportIncompatibleVariableOverride]
        self._rules: list[Rule] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def on_user(self, pattern: str, then: Sequence[Step]) -> None:
        """Answer turns whose last user message matches `pattern` (re.search) with `then`, in order.

        Rules are tried in the order they were registered; the first match wins.
        """
        with self.lock:
            self._rules.append(Rule(re.compile(pattern), tuple(then)))

    def reset(self) -> None:
        """Forget all rules and recorded requests (for a server shared across tests)."""
        with self.lock:
            self._rules.clear()
            self.requests.clear()

    def _record(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(body)

    def next_step(self, messages: Sequence[dict[str, Any]]) -> Step:
        """The step answering a chat request with these messages."""
        user_text, calls_made = _current_turn(messages)
        if user_text is None:
            return self.default_reply
        texts = _searchable_texts(user_text)
        with self.lock:
            rule = next(
                (r for r in self._rules if any(r.pattern.search(t) for t in texts)),
                None,
            )
        if rule is None:
            return self.default_reply
        index = _step_index(rule.steps, calls_made)
        return rule.steps[index] if index < len(rule.steps) else self.default_reply


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
        if isinstance(self.step, Reply):
            return self.step.text
        return "".join(call.name + call.arguments_json for _, call in self.calls)

    def response(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if isinstance(self.step, Reply):
            message["content"] = self.step.text
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
        if include_usage:
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
        if isinstance(self.step, Reply):
            for token in TOKEN_PATTERN.findall(self.step.text):
                yield {"content": token}, None
        for index, (call_id, call) in enumerate(self.calls):
            yield from self._tool_call_deltas(index, call_id, call)
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
        for start in range(0, len(arguments), ARGUMENT_CHUNK_CHARS):
            piece = arguments[start : start + ARGUMENT_CHUNK_CHARS]
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, None
