"""A turn's trajectory as it happens: fed every streamed chunk (Letta step ids, usage, stop
reason, reasoning and text) and every tool outcome DSF executes, then saved with the run.

The turn calls five hooks: `request_started()` before each streamed request, `chunk(c)` for
each chunk, `request_finished()` when the stream ends, `tool(...)` after each tool call, and
`save(session, actor, run_id, world_id)` when the run is recorded. Nothing here talks to Letta
(Letta 0.16.8's `GET /v1/steps/` answers 400), so recording never slows or breaks a turn.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from dsf_app.models import StepKind
from dsf_app.models.columns import utcnow
from dsf_app.services import trajectories
from dsf_app.services.actor import Actor
from dsf_app.services.trajectories import StepRecord

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


class StepRecorder:
    """Collects one turn's steps in order; a nested turn names the call it answers."""

    def __init__(self, parent_call_id: str | None = None) -> None:
        self.parent_call_id = parent_call_id
        self.steps: list[StepRecord] = []
        self._request: StepRecord | None = None
        self._texts: dict[str, StepRecord] = {}  # Letta message id -> its reasoning/text step
        self._letta_tools: dict[str, StepRecord] = {}  # tool call id -> a tool Letta runs

    def request_started(self, messages: list[dict[str, Any]]) -> None:
        """A streamed request to the agent begins: the person's text, or tool results."""
        first = messages[0] if messages else {}
        sent = (
            {"input": _clip(str(first.get("content", "")))}
            if first.get("role") == "user"
            else {"input": f"{len(first.get('approvals', []))} tool result(s)"}
        )
        self._request = StepRecord(StepKind.MODEL, utcnow(), detail={**sent, "letta_steps": []})
        self.steps.append(self._request)
        self._texts = {}

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

    def request_finished(self) -> None:
        if self._request is not None:
            self._request.stop()
            self._request.status = self._request.status or "cancelled"
        self._request = None

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

    def save(
        self, session: Session, actor: Actor, run_id: uuid.UUID, world_id: uuid.UUID | None
    ) -> None:
        """Store the steps with the run (in the session that records how the turn ended)."""
        trajectories.record_steps(session, actor, run_id, world_id, self.parent_call_id, self.steps)
