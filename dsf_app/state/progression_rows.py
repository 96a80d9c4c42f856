"""How an entry changes in the stories, as the entry's page lists it: one row per progression
(from which part on, what it does), and the parts a new one can start from. Built in the
worker thread that reads the page."""

from __future__ import annotations

import dataclasses
import uuid

from sqlmodel import Session

from dsf_app.models import ProgressionField, ProgressionMode
from dsf_app.services import codex_progressions
from dsf_app.services.actor import Actor
from dsf_app.state.codex import Option

# What a progression does to the field, in the row's words.
CHANGES = {
    (ProgressionField.SUMMARY, ProgressionMode.ADD): "The summary gains",
    (ProgressionField.SUMMARY, ProgressionMode.REPLACE): "The summary becomes",
    (ProgressionField.BODY, ProgressionMode.ADD): "The description gains",
    (ProgressionField.BODY, ProgressionMode.REPLACE): "The description becomes",
    (ProgressionField.ALIASES, ProgressionMode.ADD): "Also called",
    (ProgressionField.ALIASES, ProgressionMode.REPLACE): "Now called only",
}
FIELD_CHOICES = [
    Option(ProgressionField.SUMMARY.value, "Summary"),
    Option(ProgressionField.BODY.value, "Description"),
    Option(ProgressionField.ALIASES.value, "Aliases (one a line)"),
]
MODE_CHOICES = [
    Option(ProgressionMode.ADD.value, "Add to it"),
    Option(ProgressionMode.REPLACE.value, "Replace it"),
]


@dataclasses.dataclass
class ProgressionRow:
    id: str
    href: str  # the story, to read the part
    where: str  # "Low Tide · part 5 · The Dock Strike"
    date: str  # the part's in-world date ("" when it has none)
    change: str
    value: str


def progression_rows(
    session: Session, actor: Actor, world_id: uuid.UUID, entry_id: uuid.UUID
) -> tuple[list[ProgressionRow], list[Option]]:
    """The entry's progressions and the parts of the world's stories a new one can start
    from. The caller checked the person may read the entry."""
    rows = [
        ProgressionRow(
            id=str(p.id),
            href=f"/worlds/{world_id}/stories/{p.story_id}",
            where=" · ".join(t for t in (p.story_title, f"part {p.part}", p.part_title) if t),
            date=p.in_world_date,
            change=CHANGES[(p.field, p.mode)],
            value=", ".join(codex_progressions.aliases_in(p.value))
            if p.field == ProgressionField.ALIASES
            else p.value,
        )
        for p in codex_progressions.list_progressions(session, actor, entry_id)
    ]
    parts = codex_progressions.part_choices(session, actor, world_id)
    return rows, [Option(str(part.segment_id), part.label) for part in parts]
