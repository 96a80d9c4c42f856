"""The agent chat panel beside every page but sign-in: the conversation, streamed as it happens.

Each row of the log is drawn by `chat_message.chat_item`. Above the log: a new conversation and
the list of earlier ones (read only); below it: regenerate the last reply, or edit the last
message and send it again, and the box to write in.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.chat_message import chat_item
from dsf_app.components.suggestions import suggestions_panel
from dsf_app.letta.model_choice import MODEL_SETUP_HELP
from dsf_app.settings import get_settings
from dsf_app.state.chat import ChatState
from dsf_app.state.chat_store import ConversationOption


def model_setup_notice() -> rx.Component:
    return rx.callout(
        MODEL_SETUP_HELP, icon="key-round", color_scheme="amber", id="model-setup-notice"
    )


def _conversation_item(option: ObjectVar[ConversationOption]) -> rx.Component:
    return rx.menu.item(
        rx.text(option.label, size="2", trim="both", max_width="22em", truncate=True),
        rx.cond(option.current, rx.badge("current", size="1"), rx.fragment()),
        on_select=ChatState.show_conversation(option.id),
        class_name="chat-conversation-option",
    )


def _conversation_controls() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("message-square-plus", size=14),
            "New conversation",
            size="1",
            variant="soft",
            disabled=ChatState.busy,
            on_click=ChatState.new_conversation,
            id="chat-new",
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("history", size=14),
                    "Conversations",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    id="chat-conversations",
                )
            ),
            rx.menu.content(rx.foreach(ChatState.conversations, _conversation_item)),
        ),
        spacing="2",
        wrap="wrap",
    )


def _earlier_notice() -> rx.Component:
    return rx.callout(
        rx.hstack(
            rx.text("An earlier conversation, kept to read; the agent no longer has it in mind."),
            rx.button(
                "Back to the current conversation",
                size="1",
                on_click=ChatState.show_conversation(""),
                id="chat-back",
            ),
            align="center",
            wrap="wrap",
        ),
        icon="history",
        size="1",
        id="chat-earlier",
    )


def _redo_bar() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("refresh-cw", size=14),
            "Regenerate",
            size="1",
            variant="ghost",
            on_click=ChatState.regenerate,
            id="chat-regenerate",
        ),
        rx.button(
            rx.icon("pencil", size=14),
            "Edit last message",
            size="1",
            variant="ghost",
            on_click=ChatState.edit_last,
            id="chat-edit",
        ),
        spacing="3",
    )


def _editing_notice() -> rx.Component:
    return rx.hstack(
        rx.text(
            "Editing your last message: sending it makes a new turn; the old one stays.",
            size="1",
            color_scheme="gray",
        ),
        rx.button(
            "Cancel edit",
            size="1",
            variant="ghost",
            type="button",
            on_click=ChatState.cancel_edit,
            id="chat-cancel-edit",
        ),
        align="center",
        id="chat-editing",
    )


def _length_and_problem() -> rx.Component:
    """How long the message is against its limit, and why the last one was not sent."""
    settings = get_settings()
    return rx.fragment(
        rx.text(
            # ChatState (state/chat.py) types its vars as values, not rx.Field, for now.
            ChatState.draft.length().to_string(),  # pyright: ignore[reportAttributeAccessIssue]
            f" / {settings.prompt_max_chars} characters · at most {settings.chat_queue_max} "
            "messages wait while the agent works",
            size="1",
            color_scheme="gray",
            id="chat-length",
        ),
        rx.cond(
            ChatState.send_problem != "",
            rx.callout(
                ChatState.send_problem,
                icon="triangle-alert",
                color_scheme="red",
                size="1",
                role="alert",
                id="chat-send-problem",
            ),
            rx.fragment(),
        ),
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(ChatState.editing, _editing_notice(), rx.fragment()),
            rx.text_area(
                name="message",
                value=ChatState.draft,
                on_change=ChatState.set_draft,
                placeholder="Message your agent — Enter sends, Shift+Enter for a new line",
                enter_key_submit=True,
                rows="3",
                width="100%",
                id="chat-input",
                aria_label="Message your agent",
                max_length=get_settings().prompt_max_chars,
                aria_describedby="chat-length",
            ),
            _length_and_problem(),
            rx.hstack(
                rx.cond(
                    ChatState.busy,
                    rx.button(
                        rx.icon("square", size=14),
                        "Cancel",
                        type="button",
                        color_scheme="red",
                        variant="soft",
                        on_click=ChatState.cancel,
                        id="chat-cancel",
                    ),
                    rx.fragment(),
                ),
                rx.button(
                    rx.cond(
                        ChatState.busy,
                        rx.icon("list-plus", size=14),
                        rx.icon("send", size=14),
                    ),
                    rx.cond(ChatState.busy, "Queue", "Send"),
                    type="submit",
                    id="chat-send",
                ),
                justify="end",
                width="100%",
            ),
            width="100%",
        ),
        on_submit=ChatState.send,
        reset_on_submit=False,
        width="100%",
    )


def chat_panel(agent_label: str) -> rx.Component:
    notice = () if get_settings().llm_configured else (model_setup_notice(),)
    return rx.vstack(
        rx.hstack(
            rx.icon("bot", size=18), rx.heading(agent_label, size="3", as_="h2"), align="center"
        ),
        _conversation_controls(),
        *notice,
        rx.cond(ChatState.earlier, _earlier_notice(), rx.fragment()),
        rx.cond(
            # ChatState (state/chat.py) types its vars as values, not rx.Field, for now.
            ChatState.items.length() > 0,  # pyright: ignore[reportAttributeAccessIssue]
            rx.fragment(),
            rx.text(
                "Say what you want to make; your conversation will appear here.",
                color_scheme="gray",
                size="2",
                id="chat-empty",
            ),
        ),
        rx.auto_scroll(
            rx.vstack(rx.foreach(ChatState.items, chat_item), spacing="2", width="100%"),
            width="100%",
            flex="1",
            max_height=["50vh", "50vh", "calc(100vh - 16em)"],
            id="chat-log",
        ),
        rx.cond(
            ChatState.can_retry & ~ChatState.busy,
            rx.callout(
                rx.hstack(
                    rx.text("The last turn did not finish."),
                    rx.button("Retry", size="1", on_click=ChatState.retry, id="chat-retry"),
                    align="center",
                ),
                icon="rotate-ccw",
                color_scheme="amber",
                size="1",
                id="chat-interrupted",
            ),
            rx.fragment(),
        ),
        rx.cond(ChatState.can_redo, _redo_bar(), rx.fragment()),
        suggestions_panel(),
        rx.cond(ChatState.earlier, rx.fragment(), _composer()),
        width="100%",
        height="100%",
        padding="1em",
        spacing="3",
        id="chat-panel",
    )
