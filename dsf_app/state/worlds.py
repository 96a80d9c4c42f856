"""The worlds page state: one page of the person's worlds (or of others' public worlds) as
cards, searched by name, and the create, delete and import actions."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from functools import cache

import reflex as rx

from dsf_app.agents.connection import connect
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Invalid
from dsf_app.services import covers, validation, world_deletion, world_import, worlds
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import done, problem, when
from dsf_app.state.refresh import on_change
from dsf_app.storage import AssetStorage

PAGE_SIZE = 24
log = logging.getLogger(__name__)
PREMISE_CHARS = 220


@cache
def asset_storage() -> AssetStorage:
    return AssetStorage.from_settings()


async def remove_agents(agent_ids: list[str]) -> None:
    """Delete a deleted world's agents on the Letta server; one that cannot be reached leaves
    them unused there (logged), and the world stays deleted."""
    if not agent_ids:
        return
    letta = connect()
    for agent_id in agent_ids:
        try:
            await letta.agents.delete(agent_id)
        except Exception as exc:  # best effort: the world is already gone
            log.warning("Could not delete Letta agent %s of a deleted world: %s", agent_id, exc)


@dataclasses.dataclass
class WorldCard:
    id: str
    name: str
    premise: str
    state: str
    version: int
    stories: int
    changed: str
    cover_url: str
    cover_alt: str
    visibility: str


class WorldsPageState(ActsForPerson, rx.State):
    tab: str = "mine"
    search: str = ""
    cards: list[WorldCard] = []
    page: int = 1
    has_more: bool = False
    loading: bool = True
    create_open: bool = False
    create_error: str = ""
    delete_id: str = ""
    delete_name: str = ""
    busy: bool = False

    @rx.var
    def delete_open(self) -> bool:
        return self.delete_id != ""

    @rx.event
    def load(self):
        """on_load: the first page of the person's worlds."""
        self.page = 1
        self.loading = True
        yield
        yield from self._fetch()

    @rx.event
    def reload(self):
        """After an agent changed worlds: the same page again."""
        yield from self._fetch()

    def _fetch(self):
        actor = current_actor(self)
        if actor is None:
            self.loading = False
            return
        listing = worlds.list_worlds if self.tab == "mine" else worlds.list_public_worlds
        try:
            with session_scope() as session:
                rows = listing(
                    session,
                    actor,
                    search=self.search,
                    limit=PAGE_SIZE + 1,
                    offset=(self.page - 1) * PAGE_SIZE,
                )
                found = covers.covers(session, actor, [row.world.id for row in rows])
        except DSFError as exc:
            self.loading = False
            yield problem(exc)
            return
        self.has_more = len(rows) > PAGE_SIZE
        self.cards = [self._card(row, found.get(row.world.id)) for row in rows[:PAGE_SIZE]]
        self.loading = False

    @staticmethod
    def _card(row: worlds.WorldListing, cover: covers.Cover | None) -> WorldCard:
        world = row.world
        premise = str(world.foundation.get("core_premise") or world.description or "")
        if len(premise) > PREMISE_CHARS:
            premise = premise[: PREMISE_CHARS - 1].rstrip() + "…"
        return WorldCard(
            id=str(world.id),
            name=world.name,
            premise=premise,
            state=str(world.state),
            version=world.version,
            stories=row.story_count,
            changed=when(world.updated_at),
            cover_url=asset_storage().url(cover.storage_key, cover.content_type) if cover else "",
            cover_alt=(cover.description or f"Cover of {world.name}") if cover else "",
            visibility=str(world.visibility),
        )

    @rx.event
    def choose_tab(self, tab: str):
        self.tab = "explore" if tab == "explore" else "mine"
        self.page = 1
        self.loading = True
        yield
        yield from self._fetch()

    @rx.event
    def search_for(self, text: str):
        self.search = text
        self.page = 1
        yield from self._fetch()

    @rx.event
    def next_page(self):
        if self.has_more:
            self.page += 1
            yield from self._fetch()

    @rx.event
    def previous_page(self):
        if self.page > 1:
            self.page -= 1
            yield from self._fetch()

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = value
        self.create_error = ""

    @rx.event
    def create(self, form: dict):
        """Create a world by hand from the dialog's name and premise."""
        name = str(form.get("name", "")).strip()
        premise = str(form.get("premise", "")).strip()
        if not name or not premise:
            self.create_error = (
                "Give the world a name and a premise (the one change it grows from)."
            )
            return
        if len(premise) > 5000:
            self.create_error = f"The premise is {len(premise)} characters; keep it under 5,000."
            return
        try:
            with session_scope() as session:
                world = worlds.create_world(
                    session, self.actor(), name, foundation={"core_premise": premise}
                )
                world_id = world.id
        except DSFError as exc:
            self.create_error = str(exc)
            return
        self.create_open = False
        self.create_error = ""
        self.tab, self.search, self.page = "mine", "", 1
        yield done(f"Created “{name}”.")
        yield rx.redirect(f"/worlds/{world_id}")

    @rx.event
    def ask_delete(self, world_id: str, name: str) -> None:
        self.delete_id, self.delete_name = world_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id, self.delete_name = "", ""

    @rx.event
    async def confirm_delete(self):
        """Delete the world (stories, segments, asset records), then its files in S3 and its
        agents on the Letta server."""
        name = self.delete_name
        try:
            with session_scope() as session:
                left = world_deletion.delete_world(
                    session, self.actor(), validation.identifier(self.delete_id, what="world")
                )
            for key in left.storage_keys:
                asset_storage().delete(key)
        except (DSFError, ValueError) as exc:
            self.cancel_delete()
            yield problem(exc if isinstance(exc, DSFError) else Invalid(str(exc)))
            return
        self.cancel_delete()
        yield done(f"Deleted “{name}”.")
        for event in self._fetch():
            yield event
        await remove_agents(left.letta_agent_ids)

    @rx.event(background=True)
    async def import_world(self, chunks: rx.UploadChunkIterator):
        """Import a world exported as JSON: a new private copy owned by this person. Who is
        signed in is checked before any of the file is read, reading stops past the size limit,
        and the parse and the write run in a worker thread so other people's events go on."""
        try:
            async with self:
                actor = self.actor()
                self.busy = True
            data = await world_import.read_upload(chunks)
            if data is None:
                return
            imported = await asyncio.to_thread(_import, actor, data)
        except DSFError as exc:
            yield problem(exc)
            return
        finally:
            async with self:
                self.busy = False
        yield done(f"Imported “{imported.name}” as your own private copy.")
        yield rx.redirect(f"/worlds/{imported.world_id}")


def _import(actor: Actor, data: bytes) -> world_import.Imported:
    """Parse, then write in one short session (synchronous: runs in a worker thread)."""
    document = world_import.parse(data)
    with session_scope() as session:
        return world_import.import_world(session, actor, document)


on_change("worlds", WorldsPageState.reload)
