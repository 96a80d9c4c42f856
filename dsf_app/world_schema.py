"""The shape of a world's `foundation` and `surface` documents (docs/ARCHITECTURE.md, "The
data").

Lenient on purpose: every field is optional and unknown keys are kept, because worlds grow
by agent and by hand; the world page and the tools read them through these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


def as_strings(value: Any) -> list[str]:
    """A JSON list as text items for display; anything else as no items."""
    return [str(item) for item in value] if isinstance(value, list) else []


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Rule(Open):
    id: str = Field(default="", description="Short stable id, e.g. 'r-fusion-failed'.")
    statement: str = Field(description="The rule, stated plainly.")
    scope: Literal["universal", "local", "conditional"] = "universal"
    certainty: Literal["tentative", "established", "fundamental"] = "established"
    implications: list[str] = Field(default_factory=list)
    exceptions: list[str] = Field(default_factory=list)


class TechnologySystem(Open):
    name: str
    how_it_works: str = ""
    limits: list[str] = Field(default_factory=list)
    speculation: Literal[
        "hard science", "plausible extrapolation", "hard speculation", "fantasy"
    ] = "plausible extrapolation"


class HistoryEvent(Open):
    event: str
    when: str = ""
    significance: str = ""


class History(Open):
    timeline: list[HistoryEvent] = Field(default_factory=list)


class WorkingNotes(Open):
    contradictions: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)


class WorldFoundation(Open):
    core_premise: str = Field(default="", description="The one change the world grows from.")
    deep_focus_areas: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    technology: list[TechnologySystem] = Field(default_factory=list)
    history: History = Field(default_factory=History)
    geography: str = ""
    culture: str = ""
    working_notes: WorkingNotes = Field(default_factory=WorkingNotes)


def readable_foundation(foundation: dict[str, Any]) -> WorldFoundation:
    """The foundation with the parts that do not fit the model left out (an agent may have
    written a rule without a statement), so a page shows what it can read."""
    try:
        return WorldFoundation.model_validate(foundation)
    except ValidationError:
        pass
    kept: dict[str, Any] = {}
    for key, value in foundation.items():
        if _fits(key, value):
            kept[key] = value
        elif isinstance(value, list):
            items = [item for item in value if _fits(key, [item])]
            if _fits(key, items):
                kept[key] = items
    return WorldFoundation.model_validate(kept)


def _fits(key: str, value: Any) -> bool:
    try:
        WorldFoundation.model_validate({key: value})
        return True
    except ValidationError:
        return False


class WorldSurface(Open):
    opening_scene: str = ""
    visible_elements: list[str] = Field(default_factory=list)
    point_of_view: str = ""
