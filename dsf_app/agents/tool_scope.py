"""Which world or story a tool call is about: the model may name one, the conversation implies one."""

from __future__ import annotations

import uuid

from dsf_app.agents.context import ToolContext
from dsf_app.errors import Invalid


def world_id(ctx: ToolContext, named: uuid.UUID | None) -> uuid.UUID:
    """The named world or the conversation's; access is checked by the service that loads it."""
    chosen = named or ctx.world_id
    if chosen is None:
        raise Invalid("name the world: pass world_id (list_worlds shows the ids).")
    return chosen


def story_id(ctx: ToolContext, named: uuid.UUID | None) -> uuid.UUID:
    chosen = named or ctx.story_id
    if chosen is None:
        raise Invalid("name the story: pass story_id (story_manager list shows the ids).")
    return chosen
