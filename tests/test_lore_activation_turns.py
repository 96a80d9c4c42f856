"""A World Info file that uses every activation rule, imported into a world, then a conversation
turn by turn: which entries each turn's `lore` block holds, with the reasons "Lore used" shows,
and those left out with why — a regenerated turn gets the same lore."""

from __future__ import annotations

import uuid
from pathlib import Path

from dsf_app.db import session_scope
from dsf_app.models import AgentKind
from dsf_app.services import lore, lorebook, lorebook_format, runs, turns
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from tests.factories import make_actor, make_world

BOOK = Path(__file__).parent / "fixtures" / "lorebooks" / "activation_world_info.json"


class Conversation:
    """A person's conversation with a world's agent, one lore selection per turn."""

    def __init__(self) -> None:
        with session_scope() as session:
            self.actor: Actor = make_actor(session, "Ada")
            world = make_world(session, self.actor)
            report = lorebook.import_lorebook(
                session,
                self.actor,
                world.id,
                lorebook_format.parse(BOOK.read_text()),
                author="person",
            )
            assert (report.created, report.skipped) == (16, [])
            self.world_id = world.id
        self.last_run: uuid.UUID | None = None

    def turn(self, message: str, *, regenerate: bool = False) -> lore.LoreSelection:
        record = turns.start(
            self.actor,
            AgentKind.WORLD,
            self.world_id,
            None,
            message,
            replaces_run_id=self.last_run if regenerate else None,
        )
        selection = lore.prepare(self.actor, self.world_id, None, message, record.run_id)
        lore.record(self.actor, record.run_id, selection)
        with session_scope() as session:
            runs.finish_run(session, self.actor, record.run_id, "end_turn")
        self.last_run = record.run_id
        return selection


def by_rule(selection: lore.LoreSelection) -> dict[str, tuple[str, ...]]:
    """What the rules brought (meaning-only matches aside), with every reason."""
    return {
        item.name: tuple(r for r in item.reasons if not r.startswith("similar in meaning"))
        for item in selection.used
        if not all(r.startswith("similar in meaning") for r in item.reasons)
    }


def left_out(selection: lore.LoreSelection) -> dict[str, str]:
    return {item.name: item.left_out for item in selection.items if item.left_out}


def test_a_lorebook_activates_turn_by_turn_as_in_sillytavern(dsf_in_process: Settings) -> None:
    talk = Conversation()

    first = talk.turn("Ife walked to the harbour, past the nova sign and the archive.")
    why = by_rule(first)
    assert why["Sea Law"] == ("pinned",)  # constant
    assert why["Ife Oyelaran"] == ("matched alias “Ife” in your message",)
    assert why["Dock Nine"] == ("recursion from Ife Oyelaran (name “Dock Nine”)",)
    assert why["Crane Four"] == ("recursion from Ife Oyelaran (alias “cran”)",)  # not whole words
    assert why["Union Hall"] == ("recursion from Dock Nine (alias “union”)",)  # delayed to it
    assert "Stevedores' Union" not in why  # excluded from recursion
    assert why["Quiet Harbour"] == (
        "matched alias “harbour” in your message",
        "no secondary key present (NOT ANY)",
    )
    assert why["Deep Archive"] == ("matched alias “archive” in your message",)
    assert "Nova Drive" not in why  # case-sensitive "NOVA"
    assert "## Dock Nine" in first.block and "[recursion from Ife Oyelaran" in first.block

    second = talk.turn("NOVA engines hum, warping through the weather. And then?")
    why = by_rule(second)
    assert why["Ife Oyelaran"] == ("sticky, 2 turns left",)  # scans one message deep only
    assert why["Nova Drive"] == ("matched alias “NOVA” in your message",)
    assert why["Warp Lanes"] == (r"matched key “/\bwarp(ing)?\b/i” in your message",)
    assert why["Acid Rain"] == (
        "matched alias “weather” in your message",
        "won inclusion group “weather” by order",
    )
    assert "Deep Archive" not in why  # named only in the chat before: its scan depth is 1
    assert left_out(second)["Fog Bank"] == "left out: inclusion group “weather” went to Acid Rain"

    third = talk.turn("A smuggler told the harbour master a ghost story.")
    why = by_rule(third)
    assert why["Ife Oyelaran"] == ("sticky, 1 turn left",)
    assert why["Harbour Master"] == ("matched name “Harbour Master” in your message",)
    assert why["Old Ghosts"] == ("matched alias “ghost” in your message",)  # delay 3: turn 3
    assert left_out(third)["Smuggler's Tip"].startswith("left out: probability 0%: rolled ")

    fourth = talk.turn("The harbour master again, and the strike at the dock.")
    why = by_rule(fourth)
    assert "Ife Oyelaran" not in why  # stickiness over
    assert left_out(fourth)["Harbour Master"] == "left out: cooldown, 2 turns left"
    assert why["The Strike"] == (
        "matched alias “strike” in your message",
        "secondary key “dock” (AND ANY)",
    )
    assert "Quiet Harbour" not in why  # NOT ANY: "strike" is there now
    assert "## The Strike" in fourth.block and "## Harbour Master" not in fourth.block

    again = talk.turn("The harbour master again, and the strike at the dock.", regenerate=True)
    assert by_rule(again) == by_rule(fourth)
    assert left_out(again) == left_out(fourth)

    fifth = talk.turn("The harbour master, once more.")
    assert left_out(fifth)["Harbour Master"] == "left out: cooldown, 1 turn left"


def test_the_delay_counts_turns_of_the_conversation(dsf_in_process: Settings) -> None:
    talk = Conversation()
    assert ["Old Ghosts" in by_rule(talk.turn(f"A ghost, turn {n}.")) for n in range(1, 4)] == [
        False,
        False,
        True,
    ]
