"""Reading an uploaded file from Reflex's streaming upload no further than a size limit, so an
oversized or unwanted upload costs the server at most the limit plus one chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

from dsf_app.errors import Invalid


class Chunk(Protocol):
    """A piece of an uploaded file, as Reflex's streaming upload hands it over."""

    @property
    def filename(self) -> str: ...

    @property
    def data(self) -> bytes: ...


async def read_upload(
    chunks: AsyncIterator[Chunk], max_bytes: int, too_large: Callable[[], Invalid]
) -> bytes | None:
    """The bytes of the one uploaded file (None when nothing was sent). Reading stops, with
    `too_large()`, as soon as the file passes `max_bytes`; the rest of the upload is never
    received."""
    named = await read_named_upload(chunks, max_bytes, too_large)
    return None if named is None else named[1]


async def read_named_upload(
    chunks: AsyncIterator[Chunk], max_bytes: int, too_large: Callable[[], Invalid]
) -> tuple[str, bytes] | None:
    """`read_upload`, with the file's name as the browser sent it."""
    received = bytearray()
    name: str | None = None
    async for chunk in chunks:
        if name is None:
            name = chunk.filename
        elif chunk.filename != name:
            raise Invalid("Import one file at a time.")
        received += chunk.data
        if len(received) > max_bytes:
            raise too_large()
    return None if name is None else (name, bytes(received))
