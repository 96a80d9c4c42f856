"""How turn events become chat rows (pure functions, no browser)."""

from __future__ import annotations

from dataclasses import replace

from dsf_app.agents.events import (
    Notice,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
)
from dsf_app.settings import get_settings
from dsf_app.state.chat_rows import ChatItem, apply_event, as_sent, pretty_json


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


def test_a_running_tool_row_says_when_it_started_and_image_generation_its_limit() -> None:
    limit = round(get_settings().image_timeout_seconds)
    items = apply_event([], ToolCallStarted("c1", "image_generator", "{}", started_at=1000.5))
    items = apply_event(items, ToolCallStarted("c2", "world_manager", "{}", started_at=1002.0))
    assert [(i.running_label, i.started_at, i.limit_seconds) for i in items] == [
        ("Drawing…", 1000.5, limit),
        ("running", 1002.0, 0),
    ]


def test_a_failed_turn_adds_its_error_and_a_clean_end_adds_nothing() -> None:
    assert apply_event([], TurnFinished("end_turn")) == []
    (row,) = apply_event([], TurnFinished("error", "Letta server is not reachable."))
    assert (row.role, row.text) == ("error", "Letta server is not reachable.")


def test_pretty_json_keeps_text_that_is_not_json() -> None:
    assert pretty_json('{"a": 1}') == '{\n  "a": 1\n}'
    assert pretty_json("plain words") == "plain words"
    assert pretty_json("") == ""


def test_a_continued_turn_updates_its_rows_instead_of_adding_new_ones() -> None:
    items = apply_event([], ToolCallStarted("c1", "world_manager", "{}"))
    items = apply_event(items, ToolCallFinished("c1", "error", "S3 is down.", 3))
    items = apply_event(items, TextDelta("m1", "assistant", "Half a rep"))
    items[1] = replace(items[1], interrupted=True)  # as a reload shows a cut-off reply
    items = apply_event(items, ToolCallStarted("c1", "world_manager", "{}"))
    assert [(i.id, i.tool_status) for i in items if i.role == "tool"] == [("c1", "running")]
    items = apply_event(items, TextDelta("m1", "assistant", "Half a reply, whole.", whole=True))
    (reply,) = [i for i in items if i.id == "m1"]
    assert (reply.text, reply.interrupted) == ("Half a reply, whole.", False)
    assert len(items) == 2


def test_a_sent_message_takes_its_place_before_what_is_still_queued() -> None:
    items = [
        ChatItem("u1", "user", "first"),
        ChatItem("q1", "queued", "second"),
        ChatItem("q2", "queued", "third"),
    ]
    items = as_sent(items, "second")
    assert [(i.role, i.text) for i in items] == [
        ("user", "first"),
        ("user", "second"),
        ("queued", "third"),
    ]


def test_a_reply_cut_off_by_a_failure_is_marked_interrupted() -> None:
    items = apply_event([], TextDelta("m1", "assistant", "The tide came in and"))
    items = apply_event(
        items, TurnFinished("error", "PostgreSQL is not reachable.", interrupted=frozenset({"m1"}))
    )
    assert [(i.role, i.interrupted) for i in items] == [("assistant", True), ("error", False)]


def test_a_notice_about_the_turn_is_a_row_of_its_own_once() -> None:
    moved = Notice("n1", "The model “a” is no longer offered; this agent now uses “b”.")
    items = apply_event(apply_event([], moved), moved)
    assert [(item.id, item.role, item.text) for item in items] == [("n1", "notice", moved.text)]
