"""The step recorder on its own: what a save takes while a request still streams, how a failed
request ends, and that a chunk it cannot read never reaches the turn."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dsf_app.agents.step_recorder import StepRecorder
from dsf_app.models import StepKind


def _chunk(message_type: str, **fields: Any) -> SimpleNamespace:
    return SimpleNamespace(message_type=message_type, step_id="step-1", run_id="run-1", **fields)


def test_a_save_takes_only_what_finished() -> None:
    recorder = StepRecorder()
    recorder.tool("call-0", "list_worlds", "{}", "success", "[]", 12)
    with recorder.request([{"role": "user", "content": "hello"}]):
        recorder.chunk(_chunk("reasoning_message", id="m1", reasoning="Think"))
        taken = recorder.drain()
        assert [(s.kind, s.name) for s in taken] == [(StepKind.TOOL, "list_worlds")]
        recorder.chunk(_chunk("assistant_message", id="m2", content="Hi"))
        recorder.chunk(_chunk("stop_reason", stop_reason="end_turn"))
        assert recorder.drain() == []
    rest = recorder.drain()
    assert [(s.kind, s.status) for s in rest] == [
        (StepKind.MODEL, "end_turn"),
        (StepKind.REASONING, ""),
        (StepKind.MESSAGE, ""),
    ]
    assert rest[0].detail["input"] == "hello" and rest[0].letta_step_id == "step-1"
    assert recorder.drain() == []


def test_a_request_that_fails_or_is_cancelled_says_so() -> None:
    recorder = StepRecorder()
    with pytest.raises(ConnectionError), recorder.request([{"type": "approval", "approvals": []}]):
        raise ConnectionError("Letta went away")
    (failed,) = recorder.drain()
    assert (failed.status, failed.detail["error"]) == ("error", "Letta went away")
    assert failed.detail["input"] == "0 tool result(s)"


class _Unreadable:
    message_type = "usage_statistics"

    @property
    def prompt_tokens(self) -> int:
        raise RuntimeError("a chunk shaped unlike any seen")


def test_a_chunk_it_cannot_read_is_logged_and_the_turn_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = StepRecorder()
    with recorder.request([{"role": "user", "content": "hi"}]):
        recorder.chunk(_Unreadable())
        recorder.chunk(_chunk("stop_reason", stop_reason="end_turn"))
    (model,) = recorder.drain()
    assert model.status == "end_turn"
    assert "step recorder: chunk failed" in caplog.text
