"""An EPUB read the way a reading system finds its way in: the container names the package
document, whose metadata, manifest and spine say what the book holds; the navigation document
lists its chapters."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

NS = {
    "container": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


@dataclass(frozen=True)
class Item:
    path: str
    media_type: str
    properties: str


@dataclass(frozen=True)
class Epub:
    files: dict[str, bytes]
    metadata: dict[str, list[str]]
    items: dict[str, Item]
    spine: list[str]

    def text(self, path: str) -> str:
        """The text of an XHTML document of the book."""
        return "".join(ElementTree.fromstring(self.files[path]).itertext())

    def headings(self, path: str) -> list[str]:
        """The texts of the <h1> headings of an XHTML document of the book."""
        root = ElementTree.fromstring(self.files[path])
        return ["".join(h1.itertext()) for h1 in root.iter(f"{{{NS['xhtml']}}}h1")]

    def item_with(self, prop: str) -> Item | None:
        """The manifest item with a property (nav, cover-image), if any."""
        return next((i for i in self.items.values() if prop in i.properties.split()), None)

    def toc(self) -> list[tuple[str, str]]:
        """(title, path) of each entry of the navigation document's table of contents."""
        nav_item = self.item_with("nav")
        assert nav_item is not None, "the book has no navigation document"
        nav = ElementTree.fromstring(self.files[nav_item.path])
        entries = nav.find(".//xhtml:nav[@epub:type='toc']/xhtml:ol", NS)
        assert entries is not None, "the navigation document has no table of contents"
        base = posixpath.dirname(nav_item.path)
        return [
            ("".join(link.itertext()), posixpath.join(base, link.attrib["href"]))
            for link in entries.findall("xhtml:li/xhtml:a", NS)
        ]


def read_epub(data: bytes) -> Epub:
    """The book in `data`, failing if its mimetype entry or its documents are malformed."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        files = {name: book.read(name) for name in book.namelist()}
        first = book.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert files["mimetype"] == b"application/epub+zip"
    container = ElementTree.fromstring(files["META-INF/container.xml"])
    rootfile = container.find("container:rootfiles/container:rootfile", NS)
    assert rootfile is not None
    opf_path = rootfile.attrib["full-path"]
    package = ElementTree.fromstring(files[opf_path])
    base = posixpath.dirname(opf_path)

    metadata: dict[str, list[str]] = {}
    for element in package.findall("opf:metadata/*", NS):
        name = element.attrib.get("property") or element.tag.split("}")[-1]
        metadata.setdefault(name, []).append(element.text or "")
    items = {
        item.attrib["id"]: Item(
            posixpath.join(base, item.attrib["href"]),
            item.attrib["media-type"],
            item.attrib.get("properties", ""),
        )
        for item in package.findall("opf:manifest/opf:item", NS)
    }
    spine = [
        items[ref.attrib["idref"]].path for ref in package.findall("opf:spine/opf:itemref", NS)
    ]
    return Epub(files, metadata, items, spine)
