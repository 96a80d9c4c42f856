"""The shape of a world's `foundation` and `surface` documents (docs/ARCHITECTURE.md, "The
data").

Lenient on purpose: every field is optional and unknown keys are kept, because worlds grow
by agent and by hand; the world page and the tools read them through these models.
Every object in a list (a rule, a technology system, a history event…) carries a stable `id`,
given when it is written (`with_item_ids`), so a change can name the item it means
(`rules.<id>.statement`) even after others were inserted or removed before it.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ID_HELP = "Stable id, given when the item is first saved; address the item by it."
MAX_ID_LENGTH = 60


def as_strings(value: Any) -> list[str]:
    """A JSON list as text items for display; anything else as no items."""
    return [str(item) for item in value] if isinstance(value, list) else []


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


def valid_item_id(value: Any) -> bool:
    """Ids are short text that cannot be mistaken for a list position or split a path."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and "." not in value
        and not value.lstrip("-").isdigit()
    )


def _new_id(list_key: str, taken: set[str]) -> str:
    while True:
        candidate = f"{(list_key[:1] or 'i').lower()}-{uuid.uuid4().hex[:6]}"
        if candidate not in taken:
            return candidate


def with_item_ids(document: Any, key: str = "") -> Any:
    """`document` with an id on every object in a list: a valid id is kept, a missing, invalid
    or repeated one (within its list) is replaced. The input is not modified."""
    if isinstance(document, dict):
        return {name: with_item_ids(value, name) for name, value in document.items()}
    if not isinstance(document, list):
        return document
    items = [with_item_ids(item, key) for item in document]
    keep: set[int] = set()  # the first item with each valid id keeps it
    taken: set[str] = set()
    for position, item in enumerate(items):
        if isinstance(item, dict) and valid_item_id(item.get("id")) and item["id"] not in taken:
            keep.add(position)
            taken.add(item["id"])
    for position, item in enumerate(items):
        if isinstance(item, dict) and position not in keep:
            items[position] = {**item, "id": _new_id(key, taken)}
            taken.add(items[position]["id"])
    return items


class Rule(Open):
    id: str = Field(default="", description=ID_HELP)
    statement: str = Field(description="The rule, stated plainly.")
    scope: Literal["universal", "local", "conditional"] = "universal"
    certainty: Literal["tentative", "established", "fundamental"] = "established"
    implications: list[str] = Field(default_factory=list)
    exceptions: list[str] = Field(default_factory=list)


class TechnologySystem(Open):
    id: str = Field(default="", description=ID_HELP)
    name: str
    how_it_works: str = ""
    limits: list[str] = Field(default_factory=list)
    speculation: Literal[
        "hard science", "plausible extrapolation", "hard speculation", "fantasy"
    ] = "plausible extrapolation"


class HistoryEvent(Open):
    id: str = Field(default="", description=ID_HELP)
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
