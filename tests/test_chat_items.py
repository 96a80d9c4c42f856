"""How turn events become chat rows (pure functions, no browser)."""

from __future__ import annotations

from dsf_app.agents.events import TextDelta, ToolCallFinished, ToolCallStarted, TurnFinished
from dsf_app.state.chat import ChatItem, apply_event, pretty_json


def test_text_deltas_join_into_one_row_per_message() -> None:
    items: list[ChatItem] = []
    for piece in ("Tide", "wright ", "is ready."):
        items = apply_event(items, TextDelta("m1", "assistant", piece))
    items = apply_event(items, TextDelta("m2", "reasoning", "Checking rules."))
    assert [(i.role, i.text) for i in items] == [
        ("assistant", "Tidewright is ready."),
        ("reasoning", "Checking rules."),
    ]


def test_tool_rows_start_running_and_finish_with_their_result() -> None:
    items = apply_event([], ToolCallStarted("c1", "world_manager", '{"operation":"load"}'))
    items = apply_event(items, ToolCallStarted("c2", "story_manager", "{}", parent_call_id="c0"))
    assert [(i.tool_status, i.nested) for i in items] == [("running", False), ("running", True)]
    items = apply_event(items, ToolCallFinished("c1", "error", "No world with id x.", 12))
    assert (items[0].tool_status, items[0].tool_result) == ("error", "No world with id x.")
    assert items[0].tool_args == '{\n  "operation": "load"\n}'
    assert items[1].tool_status == "running"


def test_a_failed_turn_adds_its_error_and_a_clean_end_adds_nothing() -> None:
    assert apply_event([], TurnFinished("end_turn")) == []
    (row,) = apply_event([], TurnFinished("error", "Letta server is not reachable."))
    assert (row.role, row.text) == ("error", "Letta server is not reachable.")


def test_pretty_json_keeps_text_that_is_not_json() -> None:
    assert pretty_json('{"a": 1}') == '{\n  "a": 1\n}'
    assert pretty_json("plain words") == "plain words"
    assert pretty_json("") == ""
