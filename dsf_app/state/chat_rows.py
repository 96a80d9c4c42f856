"""The rows of the chat panel and how a turn changes them: a stored message as a row, and
`apply_event`, which folds one turn event (streamed text, a tool call starting or ending, lore
brought in, a question to confirm, the end of the turn) into the rows. Pure functions of plain
data, so they are tested without a browser (tests/test_chat_items.py); `ChatState` holds the
rows and calls these."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from dsf_app.agents.events import (
    ConfirmationAsked,
    LoreUsed,
    Notice,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from dsf_app.models import ChatMessage
from dsf_app.settings import get_settings
from dsf_app.state.lore_rows import LoreLine, lines_from_message, lore_lines

# What a running tool's row says while it works, when "running" says too little.
RUNNING_LABELS = {"image_generator": "Drawing…"}


@dataclass(frozen=True)
class ChatItem:
    """One row of the chat panel."""

    id: str
    # user | regenerate | edit | queued | assistant | reasoning | tool | error | lore | confirm
    # | notice
    role: str
    text: str = ""
    tool_name: str = ""
    tool_args: str = ""
    tool_result: str = ""
    tool_status: str = ""  # running | success | error | interrupted
    running_label: str = "running"
    started_at: float = 0.0  # when the tool started, in seconds since the epoch
    limit_seconds: int = 0  # how long it may take (image generation's timeout), or 0
    nested: bool = False
    interrupted: bool = False
    lore: list[LoreLine] = field(default_factory=list)
    lore_left_out: list[LoreLine] = field(default_factory=list)


def item_from_message(message: ChatMessage, *, nested: bool = False) -> ChatItem:
    if message.message_type == "lore":
        used, left_out = lines_from_message(message.content)
        return ChatItem(str(message.id), "lore", lore=used, lore_left_out=left_out)
    if message.message_type == "tool_call":
        return ChatItem(
            id=message.tool_call_id or str(message.id),
            role="tool",
            tool_name=message.tool_name or "",
            tool_args=pretty_json(message.tool_args),
            tool_result=pretty_json(message.tool_result or ""),
            tool_status=message.tool_status or "",
            nested=nested,
            **_progress(message.tool_name or "", message.created_at.timestamp()),
        )
    role = {
        "user": "user",
        "regenerate": "regenerate",
        "edit": "edit",
        "reasoning": "reasoning",
        "error": "error",
        "notice": "notice",
    }.get(message.message_type, "assistant")
    return ChatItem(
        id=message.letta_message_id or str(message.id),
        role=role,
        text=message.content,
        nested=nested,
        interrupted=message.stream_status == "interrupted",
    )


def pretty_json(value: object) -> str:
    """JSON text or a JSON-able value, indented for reading; other text as it is."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):  # absurdly deep JSON too
            return value
    return json.dumps(value, indent=2, ensure_ascii=False) if value not in (None, "") else ""


def row_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def put_row(items: list[ChatItem], row: ChatItem) -> list[ChatItem]:
    """The row replaces the one with its id, or is added at the end."""
    if any(item.id == row.id for item in items):
        return [row if item.id == row.id else item for item in items]
    return [*items, row]


def apply_event(items: list[ChatItem], event: TurnEvent) -> list[ChatItem]:
    """The chat rows after one turn event (pure, so it is tested without a browser). A turn
    that continues shows again what it already showed: that updates the row, never adds one."""
    if isinstance(event, TextDelta):
        for index in range(len(items) - 1, -1, -1):
            if items[index].id == event.message_id:
                text = event.text if event.whole else items[index].text + event.text
                items[index] = replace(items[index], text=text, interrupted=False)
                return items
        return [
            *items,
            ChatItem(
                event.message_id, event.kind, event.text, nested=event.parent_call_id is not None
            ),
        ]
    if isinstance(event, ToolCallStarted):
        row = ChatItem(
            event.tool_call_id,
            "tool",
            tool_name=event.name,
            tool_args=pretty_json(event.arguments),
            tool_status="running",
            nested=event.parent_call_id is not None,
            **_progress(event.name, event.started_at),
        )
        return put_row(items, row)
    if isinstance(event, ToolCallFinished):
        return [
            replace(item, tool_status=event.status, tool_result=pretty_json(event.result))
            if item.id == event.tool_call_id
            else item
            for item in items
        ]
    if isinstance(event, LoreUsed):
        used, left_out = lore_lines(event.items)
        return put_row(items, ChatItem(event.message_id, "lore", lore=used, lore_left_out=left_out))
    if isinstance(event, Notice):
        nested = event.parent_call_id is not None
        return put_row(items, ChatItem(event.message_id, "notice", event.text, nested=nested))
    if isinstance(event, ConfirmationAsked):
        return put_row(items, card(event.confirmation_id, event.name, event.summary))
    if isinstance(event, TurnFinished):
        items = [
            replace(item, interrupted=True) if item.id in event.interrupted else item
            for item in items
        ]
        if event.error:
            return [*items, ChatItem(row_id("error"), "error", event.error)]
    return items


def _progress(tool_name: str, started_at: float) -> dict[str, Any]:
    """What a running tool's row shows: its label, and when it started against its limit."""
    limit = get_settings().image_timeout_seconds if tool_name == "image_generator" else 0
    return {
        "running_label": RUNNING_LABELS.get(tool_name, "running"),
        "started_at": started_at,
        "limit_seconds": round(limit),
    }


def card(confirmation_id: uuid.UUID, tool_name: str, summary: str) -> ChatItem:
    """The row asking the person to approve or deny a call that cannot be undone."""
    return ChatItem(str(confirmation_id), "confirm", summary, tool_name=tool_name)


def as_sent(items: list[ChatItem], text: str, kind: str = "user") -> list[ChatItem]:
    """The person's message as sent (`kind`: user, regenerate or edit), after the conversation
    and before what is still queued (its own queued row, if it was queued, is gone)."""
    queued = [item for item in items if item.role == "queued"]
    waiting = next((item for item in queued if item.text == text), None)
    rest = [item for item in queued if item is not waiting]
    sent = [item for item in items if item.role != "queued"]
    return [*sent, ChatItem(row_id("user"), kind, text), *rest]


def without_last_user(items: list[ChatItem], text: str) -> list[ChatItem]:
    for index in range(len(items) - 1, -1, -1):
        if items[index].role in ("user", "regenerate", "edit") and items[index].text == text:
            return [*items[:index], *items[index + 1 :]]
    return items
