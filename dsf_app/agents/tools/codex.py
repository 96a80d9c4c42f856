"""codex: the World Agent reads and grows the world's lore entries — search, get, create,
update (refused when the entry changed since it was read), link, and suggest new entries for the
person to accept or reject."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.topics import Topic
from dsf_app.errors import Invalid
from dsf_app.models import AgentKind, CodexEntry, CodexKind, CodexStatus
from dsf_app.services import codex, codex_embeddings, codex_links, codex_search
from dsf_app.services.codex import EntryChanges, EntryFields

# Entries just written have no embedding yet: a search computes this many first.
SEARCH_EMBEDS = 64


class SuggestedEntry(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The new name, as written.")
    kind: CodexKind = Field(default=CodexKind.CONCEPT, description="What sort of thing it is.")
    summary: str = Field(default="", max_length=2000, description="What the story says of it.")
    aliases: list[str] = Field(default_factory=list, max_length=20)


class CodexArgs(BaseModel):
    operation: Literal["search", "get", "create", "update", "link", "suggest", "delete"] = Field(
        description=(
            "search: entries by name, alias or meaning (query). get: one entry with its body "
            "and links (entry_id or name). create: a new entry (entry). update: change an "
            "entry (entry_id, changes, expected_version = the version you read). link: point "
            "entry_id at to_entry_id (relation). suggest: propose entries for new names a "
            "segment introduced (suggestions); the person accepts or rejects them. delete: "
            "remove an entry and its links (entry_id, reason); the person is asked to confirm "
            "first."
        )
    )
    world_id: uuid.UUID | None = Field(default=None, description="Defaults to the current world.")
    query: str | None = Field(default=None, max_length=200, description="For search.")
    entry_id: uuid.UUID | None = Field(
        default=None, description="For get, update, link and delete."
    )
    name: str | None = Field(default=None, max_length=200, description="For get, by name.")
    entry: EntryFields | None = Field(default=None, description="For create.")
    changes: EntryChanges | None = Field(
        default=None, description="For update: only the fields to change."
    )
    expected_version: int | None = Field(
        default=None, description="For update: the entry's version when you read it."
    )
    reason: str | None = Field(
        default=None, max_length=1000, description="Why (kept in the world's changelog)."
    )
    to_entry_id: uuid.UUID | None = Field(default=None, description="For link: the target.")
    relation: str = Field(
        default="", max_length=100, description="For link, e.g. 'rival of', 'lives in'."
    )
    suggestions: list[SuggestedEntry] | None = Field(
        default=None, max_length=20, description="For suggest."
    )

    @model_validator(mode="after")
    def _needs(self) -> CodexArgs:
        missing = {
            "search": [] if self.query else ["query"],
            "get": [] if self.entry_id or self.name else ["entry_id or name"],
            "create": [] if self.entry else ["entry"],
            "update": [
                name
                for name, value in (
                    ("entry_id", self.entry_id),
                    ("changes", self.changes),
                    ("expected_version", self.expected_version),
                )
                if value is None
            ],
            "link": [
                name
                for name, value in (("entry_id", self.entry_id), ("to_entry_id", self.to_entry_id))
                if value is None
            ],
            "suggest": [] if self.suggestions else ["suggestions"],
            "delete": [] if self.entry_id else ["entry_id"],
        }[self.operation]
        if missing:
            raise ValueError(f"{self.operation} needs {', '.join(missing)}")
        return self


def entry_summary(entry: CodexEntry) -> dict[str, Any]:
    return {
        "entry_id": str(entry.id),
        "name": entry.name,
        "kind": str(entry.kind),
        "aliases": list(entry.aliases),
        "summary": entry.summary,
        "tags": list(entry.tags),
        "status": str(entry.status),
        "version": entry.version,
        "pinned": entry.pinned,
        "excluded": entry.excluded,
    }


async def run(ctx: ToolContext, args: CodexArgs) -> dict[str, Any]:
    world_id = tool_scope.world_id(ctx, args.world_id)
    if args.operation == "search":
        # Embedding (of new entries, of the query) runs with no session open.
        await asyncio.to_thread(
            codex_embeddings.embed_missing, ctx.actor, world_id, limit=SEARCH_EMBEDS
        )
        vector = await asyncio.to_thread(codex_search.query_vector, args.query or "")
        return await ctx.read(lambda session: _search(session, ctx, world_id, args, vector))
    if args.operation == "get":
        return await ctx.read(lambda session: _get(session, ctx, world_id, args))
    if args.operation == "suggest":
        suggested = await ctx.write(
            lambda session: _suggest(session, ctx, world_id, args.suggestions or [])
        )
        if suggested["suggested"]:
            ctx.note_change(Topic.CODEX)
        return suggested
    written = await ctx.write(lambda session: _write(session, ctx, world_id, args))
    ctx.note_change(Topic.CODEX)
    ctx.note_change(Topic.WORLDS)  # the world's version moved on
    return written


def _search(
    session: Session,
    ctx: ToolContext,
    world_id: uuid.UUID,
    args: CodexArgs,
    vector: list[float],
) -> dict[str, Any]:
    hits = codex_search.search(session, ctx.actor, world_id, args.query or "", vector)
    return {
        "entries": [
            {**entry_summary(hit.entry), "matched_by": hit.reason, "similarity": hit.similarity}
            for hit in hits
        ]
    }


def _write(
    session: Session, ctx: ToolContext, world_id: uuid.UUID, args: CodexArgs
) -> dict[str, Any]:
    if args.operation == "create" and args.entry is not None:
        created = codex.create_entry(
            session, ctx.actor, world_id, args.entry, author="agent", reason=args.reason or ""
        )
        return {"created": entry_summary(created)}
    entry = _in_world(session, ctx, world_id, args.entry_id)
    if args.operation == "delete":
        codex.delete_entry(
            session,
            ctx.actor,
            entry.id,
            author="agent",
            expected_version=args.expected_version,
            reason=args.reason or "",
        )
        return {"deleted": {"entry_id": str(entry.id), "name": entry.name}}
    if args.operation == "update":
        updated = codex.update_entry(
            session,
            ctx.actor,
            entry.id,
            args.changes or EntryChanges(),
            author="agent",
            expected_version=args.expected_version,
            reason=args.reason or "",
        )
        return {"updated": entry_summary(updated)}
    target = _in_world(session, ctx, world_id, args.to_entry_id)
    link = codex_links.add_link(
        session, ctx.actor, entry.id, target.id, args.relation, author="agent"
    )
    return {"linked": {"from": entry.name, "to": target.name, "relation": link.relation}}


async def confirm(ctx: ToolContext, args: CodexArgs) -> str | None:
    """Deleting an entry cannot be undone: the person confirms it, told which entry."""
    entry_id = args.entry_id
    if args.operation != "delete" or entry_id is None:
        return None
    world_id = tool_scope.world_id(ctx, args.world_id)
    entry = await ctx.read(lambda session: _in_world(session, ctx, world_id, entry_id))
    why = f" The agent's reason: {args.reason}" if args.reason else ""
    return (
        f"Delete the Codex entry “{entry.name}” ({entry.kind}) and its links for good. "
        f"This cannot be undone.{why}"
    )


def _in_world(
    session: Session, ctx: ToolContext, world_id: uuid.UUID, entry_id: uuid.UUID | None
) -> CodexEntry:
    if entry_id is None:
        raise Invalid("name the entry: pass its entry_id (search shows the ids).")
    entry = codex.get_entry(session, ctx.actor, entry_id)
    if entry.world_id != world_id:
        raise Invalid(f"Entry {entry_id} belongs to another world; use this world's entries.")
    return entry


def _get(session: Session, ctx: ToolContext, world_id: uuid.UUID, args: CodexArgs) -> dict:
    if args.entry_id is not None:
        entry = _in_world(session, ctx, world_id, args.entry_id)
    else:
        codex.count_entries(session, ctx.actor, world_id)  # checks the world can be read
        found = codex.find_by_name(
            session, world_id, args.name or "", statuses=(CodexStatus.ACTIVE,)
        )
        if found is None:
            raise Invalid(f"No entry is named “{args.name}”; search for it instead.")
        entry = found
    links = codex_links.links_of(session, ctx.actor, entry.id)
    return {
        **entry_summary(entry),
        "body": entry.body,
        "links": [
            {
                "entry_id": str(link.other_id),
                "name": link.other_name,
                "relation": link.relation,
                "direction": "to" if link.outgoing else "from",
            }
            for link in links
        ],
    }


def _suggest(
    session: Session, ctx: ToolContext, world_id: uuid.UUID, suggestions: list[SuggestedEntry]
) -> dict[str, Any]:
    made, skipped = [], []
    for suggestion in suggestions:
        try:
            entry = codex.create_entry(
                session,
                ctx.actor,
                world_id,
                EntryFields.model_validate(suggestion.model_dump()),
                author="agent",
                status=CodexStatus.SUGGESTED,
            )
        except Invalid as exc:
            skipped.append({"name": suggestion.name, "why": str(exc)})
            continue
        made.append(entry_summary(entry))
    return {"suggested": made, "skipped": skipped}


register(
    Tool(
        name="codex",
        description=(
            "The world's Codex of lore entries (characters, places, factions, species, "
            "artifacts, concepts, events): search it, read an entry, add or change entries, "
            "link them, delete them (the person confirms), and after writing a segment "
            "suggest entries for the new names it introduced, for the person to accept or "
            "reject."
        ),
        args=CodexArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
        confirm=confirm,
    )
)
