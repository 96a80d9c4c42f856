"""Importing a world's JSON through the service: what is refused (with a sentence naming the
limit or the problem), how much of an upload is read before a refusal, and that the rows go in
with a few bulk statements whatever the world's size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from dsf_app.errors import Invalid
from dsf_app.models import Story, StorySegment
from dsf_app.services import world_import, worlds
from dsf_app.services.world_import import (
    MAX_BYTES,
    MAX_CODEX_ENTRIES,
    MAX_CODEX_LINKS,
    MAX_DEPTH,
    MAX_SEGMENTS,
    MAX_STORIES,
    MAX_STORY_SEGMENTS,
)
from tests.factories import counted_statements, make_actor
from tests.world_documents import chain, document, flat, story


def test_a_file_that_is_not_an_export_says_what_is_wrong() -> None:
    with pytest.raises(Invalid, match=r"not a Deep Sci-Fi world export.*at world\.name"):
        world_import.parse(document().replace(b'"name":"Imported"', b'"title":"x"'))
    with pytest.raises(Invalid, match="not a Deep Sci-Fi world export"):
        world_import.parse(b"not json")


@pytest.mark.parametrize(
    ("stories", "refusal"),
    [
        (
            [story(f"S{n}", []) for n in range(MAX_STORIES + 1)],
            f"more than {MAX_STORIES:,} stories",
        ),
        (
            [story("Endless", flat(MAX_STORY_SEGMENTS + 1))],
            f"“Endless” has {MAX_STORY_SEGMENTS + 1:,} segments; a story may have at most "
            f"{MAX_STORY_SEGMENTS:,}",
        ),
        (
            [
                story(f"Part {n}", flat(MAX_STORY_SEGMENTS, f"p{n}-"))
                for n in range(MAX_SEGMENTS // MAX_STORY_SEGMENTS + 1)
            ],
            f"more than {MAX_SEGMENTS:,} story segments",
        ),
    ],
    ids=["stories", "segments per story", "segments per world"],
)
def test_counts_over_the_limits_are_refused_naming_the_limit(
    stories: list[dict[str, Any]], refusal: str
) -> None:
    with pytest.raises(Invalid, match=refusal):
        world_import.parse(document(*stories))


def test_a_path_deeper_than_the_limit_is_refused(session: Session) -> None:
    ada = make_actor(session)
    deep = world_import.parse(document(story("Abyss", chain(MAX_DEPTH + 1))))
    with pytest.raises(Invalid, match=f"at most {MAX_DEPTH:,} segments"):
        world_import.import_world(session, ada, deep)
    at_limit = world_import.parse(document(story("Trench", chain(MAX_DEPTH))))
    imported = world_import.import_world(session, ada, at_limit)
    assert imported.segments == MAX_DEPTH


@pytest.mark.parametrize(
    ("segments", "refusal"),
    [
        ([{"id": "a"}, {"id": "a"}], "two segments share the id a"),
        ([{"id": "a"}, {"id": "b", "parent_id": "ghost"}], "continues from ghost, which is not"),
        (
            [{"id": "a"}, {"id": "b", "parent_id": "c"}, {"id": "c", "parent_id": "b"}],
            "segment b is in a loop",
        ),
        ([{"id": "a", "parent_id": "a"}], "segment a is in a loop"),
        ([{"id": "a", "content": "x" * 200_001}], "segment a: The segment content is 200001"),
    ],
    ids=["duplicate id", "missing parent", "loop", "own parent", "content too long"],
)
def test_a_broken_segment_tree_is_refused_and_nothing_is_written(
    session: Session, segments: list[dict[str, Any]], refusal: str
) -> None:
    ada = make_actor(session)
    parsed = world_import.parse(document(story("Knots", segments)))
    with pytest.raises(Invalid, match=refusal):
        world_import.import_world(session, ada, parsed)


def test_rows_go_in_with_a_few_bulk_statements_whatever_the_size(session: Session) -> None:
    """Two thousand chained segments (two thousand tree levels) cost no more statements than
    ten: the tree is built in memory and inserted in bulk, not level by level."""
    ada = make_actor(session)
    counts = []
    for length in (10, 2_000):
        parsed = world_import.parse(document(story("Line", chain(length)), story("Few", flat(3))))
        with counted_statements(session) as statements:
            imported = world_import.import_world(session, ada, parsed)
        counts.append(len(statements))
        assert (imported.stories, imported.segments) == (2, length + 3)
        rows = session.exec(
            select(func.count(col(StorySegment.id)))
            .join(Story, col(Story.id) == StorySegment.story_id)
            .where(Story.world_id == imported.world_id)
        ).one()
        assert rows == length + 3
        world = worlds.get_world(session, ada, imported.world_id)
        assert world.owner_id == ada.user_id and world.foundation == {"core_premise": "Salt."}
    assert counts[1] <= counts[0] + 2, counts


@dataclass
class Piece:
    filename: str
    data: bytes


class Upload:
    """An upload arriving in pieces, counting how many the reader took."""

    def __init__(self, size: int, piece: int = 64 * 1024, names: tuple[str, ...] = ("w.json",)):
        self.size, self.piece, self.names = size, piece, names
        self.taken = 0

    async def __aiter__(self) -> AsyncIterator[Piece]:
        sent = 0
        while sent < self.size:
            data = b"x" * min(self.piece, self.size - sent)
            self.taken += len(data)
            yield Piece(self.names[(sent // self.piece) % len(self.names)], data)
            sent += len(data)


def read(upload: Upload) -> bytes | None:
    return asyncio.run(world_import.read_upload(aiter(upload)))


def test_reading_an_upload_stops_just_past_the_limit() -> None:
    exact = Upload(MAX_BYTES)
    assert len(read(exact) or b"") == MAX_BYTES

    huge = Upload(MAX_BYTES * 3)
    with pytest.raises(Invalid, match=f"larger than {MAX_BYTES // 1024 // 1024} MB"):
        read(huge)
    assert MAX_BYTES < huge.taken <= MAX_BYTES + huge.piece

    assert read(Upload(0)) is None
    with pytest.raises(Invalid, match="Import one file at a time"):
        read(Upload(200_000, names=("a.json", "b.json")))


def test_codex_entries_over_the_limit_are_refused_naming_the_limit() -> None:
    many = [{"id": str(n), "name": f"E{n}"} for n in range(MAX_CODEX_ENTRIES + 1)]
    with pytest.raises(Invalid, match=f"more than {MAX_CODEX_ENTRIES:,} Codex entries"):
        world_import.parse(document(codex=many))
    pair = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    links = [{"from_id": "a", "to_id": "b", "relation": str(n)} for n in range(MAX_CODEX_LINKS + 1)]
    with pytest.raises(Invalid, match=f"more than {MAX_CODEX_LINKS:,} links"):
        world_import.parse(document(codex=pair, codex_links=links))


@pytest.mark.parametrize(
    ("codex", "links", "refusal"),
    [
        ([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], [], "two entries share the id a"),
        ([{"id": "a", "name": "Reef"}, {"id": "b", "name": "reef"}], [], "two entries are named"),
        ([{"id": "a", "name": "A"}], [{"from_id": "a", "to_id": "ghost"}], "names the entry ghost"),
        ([{"id": "a", "name": "A"}], [{"from_id": "a", "to_id": "a"}], "links to itself"),
    ],
    ids=["same id", "same name", "missing target", "self link"],
)
def test_a_broken_codex_is_refused(
    session: Session, codex: list[dict[str, Any]], links: list[dict[str, Any]], refusal: str
) -> None:
    ada = make_actor(session)
    parsed = world_import.parse(document(codex=codex, codex_links=links))
    with pytest.raises(Invalid, match=refusal):
        world_import.import_world(session, ada, parsed)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"kind": "dragon"}, "Input should be"),
        ({"status": "lost"}, "not a known Codex entry status"),
        ({"summary": "x" * 2001}, "String should"),
        ({"activation": {"case_sensitive": 2}}, "“case_sensitive” is not valid (2)"),
        ({"activation": {"probability": "often"}}, "“probability” is not valid ('often')"),
        ({"extra": {"position": "top"}}, "“position” is not valid ('top')"),
    ],
    ids=["kind", "status", "summary", "case", "probability", "position"],
)
def test_a_codex_entry_with_a_bad_field_is_skipped_and_named(
    session: Session, entry: dict[str, Any], problem: str
) -> None:
    """The rest of the world goes in; the entry's links go with it."""
    ada = make_actor(session)
    codex = [{"id": "a", "name": "Ana"} | entry, {"id": "b", "name": "Bo"}]
    links = [{"from_id": "b", "to_id": "a"}]
    imported = world_import.import_world(
        session, ada, world_import.parse(document(codex=codex, codex_links=links))
    )
    assert imported.entries == 1
    [skipped] = imported.skipped
    assert skipped.startswith("“Ana” (") and problem in skipped
    assert f"1 Codex entries skipped: {skipped}." in imported.sentence()


def test_the_codex_goes_in_with_a_few_bulk_statements(session: Session) -> None:
    ada = make_actor(session)
    counts = []
    for size in (3, 1_000):
        codex = [{"id": f"e{n}", "name": f"Entry {n}"} for n in range(size)]
        links = [{"from_id": f"e{n}", "to_id": f"e{n + 1}"} for n in range(size - 1)]
        parsed = world_import.parse(document(codex=codex, codex_links=links))
        with counted_statements(session) as statements:
            imported = world_import.import_world(session, ada, parsed)
        counts.append(len(statements))
        assert imported.entries == size
    assert counts[1] <= counts[0] + 2, counts
