"""Exports and imports through the services: Markdown and EPUB follow the reader's path, a world's
JSON imports back as an identical private copy, version snapshots diff, and restoring one makes
a new version equal to it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CodexKind, CodexStatus, CollaboratorRole, Visibility, World
from dsf_app.services import (
    codex,
    codex_links,
    exports,
    foundation_edits,
    reader,
    stories,
    versions,
    world_import,
    world_updates,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryChanges, EntryFields
from dsf_app.services.world_updates import WorldUpdate, update_world
from dsf_app.storage import AssetStorage
from tests.epub_reader import NS, read_epub
from tests.factories import (
    PNG,
    last_change,
    make_actor,
    make_image,
    make_segment,
    make_story,
    make_world,
    share,
)

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
FOUNDATION = {
    "core_premise": "Cheap desalination emptied the deserts of thirst.",
    "rules": [
        {
            "id": "r-water",
            "statement": "Fresh water costs less than electricity.",
            "scope": "universal",
            "certainty": "established",
            "implications": ["Inland cities boom"],
            "exceptions": ["Polar stations"],
        }
    ],
    "technology": [{"name": "Graphene sieves", "how_it_works": "Pores pass water only."}],
    "history": {"timeline": [{"event": "First sieve plant", "when": "2031"}]},
    "geography": "Green belts along every coast.",
    "culture": "Water is no longer a gift.",
    "working_notes": {"open_questions": ["Who owns the brine?"], "contradictions": []},
}


def branching_story(session: Session, actor: Actor, world: World) -> tuple[Any, ...]:
    """opening → harbour → (storm | calm); the storm branch goes on one more part."""
    story = make_story(session, actor, world, "The Brine Wars")
    opening = stories.add_segment(session, actor, story.id, "Opening", "The tide came in.")
    harbour = stories.add_segment(
        session, actor, story.id, "", "Boats crowded the harbour.", parent_id=opening.id
    )
    storm = stories.add_segment(
        session, actor, story.id, "The storm", "Wind tore the sieves.", parent_id=harbour.id
    )
    calm = stories.add_segment(
        session, actor, story.id, "The calm", "Nothing moved all day.", parent_id=harbour.id
    )
    after = stories.add_segment(
        session, actor, story.id, "Aftermath", "They rebuilt.", parent_id=storm.id
    )
    return story, opening, harbour, storm, calm, after


def test_reader_follows_one_path_and_lists_the_fork(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    story, opening, harbour, storm, calm, after = branching_story(session, ada, world)

    first = reader.read(session, ada, story.id)
    assert [s.id for s in first.segments] == [opening.id, harbour.id, storm.id, after.id]
    assert first.path_length == 4
    (fork,) = first.forks
    assert fork.after_position == 2
    assert [(o.label, o.chosen, o.length) for o in fork.options] == [
        ("The storm", True, 2),
        ("The calm", False, 1),
    ]

    other = reader.read(session, ada, story.id, choices={harbour.id: calm.id})
    assert [s.id for s in other.segments] == [opening.id, harbour.id, calm.id]
    shown = reader.read(session, ada, story.id, show=calm.id, page_size=2)
    assert shown.page == 2 and [s.id for s in shown.segments] == [calm.id]


def test_segments_saved_without_a_parent_continue_the_newest_one_before(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    story = make_story(session, ada, world)
    parts = [make_segment(session, ada, story, f"Part {n}.") for n in range(5)]
    page = reader.read(session, ada, story.id, page_size=2, page=3)
    assert page.pages == 3 and [s.id for s in page.segments] == [parts[4].id]
    assert page.forks == []


def test_markdown_and_epub_follow_the_chosen_branch(
    session: Session, storage: AssetStorage
) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, "Saltwater")
    story, _opening, harbour, _storm, calm, _after = branching_story(session, ada, world)

    name, markdown = exports.story_markdown(session, ada, story.id, {harbour.id: calm.id})
    assert name == "the-brine-wars.md"
    assert markdown.startswith("# The Brine Wars\n")
    assert "## The calm" in markdown and "The storm" not in markdown
    assert (
        markdown.index("## Opening") < markdown.index("## Part 2") < markdown.index("## The calm")
    )

    book = exports.story_book(session, ada, story.id, {harbour.id: calm.id})
    name, data = exports.story_epub(book, storage)
    assert name == "the-brine-wars.epub"
    epub = read_epub(data)
    assert {key: epub.metadata[key] for key in ("identifier", "title", "language", "creator")} == {
        "identifier": [f"urn:uuid:{story.id}"],
        "title": ["The Brine Wars"],
        "language": ["en"],
        "creator": ["Ada"],
    }
    assert epub.metadata["description"] == ["A story of Saltwater."]
    toc = epub.toc()
    assert [title for title, _ in toc] == ["Opening", "Part 2", "The calm"]
    nav = epub.item_with("nav")
    assert nav is not None and epub.spine == [nav.path, *(path for _, path in toc)]
    assert [epub.headings(path) for _, path in toc] == [[title] for title, _ in toc]
    texts = [epub.text(path) for _, path in toc]
    assert "Nothing moved all day." in texts[2]
    assert "The storm" not in "".join(texts)
    assert epub.item_with("cover-image") is None


def test_epub_cover_is_the_worlds_newest_image_readers_can_show(
    session: Session, storage: AssetStorage
) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, "Saltwater")
    story = make_story(session, ada, world, "Low Tide")
    make_segment(session, ada, story, "The sea came back.")
    make_image(session, ada, storage, world, PNG, "An older coast")
    make_image(session, ada, storage, world, GIF, "The harbour at dawn")

    epub = read_epub(exports.story_epub(exports.story_book(session, ada, story.id), storage)[1])
    cover = epub.item_with("cover-image")
    assert cover is not None and cover.media_type == "image/gif"
    assert epub.files[cover.path] == GIF
    cover_page = ElementTree.fromstring(epub.files[epub.spine[0]])
    (image,) = cover_page.iter(f"{{{NS['xhtml']}}}img")
    assert image.attrib == {"src": Path(cover.path).name, "alt": "The harbour at dawn"}

    make_image(session, ada, storage, world, WEBP, "Not every reader shows WebP")
    epub = read_epub(exports.story_epub(exports.story_book(session, ada, story.id), storage)[1])
    assert epub.item_with("cover-image") is None
    assert [title for title, _ in epub.toc()] == ["Part 1"]


def test_a_story_without_parts_is_no_book(session: Session) -> None:
    ada = make_actor(session)
    story = make_story(session, ada, make_world(session, ada), "Blank")
    with pytest.raises(Invalid, match="“Blank” has no parts yet"):
        exports.story_book(session, ada, story.id)


def test_world_json_imports_as_an_identical_private_copy(session: Session) -> None:
    ada, bo = make_actor(session, "Ada"), make_actor(session, "Bo")
    world = make_world(
        session, ada, "Saltwater", Visibility.PUBLIC, foundation=FOUNDATION, description="Wet."
    )
    worlds.update_world_fields(session, ada, world.id, constraints=["No magic."])
    branching_story(session, ada, world)

    name, text = exports.world_json(session, ada, world.id)
    assert name == "saltwater.world.json"
    imported = world_import.import_world(session, bo, world_import.parse(text.encode()))
    copy = worlds.get_world(session, bo, imported.world_id)

    assert copy.id != world.id and copy.owner_id == bo.user_id
    assert copy.visibility == Visibility.PRIVATE and copy.version == 1
    assert (copy.name, copy.description, copy.foundation, copy.constraints) == (
        world.name,
        world.description,
        world.foundation,
        world.constraints,
    )
    again = exports.export_world(session, bo, copy.id)
    original = exports.export_world(session, ada, world.id)

    def shape(export: exports.WorldExport) -> object:
        out = []
        for s in export.stories:
            ids = {seg.id: n for n, seg in enumerate(s.segments)}
            out.append(
                (
                    s.title,
                    [
                        (seg.title, seg.content, seg.order, ids.get(seg.parent_id or ""))
                        for seg in s.segments
                    ],
                )
            )
        return out

    assert shape(again) == shape(original) and len(again.stories[0].segments) == 5
    assert versions.list_versions(session, bo, copy.id)[0].version == 1


def test_world_json_carries_the_codex_under_new_ids(session: Session) -> None:
    ada, bo = make_actor(session, "Ada"), make_actor(session, "Bo")
    world = make_world(session, ada, "Saltwater")
    mira = codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Mira", kind=CodexKind.CHARACTER, aliases=["the engineer"], body="Tall."),
        author="person",
    )
    port = codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Port Saline", kind=CodexKind.PLACE),
        author="agent",
    )
    codex_links.add_link(session, ada, mira.id, port.id, "lives in", author="person")
    codex.set_flags(session, ada, port.id, pinned=True)
    codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Teo"),
        author="agent",
        status=CodexStatus.SUGGESTED,
    )

    _, text = exports.world_json(session, ada, world.id)
    imported = world_import.import_world(session, bo, world_import.parse(text.encode()))
    assert imported.entries == 3

    def shape(
        owner: Actor, world_id: uuid.UUID
    ) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str]], set[str]]:
        export = exports.export_world(session, owner, world_id)
        names = {entry.id: entry.name for entry in export.codex}
        entries = sorted(
            (e.name, e.kind, e.aliases, e.body, e.status, e.pinned) for e in export.codex
        )
        links = sorted((names[k.from_id], names[k.to_id], k.relation) for k in export.codex_links)
        return entries, links, set(names)

    (entries, links, ids), (copied, copied_links, new_ids) = (
        shape(ada, world.id),
        shape(bo, imported.world_id),
    )
    assert copied == entries and copied_links == links == [("Mira", "Port Saline", "lives in")]
    assert not ids & new_ids  # the copy's entries are its own
    assert ("Teo", "concept", [], "", "suggested", False) in copied
    # The copy's first version holds its Codex: the next change diffs against it.
    [copy_mira] = [
        e for e in codex.list_entries(session, bo, imported.world_id) if e.name == "Mira"
    ]
    codex.update_entry(
        session, bo, copy_mira.id, EntryChanges(body="Taller."), author="person", expected_version=1
    )
    rows = versions.diff_versions(session, bo, imported.world_id, 1, 2)
    assert [(r.path, r.left, r.right) for r in rows if r.path.startswith("codex/")] == [
        ("codex/Mira.body", "Tall.", "Taller.")
    ]


def test_every_version_is_kept_and_two_versions_diff(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    update_world(
        session,
        ada,
        world.id,
        [
            WorldUpdate(
                path="rules.r-water.statement",
                operation="update",
                value="Fresh water is free.",
                reason="Subsidies",
            )
        ],
        author="agent",
    )
    foundation_edits.save_item(
        session,
        ada,
        world.id,
        "timeline",
        None,
        {"event": "Brine riots", "when": "2040", "significance": ""},
        reason="History grows",
        expected_version=2,
    )
    assert [v.version for v in versions.list_versions(session, ada, world.id)] == [3, 2, 1]
    rows = versions.diff_versions(session, ada, world.id, 1, 3)
    by_path = {row.path: row for row in rows}
    assert by_path["rules.r-water.statement"].left == "Fresh water costs less than electricity."
    assert by_path["rules.r-water.statement"].right == "Fresh water is free."
    (event,) = [row for row in rows if row.right == "Brine riots"]
    assert event.change == "added" and event.path.startswith("history.timeline.")
    with pytest.raises(Invalid, match="changed while you were editing"):
        foundation_edits.save_text(
            session, ada, world.id, "geography", "Dry", reason="x", expected_version=2
        )


def test_restoring_a_version_makes_a_new_version_equal_to_it(session: Session) -> None:
    ada, editor, viewer = (make_actor(session, name) for name in ("Ada", "Eve", "Vic"))
    world = make_world(session, ada, "Brinefall", foundation=FOUNDATION, constraints=["No FTL"])
    share(session, ada, world, editor, CollaboratorRole.EDITOR)
    share(session, ada, world, viewer, CollaboratorRole.VIEWER)
    worlds.update_world_fields(
        session, ada, world.id, name="Brinefall II", description="Drier.", constraints=[]
    )
    update_world(
        session,
        ada,
        world.id,
        [WorldUpdate(path="core_premise", operation="update", value="Rain.", reason="Wet")],
        author="agent",
    )

    restored = world_updates.restore_version(
        session,
        editor,
        world.id,
        1,
        reason="The agent went too far",
        author="person",
        expected_version=3,
    )

    assert restored.version == 4
    assert (restored.name, restored.description, restored.constraints) == (
        "Brinefall",
        "",
        ["No FTL"],
    )
    assert restored.foundation == versions.get_version(session, ada, world.id, 1).foundation
    assert versions.diff_versions(session, ada, world.id, 1, 4) == []
    entry = last_change(session, ada, restored).entry()
    assert {k: entry[k] for k in ("version", "author", "operation", "restored_from", "reason")} == {
        "version": 4,
        "author": "person",
        "operation": "restore",
        "restored_from": 1,
        "reason": "The agent went too far",
    }

    def restore(actor: Actor, version: int, expected: int, reason: str = "Why") -> object:
        return world_updates.restore_version(
            session,
            actor,
            world.id,
            version,
            reason=reason,
            author="person",
            expected_version=expected,
        )

    refusals: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: restore(viewer, 2, 4), Forbidden, "make you an editor"),
        (lambda: restore(ada, 2, 3), Invalid, "changed while you were editing"),
        (lambda: restore(ada, 4, 4), Invalid, "is the current version"),
        (lambda: restore(ada, 9, 4), Invalid, "has no stored version 9"),
        (lambda: restore(ada, 2, 4, reason=" "), Invalid, "Say why"),
        (lambda: restore(make_actor(session, "Stranger"), 2, 4), NotFound, "is visible to you"),
    ]

    for call, error, words in refusals:
        with pytest.raises(error, match=words):
            call()
    assert worlds.get_world(session, ada, world.id).version == 4


def test_hand_edits_create_missing_sections_and_need_a_reason(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    with pytest.raises(Invalid, match="Say why"):
        foundation_edits.save_text(
            session, ada, world.id, "core_premise", "X", reason=" ", expected_version=1
        )
    edited = foundation_edits.save_lines(
        session,
        ada,
        world.id,
        "open_questions",
        ["Who pays?", "", "Why now?"],
        reason="Notes",
        expected_version=1,
    )
    assert edited.foundation["working_notes"]["open_questions"] == ["Who pays?", "Why now?"]
    edited = foundation_edits.save_item(
        session,
        ada,
        world.id,
        "rules",
        None,
        {"statement": "Gravity works."},
        reason="r",
        expected_version=2,
    )
    assert edited.foundation["rules"][0]["statement"] == "Gravity works."
    assert edited.foundation["rules"][0]["id"].startswith("r-")
    assert last_change(session, ada, edited).author == "person"
    with pytest.raises(Invalid, match="scope"):
        foundation_edits.save_item(
            session,
            ada,
            world.id,
            "rules",
            0,
            {"scope": "galactic"},
            reason="r",
            expected_version=3,
        )


def test_story_cards_count_segments_and_words(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    story, *_ = branching_story(session, ada, world)
    (card,) = reader.story_cards(session, ada, world.id)
    assert (card.id, card.segments, card.words) == (story.id, 5, 18)
