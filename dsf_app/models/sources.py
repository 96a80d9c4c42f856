"""A world's sources: documents (text, Markdown, PDF, EPUB) whose bytes are in S3 and whose
extracted text is kept in passages (chunks), each with its page and its embedding, so the World
Agent can be shown the passages nearest a turn and cite them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dsf_app.models.agents import EMBEDDING_DIMENSIONS
from dsf_app.models.columns import enum_field, foreign_key, id_field, timestamp_field


class SourceFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    PDF = "pdf"
    EPUB = "epub"


class Source(SQLModel, table=True):
    __tablename__ = "source"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    world_id: uuid.UUID = foreign_key("world.id")
    title: str = Field(max_length=200)
    filename: str = Field(max_length=255)
    format: SourceFormat = enum_field()
    content_type: str = Field(max_length=100)
    size: int  # bytes of the uploaded file
    chars: int  # characters of its extracted text
    pages: int | None = None  # a PDF's page count
    passages: int = 0
    # The uploaded file's bytes (a key under the world owner's prefix: see storage.asset_key).
    storage_key: str = Field(max_length=1024)
    created_by: uuid.UUID | None = foreign_key("user.id", nullable=True, cascade=False)
    created_at: datetime = timestamp_field()


class SourcePassage(SQLModel, table=True):
    """One chunk of a source's text: whole paragraphs up to a size, never across a page."""

    __tablename__ = "source_passage"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        UniqueConstraint("source_id", "number"),
        # Nearest passages by cosine distance without reading every row of every world.
        Index(
            "ix_source_passage_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    id: uuid.UUID = id_field()
    source_id: uuid.UUID = foreign_key("source.id")
    world_id: uuid.UUID = foreign_key("world.id")
    number: int  # its place in the source, from 0: the reader's anchor is #p-<number>
    page: int | None = None  # the PDF page it is on, from 1
    text: str
    embedding: list[float] = Field(sa_column=Column(Vector(EMBEDDING_DIMENSIONS), nullable=False))
