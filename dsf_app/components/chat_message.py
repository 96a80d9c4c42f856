"""One row of the chat panel, by its role: the person's message (sent, edited, sent again or
queued), the agent's reply as Markdown under the untrusted-text rule (`untrusted_text.markdown`:
no raw HTML — `rx.markdown` would make it live DOM —, checked links, images only from our own
assets), collapsible reasoning, a tool call as a compact row that opens to show its arguments
and result (while it runs, the seconds it has taken, ticking in the browser), an error, the
lore a turn brought in, and the card asking to approve or deny a call that cannot be undone.
Everything but the reply is plain text."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar

from dsf_app.components import untrusted_text
from dsf_app.components.elapsed import elapsed_seconds
from dsf_app.components.lore_row import lore_row
from dsf_app.components.matching import as_component
from dsf_app.state.chat import ChatState
from dsf_app.state.chat_rows import ChatItem

STATUS_ICONS = {
    "running": "loader-circle",
    "success": "circle-check",
    "error": "circle-x",
    "interrupted": "circle-pause",
    "waiting": "hand",
}
STATUS_COLORS: dict[str, ColorType] = {
    "running": "gray",
    "success": "green",
    "error": "red",
    "interrupted": "amber",
    "waiting": "amber",
}
# Plain preformatted text: syntax-highlighted blocks re-render on every streamed update and
# slowed a long conversation (and the canvas waiting behind it) by ~300 ms per tool row.
CODE_STYLE = {
    "font_size": "0.75em",
    "font_family": "var(--code-font-family)",
    "max_height": "16em",
    "overflow": "auto",
    "white_space": "pre-wrap",
    "overflow_wrap": "anywhere",
    "width": "100%",
    "margin": "0",
    "padding": "0.5em",
    "border_radius": "6px",
    "background": rx.color("gray", 3),
}


def _sent(item: ObjectVar[ChatItem], class_name: str, *above: rx.Component) -> rx.Component:
    """The person's message as a bubble on the right, with any note above its text."""
    return rx.box(
        *above,
        rx.text(item.text, white_space="pre-wrap", size="2"),
        background=rx.color("cyan", 4),
        padding="0.5em 0.75em",
        border_radius="10px",
        margin_left="auto",
        max_width="90%",
        class_name=class_name,
    )


def _user(item: ObjectVar[ChatItem]) -> rx.Component:
    return _sent(item, "chat-user")


def _edited(item: ObjectVar[ChatItem]) -> rx.Component:
    return _sent(
        item, "chat-edited", rx.text("Edited and sent again", size="1", color_scheme="gray")
    )


def _regenerated(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.hstack(
        rx.icon("refresh-cw", size=12),
        rx.text("Another reply to your message", size="1"),
        color=rx.color("gray", 11),
        align="center",
        spacing="1",
        class_name="chat-regenerated",
        title=item.text,
    )


def _queued(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.box(
        rx.text(item.text, white_space="pre-wrap", size="2"),
        rx.text("Queued: sent when the current turn ends.", size="1", color_scheme="gray"),
        border=f"1px dashed {rx.color('cyan', 7)}",
        padding="0.5em 0.75em",
        border_radius="10px",
        margin_left="auto",
        max_width="90%",
        class_name="chat-queued",
    )


def _interrupted_mark(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.cond(
        item.interrupted,
        rx.text(
            "Interrupted: the reply stopped here.",
            size="1",
            color_scheme="amber",
            class_name="chat-interrupted",
        ),
        rx.fragment(),
    )


def _assistant(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.box(
        untrusted_text.markdown(item.text),
        _interrupted_mark(item),
        class_name="chat-assistant",
        font_size="0.9em",
        width="100%",
    )


def _reasoning(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text("Reasoning", size="1", color_scheme="gray", as_="span")),
        rx.text(item.text, size="1", color_scheme="gray", white_space="pre-wrap"),
        _interrupted_mark(item),
        class_name="chat-reasoning",
    )


def _status_icon(status: rx.Var[str]) -> rx.Component:
    return as_component(
        rx.match(
            status,
            *[
                (name, rx.icon(icon, size=14, color=rx.color(STATUS_COLORS[name], 10)))
                for name, icon in STATUS_ICONS.items()
            ],
            rx.icon("circle", size=14),
        )
    )


def _tool(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.hstack(
                _status_icon(item.tool_status),
                rx.code(item.tool_name, size="1"),
                rx.cond(
                    item.tool_status == "running",
                    rx.text(
                        item.running_label,
                        " ",
                        elapsed_seconds(item.started_at, item.limit_seconds),
                        size="1",
                        color_scheme="gray",
                        class_name="chat-tool-progress",
                    ),
                    rx.text(item.tool_status, size="1", color_scheme="gray"),
                ),
                align="center",
                spacing="2",
                as_="span",
                display="inline-flex",
            ),
            cursor="pointer",
        ),
        rx.vstack(
            rx.text("Arguments", size="1", weight="bold"),
            rx.el.pre(item.tool_args, **CODE_STYLE),
            rx.text("Result", size="1", weight="bold"),
            rx.el.pre(item.tool_result, **CODE_STYLE),
            spacing="1",
            width="100%",
        ),
        class_name="chat-tool",
        data_status=item.tool_status,
        data_tool=item.tool_name,
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px",
        padding="0.35em 0.6em",
        width="100%",
    )


def _notice(item: ObjectVar[ChatItem]) -> rx.Component:
    """A sentence about the turn that is not the agent's (its model went away)."""
    return rx.callout(
        item.text, icon="info", color_scheme="amber", size="1", class_name="chat-notice"
    )


def _error(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.callout(
        item.text, icon="triangle-alert", color_scheme="red", size="1", class_name="chat-error"
    )


def _confirm(item: ObjectVar[ChatItem]) -> rx.Component:
    """A call that cannot be undone, waiting for the person. What it will do is built from the
    agent's arguments, so it is plain text; the buttons name what they answer."""
    summary_id = "chat-confirm-text-" + item.id.to(str)
    return rx.callout.root(
        rx.vstack(
            rx.hstack(
                rx.icon("shield-alert", size=16),
                rx.text("The agent asks before it does this:", size="2", weight="bold"),
                rx.code(item.tool_name, size="1"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(item.text, size="2", white_space="pre-wrap", id=summary_id),
            rx.hstack(
                rx.button(
                    rx.icon("check", size=14),
                    "Approve",
                    size="1",
                    color_scheme="red",
                    type="button",
                    on_click=ChatState.answer(item.id, True),
                    disabled=ChatState.busy,
                    aria_describedby=summary_id,
                    class_name="chat-confirm-approve",
                ),
                rx.button(
                    rx.icon("x", size=14),
                    "Deny",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    on_click=ChatState.answer(item.id, False),
                    disabled=ChatState.busy,
                    aria_describedby=summary_id,
                    class_name="chat-confirm-deny",
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        color_scheme="amber",
        size="1",
        role="group",
        aria_label="Confirm what the agent wants to do",
        class_name="chat-confirm",
        data_confirmation=item.id,
        width="100%",
    )


def chat_item(item: ObjectVar[ChatItem]) -> rx.Component:
    body = rx.match(
        item.role,
        ("user", _user(item)),
        ("edit", _edited(item)),
        ("regenerate", _regenerated(item)),
        ("queued", _queued(item)),
        ("reasoning", _reasoning(item)),
        ("tool", _tool(item)),
        ("error", _error(item)),
        ("notice", _notice(item)),
        ("lore", lore_row(item)),
        ("confirm", _confirm(item)),
        _assistant(item),
    )
    return rx.box(
        body,
        width="100%",
        padding_left=rx.cond(item.nested, "1em", "0"),
        border_left=rx.cond(item.nested, f"2px solid {rx.color('violet', 7)}", "none"),
        class_name=rx.cond(item.nested, "chat-nested", "chat-row"),
    )
