"""One module per tool; importing this package registers them all."""

from dsf_app.agents.tools import (
    asset_manager,
    canvas_ui,
    codex,
    delegate_to_experience,
    get_canvas_interactions,
    image_generator,
    list_worlds,
    send_suggestion,
    story_manager,
    user_preferences,
    world_manager,
)

__all__ = [
    "asset_manager",
    "canvas_ui",
    "codex",
    "delegate_to_experience",
    "get_canvas_interactions",
    "image_generator",
    "list_worlds",
    "send_suggestion",
    "story_manager",
    "user_preferences",
    "world_manager",
]
