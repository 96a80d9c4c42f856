"""Starting a chat turn from another panel: an ActionBar choice on the canvas, a suggestion
accepted, an alternative of a story segment asked for.

The panel hands its message to the chat, which sends it to the page's agent as the person's
next message, exactly as if they had typed it: at once, or queued behind the turn that is
running, under the chat's own limits (`DSF_PROMPT_MAX_CHARS`, `DSF_CHAT_QUEUE_MAX`), and
belonging to the tab's sign-in session. The panels call these two functions and never the chat
state itself, so how a turn runs stays the chat's business and the chat imports no panel."""

from __future__ import annotations

import reflex as rx

from dsf_app.state.chat import ChatState
from dsf_app.state.feedback import Followup


def start_turn(message: str) -> Followup:
    """The event that sends `message` to the page's agent as the person's next message."""
    return ChatState.send({"message": message})


async def chat_busy(state: rx.State) -> bool:
    """Whether the page's agent is still answering (a message sent now would be queued)."""
    return (await state.get_state(ChatState)).busy
