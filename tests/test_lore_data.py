"""Data can't break a world: a lorebook or world file whose fields hold values of the wrong type
is imported without them (each skipped entry named, the rest kept), and the world's reader and
its turns still work afterwards."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from dsf_app.models import CodexStatus, Visibility
from dsf_app.services import codex, codex_links, exports, lorebook, lorebook_format
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.state import story as story_page
from tests.factories import make_actor, make_segment, make_story, make_world


def _world_info(*entries: dict[str, Any]) -> str:
    return json.dumps({"entries": {str(uid): entry for uid, entry in enumerate(entries)}})


def _linked(session: Session, actor: Actor, story_id: uuid.UUID) -> list[str]:
    """The mentions the story page links on its first page, read as the page reads it."""
    view = story_page._read(session, actor, story_id, world_id=None, choices={}, page=1, show=None)
    return [piece.text for segment in view.segments for piece in segment.pieces if piece.entry]


def test_a_flag_of_the_wrong_type_leaves_the_story_page_readable(session: Session) -> None:
    """Once, `"caseSensitive": 2` made every story page of the world fail to load."""
    ada = make_actor(session)
    world = make_world(session, ada)
    story = make_story(session, ada, world)
    make_segment(session, ada, story, "Mira walked to the Dock at low tide.")
    book = lorebook_format.parse(
        _world_info(
            {"key": ["Mira"], "comment": "Mira", "content": "An engineer.", "caseSensitive": 2},
            {"key": ["Dock"], "comment": "The Dock", "content": "Where ships wait."},
        )
    )
    report = lorebook.import_lorebook(session, ada, world.id, book, author="person")
    assert report.created == 1
    assert "1 entries skipped: “Mira” (“caseSensitive” is not valid (2))." in report.sentence()
    assert _linked(session, ada, story.id) == ["Dock"]


def test_an_entry_stored_with_a_rule_of_the_wrong_type_is_read_without_it(
    session: Session,
) -> None:
    """Rows written before imports checked their fields may hold anything: the page reads
    them, leaving out the rule that does not validate (here: not case-sensitive after all)."""
    ada = make_actor(session)
    world = make_world(session, ada)
    story = make_story(session, ada, world)
    make_segment(session, ada, story, "mira walked to the Dock at low tide.")
    mira = codex.create_entry(session, ada, world.id, EntryFields(name="Mira"), author="person")
    session.execute(
        text("UPDATE codex_entry SET activation = :rules WHERE id = :id"),
        {"rules": json.dumps({"case_sensitive": 2, "name_is_key": 3}), "id": mira.id},
    )
    assert _linked(session, ada, story.id) == ["mira"]


def test_exports_show_a_reader_only_the_active_codex(session: Session) -> None:
    """A reader of a public world exports its active entries and the links between them; the
    owner exports suggestions and rejections too."""
    ada, eve = make_actor(session, "Ada"), make_actor(session, "Eve")
    world = make_world(session, ada, visibility=Visibility.PUBLIC)
    made = {
        name: codex.create_entry(
            session, ada, world.id, EntryFields(name=name), author="agent", status=status
        )
        for name, status in (
            ("Mira", CodexStatus.ACTIVE),
            ("Port", CodexStatus.ACTIVE),
            ("Secret Plan", CodexStatus.SUGGESTED),
            ("Old Idea", CodexStatus.SUGGESTED),
        )
    }
    codex.set_status(session, ada, made["Old Idea"].id, CodexStatus.REJECTED, author="person")
    codex_links.add_link(
        session, ada, made["Mira"].id, made["Port"].id, "lives in", author="person"
    )
    codex_links.add_link(
        session, ada, made["Mira"].id, made["Secret Plan"].id, "hides", author="person"
    )

    def exported(actor: Actor) -> tuple[set[str], set[str]]:
        document = json.loads(exports.world_json(session, actor, world.id)[1])
        names = {entry["id"]: entry["name"] for entry in document["codex"]}
        return set(names.values()), {link["relation"] for link in document["codex_links"]}

    assert exported(eve) == ({"Mira", "Port"}, {"lives in"})
    assert exported(ada) == ({"Mira", "Port", "Secret Plan", "Old Idea"}, {"lives in", "hides"})
    lorebook_entries = json.loads(lorebook.export_lorebook(session, eve, world.id)[1])["entries"]
    assert {entry["comment"] for entry in lorebook_entries.values()} == {"Mira", "Port"}
