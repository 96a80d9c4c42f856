"""The worlds page state: one page of the person's worlds (or of others' public worlds) as
cards, searched by name, and the create, delete and import actions."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app import pools
from dsf_app.agents.deletion import delete_agents
from dsf_app.agents.topics import Topic
from dsf_app.errors import DSFError
from dsf_app.services import (
    asset_files,
    covers,
    imports,
    validation,
    world_deletion,
    world_import,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, SignedOut
from dsf_app.state.feedback import done, shows_problems, when
from dsf_app.state.refresh import reloads_on
from dsf_app.state.upload_progress import UploadProgress, size

PAGE_SIZE = 24
PREMISE_CHARS = 220
MAX_PREMISE_CHARS = 5000


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
        cover_url=asset_files.asset_url(cover.asset_id) if cover else "",
        cover_alt=(cover.description or f"Cover of {world.name}") if cover else "",
        visibility=str(world.visibility),
    )


def _cards(
    session: Session, actor: Actor, *, public: bool, search: str, page: int
) -> list[WorldCard]:
    """One page of world cards (one more than PAGE_SIZE when there is a next page)."""
    listing = worlds.list_public_worlds if public else worlds.list_worlds
    rows = listing(
        session, actor, search=search, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    found = covers.covers(session, actor, [row.world.id for row in rows])
    return [_card(row, found.get(row.world.id)) for row in rows]


@reloads_on(Topic.WORLDS)
class WorldsPageState(ActsForPerson, UploadProgress, rx.State):
    tab: rx.Field[str] = rx.field("mine")
    search: rx.Field[str] = rx.field("")
    cards: rx.Field[list[WorldCard]] = rx.field(default_factory=list)
    page: rx.Field[int] = rx.field(1)
    has_more: rx.Field[bool] = rx.field(False)
    loading: rx.Field[bool] = rx.field(True)
    create_open: rx.Field[bool] = rx.field(False)
    create_error: rx.Field[str] = rx.field("")
    delete_id: rx.Field[str] = rx.field("")
    delete_name: rx.Field[str] = rx.field("")
    busy: rx.Field[bool] = rx.field(False)

    @rx.var
    def delete_open(self) -> bool:
        return self.delete_id != ""

    @rx.event
    @shows_problems
    async def load(self):
        """on_load: the first page of the person's worlds."""
        self.page = 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        """After an agent changed worlds: the same page again."""
        await self._fetch()

    async def _fetch(self) -> None:
        try:
            cards = await self.act(
                _cards, public=self.tab == "explore", search=self.search, page=self.page
            )
        except SignedOut:
            cards = []
        finally:
            self.loading = False
        self.has_more = len(cards) > PAGE_SIZE
        self.cards = cards[:PAGE_SIZE]

    @rx.event
    @shows_problems
    async def choose_tab(self, tab: str):
        self.tab = "explore" if tab == "explore" else "mine"
        self.page = 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    @shows_problems
    async def search_for(self, text: str) -> None:
        self.search = text
        self.page = 1
        await self._fetch()

    @rx.event
    @shows_problems
    async def next_page(self) -> None:
        if self.has_more:
            self.page += 1
            await self._fetch()

    @rx.event
    @shows_problems
    async def previous_page(self) -> None:
        if self.page > 1:
            self.page -= 1
            await self._fetch()

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = value
        self.create_error = ""

    @rx.event
    async def create(self, form: dict[str, Any]):
        """Create a world by hand from the dialog's name and premise."""
        name = str(form.get("name", "")).strip()
        premise = str(form.get("premise", "")).strip()
        if not name or not premise:
            self.create_error = (
                "Give the world a name and a premise (the one change it grows from)."
            )
            return
        if len(premise) > MAX_PREMISE_CHARS:
            self.create_error = f"The premise is {len(premise)} characters; keep it under 5,000."
            return
        try:
            world = await self.act(worlds.create_world, name, foundation={"core_premise": premise})
        except DSFError as exc:  # shown in the dialog, beside what the person typed
            self.create_error = str(exc)
            return
        self.create_open = False
        self.create_error = ""
        self.tab, self.search, self.page = "mine", "", 1
        yield done(f"Created “{name}”.")
        yield rx.redirect(f"/worlds/{world.id}")

    @rx.event
    def ask_delete(self, world_id: str, name: str) -> None:
        self.delete_id, self.delete_name = world_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id, self.delete_name = "", ""

    @rx.event
    @shows_problems
    async def confirm_delete(self):
        """Delete the world (stories, segments, asset records), then its files in S3 and its
        agents on the Letta server."""
        name, chosen = self.delete_name, self.delete_id
        self.cancel_delete()
        world_id = validation.identifier(chosen, what="world")
        left = await self.act(world_deletion.delete_world, world_id)
        await asset_files.delete_stored(asset_files.asset_storage(), left.storage_keys)
        yield done(f"Deleted “{name}”.")
        await self._fetch()
        yield
        await delete_agents(left.letta_agent_ids)

    @rx.event(background=True)
    @shows_problems
    async def import_world(self, chunks: rx.UploadChunkIterator):
        """Import a world exported as JSON: a new private copy owned by this person. Who is
        signed in is checked before any of the file is read, a second import while one of theirs
        runs is refused, reading stops past the size limit, and the parse and the write run in a
        heavy process (pools.py) so other people's events go on."""
        actor = await self.person()
        async with imports.one_at_a_time(actor):
            async with self:
                self.busy = True
                self._start_upload()
            problem = ""
            try:
                data = await world_import.read_upload(chunks)
                if data is None:
                    return
                async with self:
                    self._upload_stage(f"Received {size(len(data))}")
                imported = await pools.in_heavy_process_reporting(
                    world_import.import_file, self._show_progress, actor, data
                )
            except DSFError as exc:
                problem = str(exc)
                raise
            finally:
                async with self:
                    self.busy = False
                    self._end_upload(problem)
        yield done(imported.sentence())
        yield rx.redirect(f"/worlds/{imported.world_id}")
