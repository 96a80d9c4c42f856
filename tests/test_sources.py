"""A world's sources: text, Markdown, PDF and EPUB read by their bytes and cut into passages;
the size and text limits; adding one stores its bytes in S3 and its passages in pgvector under
an HNSW index; deleting one removes both; the passages nearest a turn join its lore with their
citation links; and another person can neither read nor change a private world's sources."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import select

from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CollaboratorRole, SourceFormat, SourcePassage, Visibility, World
from dsf_app.services import (
    lore,
    source_search,
    source_text,
    sources,
    world_deletion,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.sources import SourceView
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage
from tests.factories import make_actor, make_world, share
from tests.source_files import epub, pdf

FACT = "The harbour code of the Ninth Dock is Heron-Seven-Forty-Two, changed every solstice."


# ---- reading and cutting (no services) -------------------------------------------------------


def test_a_pdf_is_read_page_by_page_and_passages_keep_their_page() -> None:
    data = pdf([["A quiet first page."], ["Second page.", FACT]])
    reading = source_text.read("Harbour Notes.pdf", data, 10_000)
    assert reading.format is SourceFormat.PDF and reading.page_count == 2
    assert [(p.number, p.page) for p in reading.passages] == [(0, 1), (1, 2)]
    assert FACT in reading.passages[1].text


def test_an_epub_is_read_in_its_spines_order_without_scripts_or_styles() -> None:
    data = epub(["<h1>One</h1><p>First.</p><script>steal()</script>", "<p>Two &amp; more.</p>"])
    reading = source_text.read("book.epub", data, 10_000)
    assert reading.format is SourceFormat.EPUB
    assert [p.text for p in reading.passages] == ["One\n\nFirst.", "Two & more."]


def test_paragraphs_are_joined_up_to_the_size_and_a_long_one_is_cut_at_a_sentence() -> None:
    short = "Short paragraph."
    long = " ".join(f"Sentence number {i} is here." for i in range(60))
    found = source_text.passages([(None, f"{short}\n\n{short}\n\n{long}")], size=200)
    assert found[0].text == f"{short}\n\n{short}"
    assert all(len(p.text) <= 200 for p in found)
    assert all(p.text.endswith(".") for p in found)
    assert " ".join(p.text for p in found[1:]) == long
    assert [p.number for p in found] == list(range(len(found)))


def test_markdown_is_text_named_md() -> None:
    reading = source_text.read("notes.md", b"# Dock\n\nThe code.", 100)
    assert reading.format is SourceFormat.MARKDOWN
    assert source_text.read("notes.txt", b"# Dock", 100).format is SourceFormat.TEXT


@pytest.mark.parametrize(
    ("name", "data", "refusal"),
    [
        ("notes.pdf", b"just words", "named as a PDF, but its bytes are plain text"),
        ("notes.txt", b"%PDF-1.4\n...", "named as plain text, but its bytes are a PDF"),
        ("photo.png", b"\x89PNG\r\n", "is not a source DSF reads"),
        ("notes.txt", b"\xff\xfe\x00\x01", "its bytes are not text, PDF or EPUB"),
        ("broken.pdf", b"%PDF-1.4\nnot really", "could not be read as a PDF"),
        ("broken.epub", b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/epub+zip", "EPUB"),
        ("blank.txt", b"  \n\n ", "holds no text"),
        ("empty.md", b"", "is empty"),
        ("long.txt", b"x" * 101, "more than 100 characters"),
        ("long.pdf", pdf([["y" * 60], ["z" * 60]]), "more than 100 characters"),
    ],
)
def test_what_is_not_a_readable_source_is_refused_with_the_reason(
    name: str, data: bytes, refusal: str
) -> None:
    with pytest.raises(Invalid, match=refusal):
        source_text.read(name, data, 100)


# ---- stored, searched, deleted (PostgreSQL and S3) --------------------------------------------


async def _add(actor: Actor, world_id: uuid.UUID, name: str, data: bytes) -> SourceView:
    steps = [step async for step in sources.add_source(actor, world_id, name, data)]
    assert [s.fraction for s in steps] == sorted(s.fraction for s in steps)
    assert steps[-1].source is not None and steps[-1].fraction == 1.0
    return steps[-1].source


@pytest.fixture
def owner_world(
    dsf_in_process: Settings, storage: AssetStorage
) -> Iterator[tuple[Actor, uuid.UUID]]:
    """A person and their world, with the S3 server that adding a source writes to."""
    with session_scope() as session:
        owner = make_actor(session, "Ife")
        world = make_world(session, owner, "Harbour")
    yield owner, world.id


async def test_a_source_is_stored_in_s3_and_its_passages_in_pgvector(
    owner_world: tuple[Actor, uuid.UUID], storage: AssetStorage
) -> None:
    owner, world_id = owner_world
    data = pdf([["Tides and ropes."], [FACT]])
    view = await _add(owner, world_id, "Harbour_Notes.pdf", data)
    assert (view.title, view.format, view.pages, view.passages) == ("Harbour Notes", "pdf", 2, 2)
    with session_scope() as session:
        [listed] = sources.list_sources(session, owner, world_id)
        shown = sources.source_text_window(session, owner, uuid.UUID(view.id))
        [key] = sources.storage_keys(session, owner, world_id)
    assert listed == view
    assert [(p.number, p.page) for p in shown.passages] == [(0, 1), (1, 2)]
    assert key.startswith(f"users/{owner.user_id}/worlds/{world_id}/")
    assert storage.get(key) == data


async def test_deleting_a_source_removes_its_passages_and_its_bytes(
    owner_world: tuple[Actor, uuid.UUID], storage: AssetStorage
) -> None:
    owner, world_id = owner_world
    view = await _add(owner, world_id, "dock.txt", FACT.encode())
    with session_scope() as session:
        [key] = sources.storage_keys(session, owner, world_id)
    assert await sources.delete_source(owner, uuid.UUID(view.id)) == "dock"
    with session_scope() as session:
        left = session.exec(
            select(SourcePassage).where(SourcePassage.source_id == uuid.UUID(view.id))
        ).all()
        assert left == [] and sources.list_sources(session, owner, world_id) == []
    assert storage.keys_under(key) == []


async def test_deleting_the_world_names_its_sources_bytes(
    owner_world: tuple[Actor, uuid.UUID],
) -> None:
    owner, world_id = owner_world
    await _add(owner, world_id, "dock.md", FACT.encode())
    with session_scope() as session:
        [key] = sources.storage_keys(session, owner, world_id)
        leftovers = world_deletion.delete_world(session, owner, world_id)
    assert key in leftovers.storage_keys


def test_the_passages_have_an_hnsw_index_for_cosine_distance(dsf_in_process: Settings) -> None:
    with session_scope() as session:
        definition = session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_source_passage_embedding'")
        ).scalar_one()
    assert "USING hnsw (embedding vector_cosine_ops)" in definition


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    owner_world: tuple[Actor, uuid.UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, world_id = owner_world
    monkeypatch.setenv("DSF_SOURCE_MAX_BYTES", "10")
    get_settings.cache_clear()
    try:
        with pytest.raises(Invalid, match="larger than 10 bytes"):
            await _add(owner, world_id, "dock.txt", FACT.encode())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_the_nearest_passages_join_the_lore_as_citation_links(
    owner_world: tuple[Actor, uuid.UUID],
) -> None:
    owner, world_id = owner_world
    filler = [[f"Page {n} is about gulls, nets and the colour of the sky."] for n in range(1, 6)]
    view = await _add(owner, world_id, "Harbour Notes.pdf", pdf([*filler, [FACT]]))
    empty = lore.LoreSelection((), lore.NO_LORE)
    chosen = source_search.with_passages(
        owner, world_id, "What is the harbour code of the Ninth Dock?", empty
    )
    link = f"/worlds/{world_id}/sources/{view.id}#p-5"
    assert f"## [“Harbour Notes”, p. 6]({link})" in chosen.block
    assert FACT in chosen.block and chosen.block.startswith(lore.NO_LORE)
    assert chosen.items[0].kind == "source" and chosen.items[0].name == "“Harbour Notes”, p. 6"
    assert source_search.item_href(chosen.items[0]) == link  # "Lore used" links there too
    assert len(chosen.block) - len(lore.NO_LORE) <= get_settings().source_budget_chars + 400


async def test_another_person_can_neither_read_nor_change_a_private_worlds_sources(
    owner_world: tuple[Actor, uuid.UUID],
) -> None:
    owner, world_id = owner_world
    view = await _add(owner, world_id, "dock.txt", FACT.encode())
    source_id = uuid.UUID(view.id)
    with session_scope() as session:
        stranger = make_actor(session, "Stranger")
        reader = make_actor(session, "Reader")
        world = session.get_one(World, world_id)
        share(session, owner, world, reader, CollaboratorRole.VIEWER)
    with session_scope() as session:
        with pytest.raises(NotFound):
            sources.list_sources(session, stranger, world_id)
        with pytest.raises(NotFound):
            sources.source_text_window(session, stranger, source_id)
        assert source_search.nearest(session, reader, world_id, [0.0] * 384, 1) is not None
        with pytest.raises(NotFound):
            source_search.nearest(session, stranger, world_id, [0.0] * 384)
    with pytest.raises(NotFound):
        await sources.delete_source(stranger, source_id)
    with pytest.raises(NotFound):
        await _add(stranger, world_id, "mine.txt", b"Mine now.")
    with pytest.raises(Forbidden):
        await sources.delete_source(reader, source_id)
    with pytest.raises(Forbidden):
        await _add(reader, world_id, "mine.txt", b"Mine now.")
    with session_scope() as session:
        assert [s.id for s in sources.list_sources(session, reader, world_id)] == [view.id]


async def test_a_public_worlds_sources_are_read_by_anyone_and_changed_by_none(
    owner_world: tuple[Actor, uuid.UUID],
) -> None:
    owner, world_id = owner_world
    view = await _add(owner, world_id, "dock.txt", FACT.encode())
    with session_scope() as session:
        worlds.set_visibility(session, owner, world_id, Visibility.PUBLIC)
        visitor = make_actor(session, "Visitor")
    with session_scope() as session:
        shown = sources.source_text_window(session, visitor, uuid.UUID(view.id))
    assert shown.passages[0].text == FACT
    with pytest.raises(Forbidden):
        await sources.delete_source(visitor, uuid.UUID(view.id))
