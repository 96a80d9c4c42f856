"""EPUB 3 books written with `zipfile`: the mimetype first and stored, the container, a package
document (OPF 3), a navigation document, an optional cover (image and page) and one XHTML file
per chapter. EPUBCheck judges what this writes (tests/test_exports_hostile.py).

Every text goes in as text: markup characters are escaped and the characters XML 1.0 forbids are
dropped, so any string makes a book that parses. The book links only to its own files.
"""

from __future__ import annotations

import html
import io
import re
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

MEDIA_TYPE = "application/epub+zip"
# The images EPUB 3.2 reading systems must show without a fallback, with their file extension.
CoverType = Literal["image/png", "image/jpeg", "image/gif"]
COVER_TYPES: dict[CoverType, str] = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_ROOT = "EPUB"


class Chapter(BaseModel):
    title: str = Field(min_length=1)
    text: str = Field(description="Plain text; a blank line starts a new paragraph.")


class Cover(BaseModel):
    data: bytes = Field(min_length=1)
    media_type: CoverType
    description: str = Field(default="", description="The image's alternative text.")


class Book(BaseModel):
    identifier: uuid.UUID = Field(description="Written as urn:uuid:…, the book's unique id.")
    title: str = Field(min_length=1)
    language: str = Field(description="A BCP 47 language tag, e.g. en.")
    creator: str
    description: str = ""
    modified: datetime = Field(description="When the book was last changed (dcterms:modified).")
    chapters: list[Chapter] = Field(min_length=1)
    cover: Cover | None = None


def write(book: Book) -> bytes:
    """The EPUB 3 file of `book`."""
    files = {"nav.xhtml": _nav(book)}
    if book.cover:
        files["cover.xhtml"] = _cover_page(book, book.cover)
    for number, chapter in enumerate(book.chapters, start=1):
        files[_chapter_file(number)] = _chapter(book, chapter)
    stamp = book.modified.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as epub:
        # Reading systems find the type at a fixed offset: first entry, uncompressed, no extras.
        epub.writestr(zipfile.ZipInfo("mimetype", stamp), MEDIA_TYPE, zipfile.ZIP_STORED)
        entries = {
            "META-INF/container.xml": _CONTAINER.encode(),
            f"{_ROOT}/package.opf": _package(book).encode(),
            **{f"{_ROOT}/{name}": text.encode() for name, text in files.items()},
        }
        if book.cover:
            entries[f"{_ROOT}/{_cover_file(book.cover)}"] = book.cover.data
        for name, data in entries.items():
            epub.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _text(text: str) -> str:
    """`text` as XML character data or an attribute value."""
    return html.escape(_NOT_XML.sub("", text), quote=True)


def _chapter_file(number: int) -> str:
    return f"part-{number:04d}.xhtml"


def _cover_file(cover: Cover) -> str:
    return f"cover.{COVER_TYPES[cover.media_type]}"


_CONTAINER = f"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{_ROOT}/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _package(book: Book) -> str:
    xhtml = 'media-type="application/xhtml+xml"'
    items = [f'<item id="nav" href="nav.xhtml" {xhtml} properties="nav"/>']
    spine = ['<itemref idref="nav"/>']
    cover_meta = ""
    if book.cover:
        items.append(
            f'<item id="cover-image" href="{_cover_file(book.cover)}" '
            f'media-type="{book.cover.media_type}" properties="cover-image"/>'
        )
        items.append(f'<item id="cover" href="cover.xhtml" {xhtml}/>')
        spine.insert(0, '<itemref idref="cover"/>')
        # For reading systems that look for the EPUB 2 way of naming the cover.
        cover_meta = '\n    <meta name="cover" content="cover-image"/>'
    for number in range(1, len(book.chapters) + 1):
        name = _chapter_file(number)
        items.append(f'<item id="{name.removesuffix(".xhtml")}" href="{name}" {xhtml}/>')
        spine.append(f'<itemref idref="{name.removesuffix(".xhtml")}"/>')
    modified = book.modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = "\n    "
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" \
xml:lang="{_text(book.language)}">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">urn:uuid:{book.identifier}</dc:identifier>
    <dc:title>{_text(book.title)}</dc:title>
    <dc:language>{_text(book.language)}</dc:language>
    <dc:creator>{_text(book.creator)}</dc:creator>
    <dc:description>{_text(book.description)}</dc:description>
    <meta property="dcterms:modified">{modified}</meta>{cover_meta}
  </metadata>
  <manifest>
    {lines.join(items)}
  </manifest>
  <spine>
    {lines.join(spine)}
  </spine>
</package>
"""


def _xhtml(book: Book, title: str, body: str) -> str:
    language = _text(book.language)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
xml:lang="{language}" lang="{language}">
<head><title>{_text(title)}</title></head>
<body>
{body}
</body>
</html>
"""


def _nav(book: Book) -> str:
    entries = "\n".join(
        f'<li><a href="{_chapter_file(number)}">{_text(chapter.title)}</a></li>'
        for number, chapter in enumerate(book.chapters, start=1)
    )
    body = f'<nav epub:type="toc" id="toc">\n<h1>Contents</h1>\n<ol>\n{entries}\n</ol>\n</nav>'
    return _xhtml(book, book.title, body)


def _cover_page(book: Book, cover: Cover) -> str:
    image = f'<img src="{_cover_file(cover)}" alt="{_text(cover.description or book.title)}"/>'
    return _xhtml(book, book.title, f'<section epub:type="cover">{image}</section>')


def _chapter(book: Book, chapter: Chapter) -> str:
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(chapter.text) if p.strip()]
    body = "\n".join(f"<p>{_text(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs)
    return _xhtml(book, chapter.title, f"<h1>{_text(chapter.title)}</h1>\n{body}")
