"""What a tool can change that a page shows. A tool notes the topic (`ToolContext.note_change`);
the chat then reloads the page states that show it (those that declare it with
`state/refresh.reloads_on`)."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    WORLDS = "worlds"
    STORIES = "stories"
    ASSETS = "assets"
    CANVAS = "canvas"
    SUGGESTIONS = "suggestions"
    CODEX = "codex"
    EVALUATIONS = "evaluations"
