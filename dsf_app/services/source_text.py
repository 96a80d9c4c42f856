"""What an uploaded source says: its format, told by its bytes (a name only has to agree), its
text page by page, and that text cut into passages — whole paragraphs up to a size, never across
a page — which are what the World Agent is shown and cites.

PDF text comes from `pypdf`; an EPUB is a zip of XHTML chapters, read in its spine's order with
the standard library. Everything here is pure CPU work on untrusted bytes, with its limits
checked as it goes (a small PDF or EPUB can unpack to far more text than its size): run it on a
heavy thread."""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from dsf_app.errors import Invalid
from dsf_app.models import SourceFormat

log = logging.getLogger(__name__)

# About the embedding model's 256 tokens: a passage is embedded whole.
PASSAGE_CHARS = 1000
CONTENT_TYPES = {
    SourceFormat.TEXT: "text/plain; charset=utf-8",
    SourceFormat.MARKDOWN: "text/markdown; charset=utf-8",
    SourceFormat.PDF: "application/pdf",
    SourceFormat.EPUB: "application/epub+zip",
}
EXTENSIONS = {
    ".txt": SourceFormat.TEXT,
    ".text": SourceFormat.TEXT,
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".pdf": SourceFormat.PDF,
    ".epub": SourceFormat.EPUB,
}
FORMAT_NAMES = {
    SourceFormat.TEXT: "plain text",
    SourceFormat.MARKDOWN: "Markdown",
    SourceFormat.PDF: "a PDF",
    SourceFormat.EPUB: "an EPUB",
}
EPUB_MIMETYPE = b"application/epub+zip"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

Page = tuple[int | None, str]  # (the PDF page it is, from 1; None elsewhere), its text


@dataclass(frozen=True)
class Passage:
    number: int
    page: int | None
    text: str


@dataclass(frozen=True)
class Extracted:
    format: SourceFormat
    pages: list[Page]
    page_count: int | None  # a PDF's pages

    @property
    def chars(self) -> int:
        return sum(len(text) for _, text in self.pages)


@dataclass(frozen=True)
class Reading:
    """What an upload holds, ready to embed and store."""

    format: SourceFormat
    page_count: int | None
    chars: int
    passages: list[Passage]


def read(filename: str, data: bytes, max_chars: int) -> Reading:
    """The format and passages of an uploaded source (`extract`, then `passages`). Holds the
    GIL for seconds on a long PDF: run it in a heavy process (its arguments and result pickle)."""
    extracted = extract(filename, data, max_chars)
    return Reading(
        extracted.format, extracted.page_count, extracted.chars, passages(extracted.pages)
    )


def format_of(filename: str, data: bytes) -> SourceFormat:
    """The source format of the bytes; Invalid when they are none DSF reads, or when the name
    says another format than the bytes are."""
    named = EXTENSIONS.get(posixpath.splitext(filename.lower())[1])
    if named is None:
        raise Invalid(
            f"“{filename}” is not a source DSF reads: upload a text (.txt), Markdown (.md), PDF "
            "(.pdf) or EPUB (.epub) file."
        )
    found = _format_of_bytes(data)
    if found is None:
        raise Invalid(
            f"“{filename}” is named as {FORMAT_NAMES[named]}, but its bytes are not text, PDF or "
            "EPUB; upload the document itself."
        )
    if found is SourceFormat.TEXT and named is SourceFormat.MARKDOWN:
        return named
    if found is not named:
        raise Invalid(
            f"“{filename}” is named as {FORMAT_NAMES[named]}, but its bytes are "
            f"{FORMAT_NAMES[found]}; rename it to match what it is."
        )
    return found


def _format_of_bytes(data: bytes) -> SourceFormat | None:
    if b"%PDF-" in data[:1024]:
        return SourceFormat.PDF
    if data.startswith(b"PK\x03\x04"):
        # An EPUB's first entry is the uncompressed file `mimetype` naming the format.
        return SourceFormat.EPUB if data[30:58] == b"mimetype" + EPUB_MIMETYPE else None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else SourceFormat.TEXT


def extract(filename: str, data: bytes, max_chars: int) -> Extracted:
    """The format and text of an uploaded source; Invalid with the reason when it cannot be
    read or holds no text, or more than `max_chars` characters of it."""
    if not data:
        raise Invalid(f"“{filename}” is empty.")
    kind = format_of(filename, data)
    if kind is SourceFormat.PDF:
        raw = _pdf_pages(filename, data, max_chars)
    elif kind is SourceFormat.EPUB:
        raw = _epub_chapters(filename, data, max_chars)
    else:
        raw = [(None, data.decode("utf-8-sig"))]
    pages = [(page, _clean(text)) for page, text in raw]
    extracted = Extracted(kind, pages, len(pages) if kind is SourceFormat.PDF else None)
    if extracted.chars > max_chars:
        raise _too_long(filename, max_chars)
    if not any(text for _, text in pages):
        raise Invalid(
            f"“{filename}” holds no text DSF can read (a scanned PDF is pictures of text); "
            "upload a version with its text."
        )
    return extracted


def _too_long(filename: str, max_chars: int) -> Invalid:
    return Invalid(
        f"“{filename}” holds more than {max_chars:,} characters of text; split it into smaller "
        "sources."
    )


def _clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _pdf_pages(filename: str, data: bytes, max_chars: int) -> list[Page]:
    pages: list[Page] = []
    total = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Invalid(f"“{filename}” is protected by a password; upload it without one.")
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            total += len(text)
            if total > max_chars:
                raise _too_long(filename, max_chars)
            pages.append((number, text))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.info("unreadable PDF %s: %s", filename, exc)
        raise Invalid(f"“{filename}” could not be read as a PDF ({exc}); is it damaged?") from exc
    return pages


def _epub_chapters(filename: str, data: bytes, max_chars: int) -> list[Page]:
    unreadable = Invalid(f"“{filename}” could not be read as an EPUB; is it damaged?")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            chapters: list[Page] = []
            total = 0
            for name in _spine(book):
                # The declared size can lie: read no more than the text may still hold (HTML is
                # longer than its text, so allow the markup several times over).
                with book.open(name) as member:
                    markup = member.read(8 * (max_chars - total) + 65536)
                text = _xhtml_text(markup.decode("utf-8", errors="replace"))
                total += len(text)
                if total > max_chars:
                    raise _too_long(filename, max_chars)
                chapters.append((None, text))
            return chapters
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError) as exc:
        log.info("unreadable EPUB %s: %s", filename, exc)
        raise unreadable from exc


def _spine(book: zipfile.ZipFile) -> list[str]:
    """The chapters' paths inside the zip, in reading order (container.xml → the package
    document → its spine's items)."""
    ns = {
        "c": "urn:oasis:names:tc:opendocument:xmlns:container",
        "o": "http://www.idpf.org/2007/opf",
    }
    container = ElementTree.fromstring(book.read("META-INF/container.xml"))
    rootfile = container.find(".//c:rootfile", ns)
    package_path = rootfile.get("full-path", "") if rootfile is not None else ""
    package = ElementTree.fromstring(book.read(package_path))
    base = posixpath.dirname(package_path)
    manifest = {
        item.get("id"): item.get("href", "")
        for item in package.iterfind(".//o:manifest/o:item", ns)
    }
    names = set(book.namelist())
    chapters = []
    for ref in package.iterfind(".//o:spine/o:itemref", ns):
        href = manifest.get(ref.get("idref"))
        path = posixpath.normpath(posixpath.join(base, href)) if href else ""
        if path in names:
            chapters.append(path)
    return chapters


class _TextOfXhtml(HTMLParser):
    """The text of a chapter: block elements end paragraphs; scripts and styles are dropped."""

    BLOCKS = frozenset(
        ("p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li"),
    ) | frozenset(("blockquote", "pre", "tr", "br", "hr", "dt", "dd"))
    SKIPPED = frozenset(("script", "style", "head", "title"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def _xhtml_text(markup: str) -> str:
    parser = _TextOfXhtml()
    parser.feed(markup)
    parser.close()
    paragraphs = (p.strip() for p in _PARAGRAPH_BREAK.split("".join(parser.parts)))
    return "\n\n".join(p for p in paragraphs if p)


def passages(pages: list[Page], size: int = PASSAGE_CHARS) -> list[Passage]:
    """The text cut into passages: paragraphs joined while they fit in `size` characters, a
    longer paragraph cut at a sentence's or word's end; a passage never spans two pages."""
    found: list[Passage] = []
    for page, text in pages:
        current = ""
        for paragraph in _PARAGRAPH_BREAK.split(text):
            for piece in _pieces(paragraph.strip(), size):
                if current and len(current) + 2 + len(piece) > size:
                    found.append(Passage(len(found), page, current))
                    current = ""
                current = f"{current}\n\n{piece}" if current else piece
        if current:
            found.append(Passage(len(found), page, current))
    return found


def _pieces(paragraph: str, size: int) -> list[str]:
    pieces: list[str] = []
    while len(paragraph) > size:
        window = paragraph[:size]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        if cut < size // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut >= size // 2 else size
        pieces.append(paragraph[:cut].strip())
        paragraph = paragraph[cut:].strip()
    return [*pieces, paragraph] if paragraph else pieces
