"""send_suggestion: offer the reader a dismissable suggestion card beside the chat."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.topics import Topic
from dsf_app.canvas.tool_args import SendSuggestionArgs
from dsf_app.models import AgentKind
from dsf_app.services import suggestions


async def run(ctx: ToolContext, session: Session, args: SendSuggestionArgs) -> dict[str, Any]:
    suggestion = suggestions.offer(
        session,
        ctx.actor,
        ctx.world_id,
        args.title,
        args.description,
        args.action_id,
        args.priority,
        args.action_label,
        args.action_data,
    )
    ctx.note_change(Topic.SUGGESTIONS)
    return {
        "suggestion_id": str(suggestion.id),
        "shown": True,
        "note": "If the reader accepts, you will receive a message naming this action_id.",
    }


register(
    Tool(
        name="send_suggestion",
        description=(
            "Offer the reader a small suggestion card beside the chat (what to explore or make "
            "next). The reader may dismiss it; accepting it sends you a message with its "
            "action_id and action_data."
        ),
        args=SendSuggestionArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
    )
)
