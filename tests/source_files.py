"""Small documents made in the tests for the Sources tab: a PDF with text on each page (built
by hand: pypdf reads PDFs but does not write text) and an EPUB with chapters; and a source's
rows stored directly, for tests of the pages and events that show one."""

from __future__ import annotations

import io
import uuid
import zipfile

from sqlmodel import Session

from dsf_app.models import Source, SourceFormat, SourcePassage
from dsf_app.models.agents import EMBEDDING_DIMENSIONS
from dsf_app.services import source_text


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose page n shows the lines `pages[n]` in Helvetica."""
    count = len(pages)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids ["
        + " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
        + f"] /Count {count} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, lines in enumerate(pages):
        body = "BT /F1 11 Tf 14 TL 50 780 Td " + " ".join(
            f"({_pdf_string(line)}) ' " for line in lines
        )
        body += "ET"
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * index} 0 R >>"
        )
        objects.append(f"<< /Length {len(body.encode('latin-1'))} >>\nstream\n{body}\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{content}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles></container>"""


def epub(chapters: list[str], title: str = "A Book") -> bytes:
    """An EPUB whose spine lists one XHTML chapter per item of `chapters` (XHTML bodies), in
    reverse order in the manifest, so reading order must come from the spine."""
    manifest = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in reversed(range(len(chapters)))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    package = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f"<metadata><dc:title xmlns:dc='http://purl.org/dc/elements/1.1/'>{title}</dc:title>"
        f"</metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("OEBPS/content.opf", package)
        for i, body in enumerate(chapters):
            book.writestr(
                f"OEBPS/text/c{i}.xhtml",
                '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                f"<title>c{i}</title><style>p {{ color: red }}</style></head><body>{body}"
                "</body></html>",
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def stored_source(
    session: Session, world_id: uuid.UUID, title: str, text: str, filename: str = "notes.pdf"
) -> uuid.UUID:
    """A source's rows as an upload leaves them, its text (one page) cut into passages as the
    app cuts it. Its bytes are not stored and every passage gets the same vector: the pages and
    events these serve never read either."""
    passages = source_text.passages([(1, text)])
    source = Source(
        world_id=world_id,
        title=title[:200],
        filename=filename[:255],
        format=SourceFormat.PDF,
        content_type="application/pdf",
        size=len(text.encode()),
        chars=len(text),
        pages=1,
        passages=len(passages),
        storage_key=f"tests/{uuid.uuid4()}",
    )
    session.add(source)
    session.flush()
    session.add_all(
        SourcePassage(
            source_id=source.id,
            world_id=world_id,
            number=p.number,
            page=p.page,
            text=p.text,
            embedding=[1.0] + [0.0] * (EMBEDDING_DIMENSIONS - 1),
        )
        for p in passages
    )
    session.flush()
    return source.id
