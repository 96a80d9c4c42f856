"""The Codex tab of a world (and the actions on an entry's page): entries grouped by kind, with
the foundation's rules and technology alongside as read-only entries; search by name, alias and
meaning; the entry editor; suggestions to accept or reject; pins and exclusions; SillyTavern
lorebook import and export. Embeddings are computed in worker threads, after each write."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from dsf_app.canvas.validate import parse_tool_args
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Invalid
from dsf_app.models import AssetType, CodexEntry, CodexKind, CodexStatus
from dsf_app.services import assets, codex, lore, lorebook, validation
from dsf_app.services.access import Permission, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryChanges, EntryFields
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import done, problem
from dsf_app.state.refresh import on_change, refresh_events

_PATH = re.compile(r"^/worlds/(?P<world>[^/?]+)(?:/codex/(?P<entry>[^/?]+))?/?(?:\?.*)?$")
NO_IMAGE = "none"
# Entries a search by meaning embeds first when some were just written.
SEARCH_EMBEDS = 64
KIND_TITLES = {
    CodexKind.CHARACTER: "Characters",
    CodexKind.PLACE: "Places",
    CodexKind.FACTION: "Factions",
    CodexKind.SPECIES: "Species",
    CodexKind.ARTIFACT: "Artifacts",
    CodexKind.CONCEPT: "Concepts",
    CodexKind.EVENT: "Events",
}
FOUNDATION_TITLES = {"rule": "Rules (from the foundation)", "technology": "Technology systems"}
# What the entry actions run: (session, acting person, entry id).
EntryAction = Callable[[Session, Actor, uuid.UUID], object]


def codex_route(path: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(world id, entry id) of /worlds/<id> and /worlds/<id>/codex/<id>; None where absent."""
    match = _PATH.match(path)
    if match is None:
        return None, None

    def parsed(text: str | None) -> uuid.UUID | None:
        try:
            return uuid.UUID(text) if text else None
        except ValueError:
            return None

    return parsed(match["world"]), parsed(match["entry"])


@dataclasses.dataclass
class EntryRow:
    id: str
    name: str
    kind: str
    aliases: str
    summary: str
    tags: list[str]
    pinned: bool
    excluded: bool
    href: str  # the entry's page; "" for a foundation item
    readonly: bool
    note: str = ""  # in search results: how it matched


@dataclasses.dataclass
class KindGroup:
    kind: str
    title: str
    rows: list[EntryRow]


@dataclasses.dataclass
class Option:
    value: str
    label: str


def entry_row(entry: CodexEntry, note: str = "") -> EntryRow:
    return EntryRow(
        id=str(entry.id),
        name=entry.name,
        kind=str(entry.kind),
        aliases=", ".join(str(a) for a in entry.aliases),
        summary=entry.summary,
        tags=[str(t) for t in entry.tags],
        pinned=entry.pinned,
        excluded=entry.excluded,
        href=f"/worlds/{entry.world_id}/codex/{entry.id}",
        readonly=False,
        note=note,
    )


def _foundation_row(item: lore.FoundationItem, note: str = "") -> EntryRow:
    return EntryRow(
        id=item.key,
        name=item.name,
        kind=item.kind,
        aliases="",
        summary=item.summary,
        tags=[],
        pinned=False,
        excluded=False,
        href="",
        readonly=True,
        note=note,
    )


def _search(actor: Actor, world_key: str, query: str) -> list[EntryRow]:
    """Entries (and foundation items) by name or alias, then by meaning. In a worker thread."""
    world_id = validation.identifier(world_key, what="world")
    codex.embed_missing(actor, world_id, limit=SEARCH_EMBEDS)
    vector = codex.query_vector(query)
    with session_scope() as session:
        hits = codex.search(session, actor, world_id, query, vector)
        world, _ = world_with_level(session, actor, world_id)
        items = lore.foundation_items(world)
    rows = [
        entry_row(hit.entry, f"{hit.reason} {hit.similarity:.2f}" if hit.similarity else hit.reason)
        for hit in hits
    ]
    term = query.strip().casefold()
    rows += [_foundation_row(i, "foundation") for i in items if term in i.text.casefold()]
    return rows


class CodexState(ActsForPerson, rx.State):
    world_key: str = ""
    can_edit: bool = False
    groups: list[KindGroup] = []
    suggestions: list[EntryRow] = []
    total: int = 0
    listed: int = 0
    searched: str = ""
    searching: bool = False
    results: list[EntryRow] = []
    importing: bool = False
    images: list[Option] = []

    editor_open: bool = False
    editor_id: str = ""  # "" while creating an entry
    editor_version: int = 0
    editor_accepts: bool = False  # saving also accepts a suggestion
    editor_values: dict[str, str] = {}
    editor_error: str = ""

    delete_id: str = ""
    delete_name: str = ""

    @rx.var
    def delete_open(self) -> bool:
        return self.delete_id != ""

    @rx.event
    def load(self) -> None:
        """on_load of the world page and of an entry's page."""
        self.searched, self.results, self.editor_open = "", [], False
        self.delete_id = ""
        self._fetch()

    @rx.event
    def reload(self) -> None:
        """After an agent or another page changed the Codex or the world."""
        self._fetch()

    def _clear(self) -> None:
        self.world_key, self.can_edit, self.total, self.listed = "", False, 0, 0
        self.groups, self.suggestions, self.images = [], [], []

    def _fetch(self) -> None:
        world_id, _ = codex_route(self.router.url.path)
        actor = current_actor(self)
        if world_id is None or actor is None:
            self._clear()
            return
        try:
            with session_scope() as session:
                world, level = world_with_level(session, actor, world_id)
                statuses = (CodexStatus.ACTIVE, CodexStatus.SUGGESTED)
                entries = codex.list_entries(session, actor, world.id, statuses=statuses)
                total = codex.count_entries(session, actor, world.id)
                items = lore.foundation_items(world)
                images = (
                    assets.list_assets(session, actor, world.id, type=AssetType.IMAGE, limit=100)
                    if level >= Permission.WRITE
                    else []
                )
        except DSFError:
            self._clear()
            return
        self.world_key, self.can_edit = str(world.id), level >= Permission.WRITE
        active = [e for e in entries if e.status == CodexStatus.ACTIVE]
        self.total, self.listed = total, len(active)
        self.suggestions = [entry_row(e) for e in entries if e.status == CodexStatus.SUGGESTED]
        self.groups = [
            KindGroup(kind.value, title, [entry_row(e) for e in active if e.kind == kind])
            for kind, title in KIND_TITLES.items()
            if any(e.kind == kind for e in active)
        ] + [
            KindGroup(kind, title, [_foundation_row(i) for i in items if i.kind == kind])
            for kind, title in FOUNDATION_TITLES.items()
            if any(i.kind == kind for i in items)
        ]
        self.images = [
            Option(str(a.id), a.description[:60] or f"Image {str(a.id)[:8]}") for a in images
        ]

    def _shown_world(self) -> uuid.UUID:
        return validation.identifier(self.world_key, what="world")

    # ---- search --------------------------------------------------------------------------

    @rx.event(background=True)
    async def search(self, form: dict):
        """Entries by name, alias and meaning (the model runs in a worker thread)."""
        query = str(form.get("query", "")).strip()
        async with self:
            if not query:
                self.searched, self.results = "", []
                return
            self.searched, self.searching, world_key = query, True, self.world_key
            try:
                actor = self.actor()
            except DSFError as exc:
                self.searching = False
                yield problem(exc)
                return
        try:
            found = await asyncio.to_thread(_search, actor, world_key, query)
        except DSFError as exc:
            found = []
            yield problem(exc)
        async with self:
            if self.searched == query:
                self.results, self.searching = found, False

    @rx.event
    def clear_search(self):
        self.searched, self.results = "", []
        return rx.set_value("codex-search", "")

    # ---- the editor ----------------------------------------------------------------------

    @rx.event
    def open_new(self) -> None:
        self._open("", 0, False, {"kind": CodexKind.CHARACTER.value, "image": NO_IMAGE})

    @rx.event
    def open_edit(self, entry_id: str):
        try:
            with session_scope() as session:
                entry = codex.get_entry(
                    session, self.actor(), validation.identifier(entry_id, what="entry")
                )
        except DSFError as exc:
            yield problem(exc)
            return
        values = {
            "name": entry.name,
            "kind": str(entry.kind),
            "aliases": "\n".join(str(a) for a in entry.aliases),
            "summary": entry.summary,
            "body": entry.body,
            "tags": ", ".join(str(t) for t in entry.tags),
            "image": str(entry.image_asset_id) if entry.image_asset_id else NO_IMAGE,
        }
        self._open(str(entry.id), entry.version, entry.status == CodexStatus.SUGGESTED, values)

    def _open(self, entry_id: str, version: int, accepts: bool, values: dict[str, str]) -> None:
        self.editor_id, self.editor_version, self.editor_accepts = entry_id, version, accepts
        self.editor_values, self.editor_error = values, ""
        self.editor_open = True

    @rx.event
    def set_editor_open(self, value: bool) -> None:
        self.editor_open = value

    @rx.event
    def save_entry(self, form: dict):
        """Create or change the entry as the form says: a new version of the world."""
        try:
            changes = _form_values(form)
            actor, world_id = self.actor(), self._shown_world()
            reason = str(form.get("reason", "")).strip()[:1000]
            with session_scope() as session:
                if not self.editor_id:
                    fields = parse_tool_args(EntryFields, changes)
                    codex.create_entry(
                        session, actor, world_id, fields, author="person", reason=reason
                    )
                else:
                    entry_id = validation.identifier(self.editor_id, what="entry")
                    codex.update_entry(
                        session,
                        actor,
                        entry_id,
                        parse_tool_args(EntryChanges, changes),
                        author="person",
                        expected_version=self.editor_version,
                        reason=reason,
                    )
                    if self.editor_accepts:
                        codex.set_status(
                            session, actor, entry_id, CodexStatus.ACTIVE, author="person"
                        )
        except DSFError as exc:
            self.editor_error = str(exc)
            return
        self.editor_open = False
        yield done("Saved; the change is in the world's changelog.")
        yield from self._changed()

    def _changed(self):
        """After a write: embeddings in the background, and every page showing it again."""
        yield CodexState.embed_pending
        yield from refresh_events({"codex", "worlds"})

    @rx.event(background=True)
    async def embed_pending(self):
        """Compute the embeddings the world's entries lack, in a worker thread."""
        async with self:
            world_key = self.world_key
            try:
                actor = self.actor()
            except DSFError:
                return
        try:
            await asyncio.to_thread(
                codex.embed_missing, actor, validation.identifier(world_key, what="world")
            )
        except DSFError:
            return

    # ---- flags, suggestions, deletion ----------------------------------------------------

    def _act(self, entry_id: str, action: EntryAction, message: str):
        """Run `action` on the entry as the person; True when it was done."""
        try:
            with session_scope() as session:
                action(session, self.actor(), validation.identifier(entry_id, what="entry"))
        except DSFError as exc:
            yield problem(exc)
            return False
        if message:
            yield done(message)
        yield from self._changed()
        return True

    @rx.event
    def toggle_pin(self, entry_id: str):
        yield from self._act(entry_id, _toggle_pin, "")

    @rx.event
    def toggle_exclude(self, entry_id: str):
        yield from self._act(entry_id, _toggle_exclude, "")

    @rx.event
    def accept(self, entry_id: str):
        yield from self._act(entry_id, _accept, "Accepted; the entry is in the Codex.")

    @rx.event
    def reject(self, entry_id: str):
        yield from self._act(entry_id, _reject, "Rejected; it will not be suggested again.")

    @rx.event
    def ask_delete(self, entry_id: str, name: str) -> None:
        self.delete_id, self.delete_name = entry_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id, self.delete_name = "", ""

    @rx.event
    def confirm_delete(self):
        entry_id, name, world_key = self.delete_id, self.delete_name, self.world_key
        self.cancel_delete()
        deleted = yield from self._act(entry_id, _delete, f"Deleted “{name}”.")
        on_its_page = codex_route(self.router.url.path)[1] is not None
        if deleted and on_its_page and world_key:
            yield rx.redirect(f"/worlds/{world_key}")

    # ---- SillyTavern lorebooks -----------------------------------------------------------

    @rx.event
    async def import_lorebook(self, files: list[rx.UploadFile]):
        """Add a SillyTavern World Info file (or a character card's lorebook) to the Codex."""
        if not files:
            return
        self.importing = True
        yield
        try:
            data = await files[0].read()
            report = await asyncio.to_thread(_import, self.actor(), self._shown_world(), data)
        except DSFError as exc:
            self.importing = False
            yield problem(exc)
            return
        self.importing = False
        yield done(report.sentence())
        for event in self._changed():
            yield event

    @rx.event
    def export_lorebook(self):
        try:
            with session_scope() as session:
                name, text = lorebook.export_lorebook(session, self.actor(), self._shown_world())
        except DSFError as exc:
            yield problem(exc)
            return
        yield rx.download(data=text, filename=name, mime_type="application/json")


def _toggle_pin(session: Session, actor: Actor, entry_id: uuid.UUID) -> None:
    entry = codex.get_entry(session, actor, entry_id)
    codex.set_flags(session, actor, entry_id, pinned=not entry.pinned)


def _toggle_exclude(session: Session, actor: Actor, entry_id: uuid.UUID) -> None:
    entry = codex.get_entry(session, actor, entry_id)
    codex.set_flags(session, actor, entry_id, excluded=not entry.excluded)


def _accept(session: Session, actor: Actor, entry_id: uuid.UUID) -> None:
    codex.set_status(session, actor, entry_id, CodexStatus.ACTIVE, author="person")


def _reject(session: Session, actor: Actor, entry_id: uuid.UUID) -> None:
    codex.set_status(session, actor, entry_id, CodexStatus.REJECTED, author="person")


def _delete(session: Session, actor: Actor, entry_id: uuid.UUID) -> None:
    codex.delete_entry(session, actor, entry_id, author="person")


def _import(actor: Actor, world_id: uuid.UUID, data: bytes) -> lorebook.ImportReport:
    with session_scope() as session:
        return lorebook.import_lorebook(session, actor, world_id, data, author="person")


def _form_values(form: dict) -> dict[str, object]:
    """The editor's form as entry fields."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    image = text("image")
    kind = text("kind")
    if kind and kind not in {k.value for k in CodexKind}:
        raise Invalid(f"“{kind}” is not a kind of entry.")
    return {
        "name": text("name"),
        "kind": kind or CodexKind.CONCEPT.value,
        "aliases": [line for line in text("aliases").splitlines() if line.strip()],
        "summary": text("summary"),
        "body": text("body"),
        "tags": [tag for tag in text("tags").split(",") if tag.strip()],
        "image_asset_id": None if image in ("", NO_IMAGE) else image,
    }


on_change("codex", CodexState.reload)
on_change("worlds", CodexState.reload)
