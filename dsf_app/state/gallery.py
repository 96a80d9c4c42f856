"""The gallery of a world's images: one page of them at a time, a lightbox for one, and delete
with confirmation. It follows the world in the URL (/worlds/<id>, /worlds/<id>/gallery, and the
story pages under it) and reloads when an agent adds or removes assets."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.models import Asset, AssetType
from dsf_app.services import asset_files, assets, validation
from dsf_app.services.access import Permission, world_with_level
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import done, problem, when
from dsf_app.state.refresh import on_change
from dsf_app.state.routes import route_ids
from dsf_app.state.url_page import UrlPage

PAGE_SIZE = 24
GALLERY_SUFFIX = "/gallery"


@dataclasses.dataclass
class GalleryItem:
    id: str
    url: str
    description: str
    category: str
    prompt: str
    generated: bool
    created: str


def _item(asset: Asset) -> GalleryItem:
    return GalleryItem(
        id=str(asset.id),
        url=asset_files.asset_url(asset.id),
        description=asset.description,
        category=str(asset.category),
        prompt=asset.prompt or "",
        generated=asset.generated,
        created=when(asset.created_at),
    )


def gallery_world_id(path: str) -> uuid.UUID | None:
    """The world of a world page, its gallery page or one of its story pages."""
    path = path.split("?", 1)[0].rstrip("/")
    world_id, _ = route_ids(path.removesuffix(GALLERY_SUFFIX))
    return world_id


class GalleryState(ActsForPerson, UrlPage, rx.State):
    world_key: str = ""
    world_name: str = ""
    can_delete: bool = False
    items: list[GalleryItem] = []
    page: int = 1
    has_more: bool = False
    viewing: int = -1
    delete_id: str = ""
    delete_label: str = ""
    deleting: bool = False

    @rx.var
    def lightbox_open(self) -> bool:
        return 0 <= self.viewing < len(self.items)

    @rx.var
    def viewed(self) -> GalleryItem:
        if 0 <= self.viewing < len(self.items):
            return self.items[self.viewing]
        return GalleryItem("", "", "", "", "", False, "")

    @rx.var
    def delete_open(self) -> bool:
        return self.delete_id != ""

    @rx.event
    def load(self):
        """on_load: the first page of the world's images."""
        self.page, self.viewing, self.delete_id = 1, -1, ""
        self._start_loading()
        yield
        yield from self._fetch(quiet=False)

    @rx.event
    def reload(self):
        """After an agent changed assets: the same page again (back one if it emptied)."""
        yield from self._fetch(quiet=True)

    def _fetch(self, *, quiet: bool):
        world_id = gallery_world_id(self.router.url.path)
        if world_id is None:
            self.loading = False
            return
        if str(world_id) != self.world_key:
            self.page, self.viewing = 1, -1
        actor = current_actor(self)
        if actor is None:
            self.loading = False
            return
        try:
            with session_scope() as session:
                world, level = world_with_level(session, actor, world_id)

                def this_page() -> list[Asset]:
                    return assets.list_assets(
                        session,
                        actor,
                        world_id,
                        type=AssetType.IMAGE,
                        limit=PAGE_SIZE + 1,
                        offset=(self.page - 1) * PAGE_SIZE,
                    )

                rows = this_page()
                if not rows and self.page > 1:
                    self.page -= 1
                    rows = this_page()
        except DSFError as exc:
            self.world_key, self.world_name, self.found = str(world_id), "", False
            self.items, self.has_more, self.loading = [], False, False
            if not quiet:
                yield problem(exc)
            return
        self.world_key, self.world_name, self.found = str(world.id), world.name, True
        self.can_delete = level >= Permission.WRITE
        self.has_more = len(rows) > PAGE_SIZE
        self.items = [_item(asset) for asset in rows[:PAGE_SIZE]]
        if self.viewing >= len(self.items):
            self.viewing = -1
        self.loading = False

    @rx.event
    def next_page(self):
        if self.has_more:
            self.page += 1
            self.viewing = -1
            yield from self._fetch(quiet=False)

    @rx.event
    def previous_page(self):
        if self.page > 1:
            self.page -= 1
            self.viewing = -1
            yield from self._fetch(quiet=False)

    @rx.event
    def view(self, index: int) -> None:
        self.viewing = index if 0 <= index < len(self.items) else -1

    @rx.event
    def step(self, by: int) -> None:
        """The previous (-1) or next (+1) image in the lightbox, wrapping around the page."""
        if self.items and self.viewing >= 0:
            self.viewing = (self.viewing + by) % len(self.items)

    @rx.event
    def set_lightbox_open(self, value: bool) -> None:
        if not value:
            self.viewing = -1

    @rx.event
    def ask_delete(self, asset_id: str) -> None:
        item = next((item for item in self.items if item.id == asset_id), None)
        if item is not None:
            self.viewing = -1
            self.delete_id = item.id
            self.delete_label = item.description or "this image"

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id, self.delete_label = "", ""

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        """Escape or a click outside closes the confirmation: the image is kept."""
        if not value:
            self.delete_id, self.delete_label = "", ""

    @rx.event
    async def confirm_delete(self):
        asset_id, label = self.delete_id, self.delete_label
        self.delete_id, self.delete_label = "", ""
        if not asset_id:
            return
        self.deleting = True
        yield
        try:
            actor = self.actor()
            with session_scope() as session:
                await asset_files.delete_with_bytes(
                    session,
                    actor,
                    asset_files.asset_storage(),
                    validation.identifier(asset_id, what="image"),
                )
        except DSFError as exc:
            self.deleting = False
            yield problem(exc)
            return
        self.deleting = False
        for event in self._fetch(quiet=True):
            yield event
        yield done(f"Deleted “{_short(label)}”.")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


on_change("assets", GalleryState.reload)
