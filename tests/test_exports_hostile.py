"""The hostile-content corpus through the exports: a story as Markdown (rendered by a CommonMark
renderer with raw HTML on, it makes no tag, link or image — only the text the reader shows) and
as EPUB (valid for epubcheck with and without the world's cover; its XHTML holds no script,
style, frame or event attribute, and no image but the cover from inside the book), and a world
as JSON (HTML-safe, and it imports back to the same texts)."""

from __future__ import annotations

import json
import posixpath
import subprocess
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from markdown_it import MarkdownIt
from sqlmodel import Session

from dsf_app.models import Story, World
from dsf_app.services import (
    codex,
    codex_links,
    exports,
    lorebook,
    lorebook_format,
    stories,
    users,
    world_import,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.services.export_text import markdown_text
from dsf_app.storage import AssetStorage
from tests.epub_reader import read_epub
from tests.factories import PNG, make_actor, make_image, unique
from tests.hostile_content import MARKERS, PAYLOADS, Payload, chunks, codex_entry, corpus

# What escaped plain text may become in Markdown: headings, paragraphs, line breaks, emphasis.
MARKDOWN_TAGS = {"h1", "h2", "p", "br", "em"}
EPUBCHECK = "/usr/share/java/epubcheck.jar"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_FORBIDDEN = {
    "script", "style", "iframe", "frame", "object", "embed", "img", "image", "svg", "math",
    "form", "input", "link", "base", "meta", "video", "audio", "source", "picture", "template",
}  # fmt: skip


class Tags(HTMLParser):
    """Every tag with its attributes, and the text, of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(markdown: str) -> Tags:
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parsed = Tags()
    parsed.feed(html.render(markdown))
    return parsed


@pytest.fixture
def hostile_story(session: Session) -> tuple[Actor, World, Story]:
    author = Actor.of(
        users.create_user(session, f"{unique('mallory')}@example.test", corpus()[:200])
    )
    world = worlds.create_world(session, author, PAYLOADS[0].text[:200], foundation={})
    story = stories.create_story(session, author, world.id, PAYLOADS[1].text[:300], corpus())
    for n, content in enumerate(chunks(3000)):
        stories.add_segment(session, author, story.id, PAYLOADS[n + 2].text[:300], content)
    entries = [
        codex.create_entry(
            session, author, world.id, EntryFields(**codex_entry(n)), author="person"
        )
        for n in range(5)
    ]
    codex_links.add_link(
        session, author, entries[0].id, entries[1].id, PAYLOADS[5].text[:100], author="person"
    )
    session.flush()
    return author, world, story


def test_markdown_export_is_the_readers_text_and_no_markup(
    session: Session, hostile_story: tuple[Actor, World, Story]
) -> None:
    author, _, story = hostile_story
    _, markdown = exports.story_markdown(session, author, story.id)
    html = rendered(markdown)
    assert {tag for tag, _ in html.tags} <= MARKDOWN_TAGS
    assert all(attrs == [] for _, attrs in html.tags)
    text = "".join(html.text)
    assert [m for m in MARKERS if m not in text] == []
    flat = " ".join(text.replace("\u00a0", " ").split())
    for payload in PAYLOADS:
        assert " ".join(payload.text.split()) in flat, payload.marker


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.marker)
def test_each_payload_escaped_as_markdown_renders_back_to_itself(payload: Payload) -> None:
    html = rendered(markdown_text(payload.text))
    assert {tag for tag, _ in html.tags} <= {"p", "br"}
    shown = "".join(html.text).replace("\u00a0", " ").rstrip("\n")
    assert shown == payload.text.replace("\n\n", "\n")


def epubcheck(path: Path) -> subprocess.CompletedProcess[str]:
    # Debian's /usr/bin/epubcheck is the jar itself, which the kernel will not execute.
    return subprocess.run(
        ["java", "-jar", EPUBCHECK, str(path)], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("with_cover", [False, True], ids=["no-cover", "cover"])
def test_epub_export_passes_epubcheck_and_holds_only_text(
    session: Session,
    hostile_story: tuple[Actor, World, Story],
    storage: AssetStorage,
    tmp_path: Path,
    with_cover: bool,
) -> None:
    author, world, story = hostile_story
    if with_cover:
        make_image(session, author, storage, world, PNG, PAYLOADS[6].text[:300])
    name, data = exports.story_epub(exports.story_book(session, author, story.id), storage)
    path = tmp_path / name
    path.write_bytes(data)
    checked = epubcheck(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    book = read_epub(data)
    cover = book.item_with("cover-image")
    assert (cover is not None) == with_cover
    text = []
    for member, content in book.files.items():
        if not member.endswith(".xhtml"):
            continue
        root = ElementTree.fromstring(content)
        for element in root.iter():
            tag = element.tag.removeprefix(XHTML).split("}")[-1]
            # The one image a book may show is its cover, from inside the book.
            if tag == "img" and cover is not None:
                src = posixpath.join(posixpath.dirname(member), element.attrib["src"])
                assert src == cover.path, (member, src)
            else:
                assert tag not in EPUB_FORBIDDEN, f"{member}: <{tag}>"
            for attribute, value in element.attrib.items():
                assert not attribute.split("}")[-1].startswith("on"), (member, attribute)
                if attribute in ("href", "src"):
                    assert ":" not in value.split("#")[0], (member, attribute, value)
        text.append("".join(root.itertext()))
    assert [m for m in MARKERS if m not in "".join(text)] == []


def test_world_json_is_html_safe_and_imports_back_to_the_same_texts(
    session: Session, hostile_story: tuple[Actor, World, Story]
) -> None:
    author, world, story = hostile_story
    _, text = exports.world_json(session, author, world.id)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    data = json.loads(text)
    assert data["world"]["name"] == world.name
    assert data["stories"][0]["description"] == corpus()

    reader = make_actor(session, "Reader")
    copy = world_import.import_world(session, reader, world_import.parse(text.encode()))
    copied = exports.export_world(session, reader, copy.world_id)
    assert copied.world.name == world.name
    assert copied.stories[0].title == story.title
    assert copied.stories[0].description == corpus()
    assert [s.content for s in copied.stories[0].segments] == chunks(3000)
    assert entry_texts(copied.codex) == entry_texts(
        exports.export_world(session, author, world.id).codex
    )
    assert copied.codex_links[0].relation == PAYLOADS[5].text[:100]


def entry_texts(entries: Iterable[Any]) -> list[tuple[str, list[str], str, str, list[str]]]:
    return sorted((e.name, e.aliases, e.summary, e.body, e.tags) for e in entries)


def test_lorebook_export_is_html_safe_and_imports_back_to_the_same_entries(
    session: Session, hostile_story: tuple[Actor, World, Story]
) -> None:
    author, world, _ = hostile_story
    _, text = lorebook.export_lorebook(session, author, world.id)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}

    reader = make_actor(session, "Reader")
    copy = worlds.create_world(session, reader, "Copy", foundation={})
    report = lorebook.import_lorebook(
        session, reader, copy.id, lorebook_format.parse(text.encode()), author="person"
    )
    assert (report.created, report.skipped, report.duplicates) == (5, [], [])
    original = codex.list_entries(session, author, world.id)
    assert entry_texts(codex.list_entries(session, reader, copy.id)) == entry_texts(original)
