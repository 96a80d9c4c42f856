"""One module per tool; importing this package registers them all."""

from dsf_app.agents.tools import (
    analyze_information_gain,
    assess_output_quality,
    asset_manager,
    canvas_ui,
    check_logical_consistency,
    compare_versions,
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
    "analyze_information_gain",
    "assess_output_quality",
    "asset_manager",
    "canvas_ui",
    "check_logical_consistency",
    "compare_versions",
    "delegate_to_experience",
    "get_canvas_interactions",
    "image_generator",
    "list_worlds",
    "send_suggestion",
    "story_manager",
    "user_preferences",
    "world_manager",
]
