"""One module per tool; importing this package registers them all."""

from dsf_app.agents.tools import (
    delegate_to_experience,
    list_worlds,
    story_manager,
    user_preferences,
    world_manager,
)

__all__ = [
    "delegate_to_experience",
    "list_worlds",
    "story_manager",
    "user_preferences",
    "world_manager",
]
