"""A turn's trajectory as it happens: fed every streamed chunk (Letta step ids, usage, stop
reason, reasoning and text) and every tool outcome DSF executes; one of the turn's tallies.

The turn calls three hooks: `with request(messages):` around each streamed request (from
before it is sent until its stream ends), `chunk(c)` for each chunk, and `tool(...)` after each
tool call.
Each save of the turn's progress takes the steps finished since the last one (`drain()`), so a
turn cut off keeps what it did and a continued turn records only what it does anew. Nothing
here talks to Letta (Letta 0.16.8's `GET /v1/steps/` answers 400) or the database, and a hook
that fails is logged and skipped: recording never slows or breaks a turn.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, Concatenate, ParamSpec

from dsf_app.models import StepKind
from dsf_app.models.columns import utcnow
from dsf_app.services.trajectories import StepRecord

log = logging.getLogger(__name__)
P = ParamSpec("P")

# What a step keeps of a tool's result, reasoning or text (arguments are kept whole: the
# export replays them as JSON).
DETAIL_CHARS = 20_000
# Tools Letta runs itself that put stored memory in front of the model.
RETRIEVAL_TOOLS = frozenset({"archival_memory_search", "conversation_search"})


def _clip(text: str) -> str:
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS] + "…"


def _text(chunk: Any) -> str:
    value = chunk.content if chunk.message_type == "assistant_message" else chunk.reasoning
    if isinstance(value, str):
        return value
    return "".join(getattr(part, "text", "") for part in value or [])


def _quiet(
    hook: Callable[Concatenate[StepRecorder, P], None],
) -> Callable[Concatenate[StepRecorder, P], None]:
    """A hook that fails (a chunk shaped unlike any seen) is logged; the turn goes on."""

    @functools.wraps(hook)
    def guarded(self: StepRecorder, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            hook(self, *args, **kwargs)
        except Exception:
            log.exception("step recorder: %s failed; the turn goes on", hook.__name__)

    return guarded


class StepRecorder:
    """Collects one turn's steps in order, until a save takes the finished ones."""

    def __init__(self) -> None:
        self.steps: list[StepRecord] = []
        self._request: StepRecord | None = None
        self._texts: dict[str, StepRecord] = {}  # Letta message id -> its reasoning/text step
        self._letta_tools: dict[str, StepRecord] = {}  # tool call id -> a tool Letta runs

    @contextlib.contextmanager
    def request(self, messages: Sequence[Mapping[str, Any]]) -> Iterator[None]:
        """One streamed request to the agent: the person's text, or tool results."""
        self._request_started(messages)
        failure: Exception | None = None
        try:
            yield
        except Exception as exc:  # a cancel (BaseException) leaves it "cancelled"
            failure = exc
            raise
        finally:
            self._request_finished(failure)

    @_quiet
    def _request_started(self, messages: Sequence[Mapping[str, Any]]) -> None:
        first: Mapping[str, Any] = messages[0] if messages else {}
        sent = (
            {"input": _clip(str(first.get("content", "")))}
            if first.get("role") == "user"
            else {"input": f"{len(first.get('approvals', []))} tool result(s)"}
        )
        self._request = StepRecord(StepKind.MODEL, utcnow(), detail={**sent, "letta_steps": []})
        self.steps.append(self._request)
        self._texts, self._letta_tools = {}, {}

    @_quiet
    def chunk(self, chunk: Any) -> None:
        request = self._request
        if request is None:
            return
        kind = getattr(chunk, "message_type", None)
        step_id = getattr(chunk, "step_id", None)
        if step_id and step_id not in request.detail["letta_steps"]:
            request.detail["letta_steps"].append(step_id)
            request.letta_step_id = request.letta_step_id or step_id
        if getattr(chunk, "run_id", None):
            request.detail["letta_run"] = chunk.run_id
        if "first_chunk_ms" not in request.detail and kind not in (None, "ping"):
            request.detail["first_chunk_ms"] = int((time.monotonic() - request.clock) * 1000)
        if kind in ("assistant_message", "reasoning_message"):
            self._take_text(chunk, step_id)
        elif kind == "tool_call_message":
            self._take_letta_tool_call(chunk, step_id)
        elif kind == "tool_return_message":
            self._take_letta_tool_return(chunk)
        elif kind == "stop_reason":
            request.status = str(chunk.stop_reason)
        elif kind == "usage_statistics":
            request.prompt_tokens += chunk.prompt_tokens or 0
            request.completion_tokens += chunk.completion_tokens or 0
        elif kind == "error_message":
            request.status = "error"
            request.detail["error"] = _clip(str(chunk.message))

    def _take_text(self, chunk: Any, step_id: str | None) -> None:
        text = _text(chunk)
        if not text:
            return
        step = self._texts.get(chunk.id)
        if step is None:
            kind = (
                StepKind.MESSAGE
                if chunk.message_type == "assistant_message"
                else StepKind.REASONING
            )
            step = StepRecord(kind, utcnow(), letta_step_id=step_id, detail={"text": ""})
            self._texts[chunk.id] = step
            self.steps.append(step)
        step.detail["text"] = _clip(step.detail["text"] + text)
        step.stop()

    def _take_letta_tool_call(self, chunk: Any, step_id: str | None) -> None:
        call = getattr(chunk, "tool_call", None)
        if call is None or not getattr(call, "tool_call_id", None):
            return
        step = self._letta_tools.get(call.tool_call_id)
        if step is None:
            name = call.name or ""
            kind = StepKind.RETRIEVAL if name in RETRIEVAL_TOOLS else StepKind.TOOL
            step = StepRecord(
                kind,
                utcnow(),
                name=name,
                tool_call_id=call.tool_call_id,
                letta_step_id=step_id,
                status="running",
                detail={"arguments": "", "ran_on": "letta"},
            )
            self._letta_tools[call.tool_call_id] = step
            self.steps.append(step)
        step.detail["arguments"] = _clip(step.detail["arguments"] + (call.arguments or ""))

    def _take_letta_tool_return(self, chunk: Any) -> None:
        step = self._letta_tools.get(getattr(chunk, "tool_call_id", "") or "")
        if step is not None:
            step.status = str(getattr(chunk, "status", "") or "success")
            step.detail["result"] = _clip(str(getattr(chunk, "tool_return", "") or ""))
            step.stop()

    @_quiet
    def _request_finished(self, failure: Exception | None) -> None:
        request, self._request = self._request, None
        if request is None:
            return
        request.stop()
        if failure is not None:
            request.status = "error"
            request.detail.setdefault("error", _clip(str(failure) or type(failure).__name__))
        request.status = request.status or "cancelled"

    @_quiet
    def tool(
        self, call_id: str, name: str, arguments: str, status: str, result: str, duration_ms: int
    ) -> None:
        """A tool DSF ran for the agent; it started `duration_ms` before now."""
        self.steps.append(
            StepRecord(
                StepKind.TOOL,
                utcnow() - timedelta(milliseconds=duration_ms),
                name=name[:100],
                tool_call_id=call_id,
                status=status,
                duration_ms=duration_ms,
                detail={"arguments": arguments, "result": _clip(result)},
            )
        )

    @_quiet
    def retrieval(self, what: str, items: list[dict[str, Any]], duration_ms: int = 0) -> None:
        """Lore or memory put in front of the model for this turn, with why each item was."""
        self.steps.append(
            StepRecord(
                StepKind.RETRIEVAL,
                utcnow() - timedelta(milliseconds=duration_ms),
                name=what[:100],
                status="success",
                duration_ms=duration_ms,
                detail={"items": items[:50]},
            )
        )

    def drain(self) -> list[StepRecord]:
        """The steps finished since the last drain (all but a request still streaming and
        what it has streamed so far), handed over to be saved."""
        request = self._request
        cut = next((i for i, step in enumerate(self.steps) if step is request), len(self.steps))
        done, self.steps = self.steps[:cut], self.steps[cut:]
        return done
