"""A gallery of images: one page of them at a time, a lightbox for one, and delete with
confirmation. It shows the world in the URL (/worlds/<id>/gallery), or on /images the person's
own images made outside any world (through the User Agent), and reloads when an agent adds or
removes assets."""

from __future__ import annotations

import dataclasses
import uuid

import reflex as rx

from dsf_app.agents.topics import Topic
from dsf_app.models import Asset
from dsf_app.services import asset_files, assets, validation
from dsf_app.services.access import Permission
from dsf_app.services.asset_references import ReferenceLink
from dsf_app.services.image_uploads import Destination, Target
from dsf_app.state.feedback import done, shows_problems, when
from dsf_app.state.image_upload import ReceivesImages
from dsf_app.state.refresh import refresh_events, reloads_on
from dsf_app.state.routes import route_ids
from dsf_app.state.url_page import UrlPage

PAGE_SIZE = 24
GALLERY_SUFFIX = "/gallery"
MY_IMAGES = "/images"


@dataclasses.dataclass
class GalleryReference:
    """An image another was made from, shown as a link to it."""

    id: str
    url: str
    description: str
    role: str  # edited | reference


@dataclasses.dataclass
class GalleryItem:
    id: str
    url: str
    description: str
    category: str
    prompt: str
    generated: bool
    created: str
    thumbnail: str = ""  # the small copy for the grid
    references: list[GalleryReference] = dataclasses.field(default_factory=list)


def _item(asset: Asset, links: list[ReferenceLink]) -> GalleryItem:
    return GalleryItem(
        id=str(asset.id),
        url=asset_files.asset_url(asset.id),
        description=asset.description,
        category=str(asset.category),
        prompt=asset.prompt or "",
        generated=asset.generated,
        created=when(asset.created_at),
        thumbnail=asset_files.thumbnail_url(asset.id),
        references=[
            GalleryReference(
                str(link.asset_id),
                asset_files.asset_url(link.asset_id),
                link.description,
                link.role.value,
            )
            for link in links
        ],
    )


def is_my_images(path: str) -> bool:
    return path.split("?", 1)[0].rstrip("/") == MY_IMAGES


def gallery_world_id(path: str) -> uuid.UUID | None:
    """The world of a world page, its gallery page or one of its story pages."""
    path = path.split("?", 1)[0].rstrip("/")
    world_id, _ = route_ids(path.removesuffix(GALLERY_SUFFIX))
    return world_id


@reloads_on(Topic.ASSETS)
class GalleryState(ReceivesImages, UrlPage, rx.State):
    world_key: rx.Field[str] = rx.field("")
    world_name: rx.Field[str] = rx.field("")
    can_delete: rx.Field[bool] = rx.field(False)
    items: rx.Field[list[GalleryItem]] = rx.field(default_factory=list)
    page: rx.Field[int] = rx.field(1)
    has_more: rx.Field[bool] = rx.field(False)
    viewing: rx.Field[int] = rx.field(-1)
    delete_id: rx.Field[str] = rx.field("")
    delete_label: rx.Field[str] = rx.field("")
    deleting: rx.Field[bool] = rx.field(False)

    @rx.var
    def page_title(self) -> str:
        if self.found and self.world_name:
            return f"Gallery · {self.world_name} · Deep Sci-Fi"
        return "Gallery · Deep Sci-Fi"

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

    def _reset(self) -> None:
        self.page, self.viewing, self.delete_id = 1, -1, ""

    def _forget(self) -> None:
        self.world_key, self.world_name = "", ""
        self.items, self.has_more = [], False

    async def _fetch(self, *, initial: bool) -> None:
        path = self.router.url.path
        if is_my_images(path):
            found = await self._look_up(initial, assets.own_image_page, self.page, PAGE_SIZE)
        else:
            named = gallery_world_id(path)
            world_id = self._to_fetch(named, self.world_key, initial=initial)
            if world_id is None:
                return
            found = await self._look_up(initial, assets.image_page, world_id, self.page, PAGE_SIZE)
        if found is None:
            return
        world = found.world
        self.world_key, self.world_name = (str(world.id), world.name) if world else ("", "")
        self.found = True
        self.can_delete = found.level >= Permission.WRITE
        self.page, self.has_more = found.page, found.has_more
        self.items = [_item(asset, found.references.get(asset.id, [])) for asset in found.images]
        if self.viewing >= len(self.items):
            self.viewing = -1
        self.loading = False

    @rx.event
    @shows_problems
    async def next_page(self) -> None:
        if self.has_more:
            self.page += 1
            self.viewing = -1
            await self._fetch(initial=False)

    @rx.event
    @shows_problems
    async def previous_page(self) -> None:
        if self.page > 1:
            self.page -= 1
            self.viewing = -1
            await self._fetch(initial=False)

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
    @shows_problems
    async def confirm_delete(self):
        """Delete the image's record, then its stored bytes (no session open meanwhile)."""
        asset_id, label = self.delete_id, self.delete_label
        self.delete_id, self.delete_label = "", ""
        if not asset_id:
            return
        self.deleting = True
        yield
        try:
            keys = await self.act(
                assets.delete_asset, validation.identifier(asset_id, what="image")
            )
            await asset_files.delete_stored(asset_files.asset_storage(), keys)
        finally:
            self.deleting = False
        await self._fetch(initial=False)
        yield done(f"Deleted “{_short(label)}”.")

    @rx.event(background=True)
    @shows_problems
    async def upload_image(self, chunks: rx.UploadChunkIterator):
        """Add an uploaded image to the world's gallery, or to My images."""
        asset = await self._receive_image(chunks, self._upload_target(Destination.GALLERY))
        if asset is not None:
            yield done(f"Added “{asset.description}”.")
            for event in refresh_events({Topic.ASSETS}):
                yield event

    @rx.event(background=True)
    @shows_problems
    async def upload_cover(self, chunks: rx.UploadChunkIterator):
        """Upload the image the world's card shows (it joins the gallery too)."""
        asset = await self._receive_image(chunks, self._upload_target(Destination.COVER))
        if asset is not None:
            yield done(f"“{asset.description}” is the world's cover now.")
            for event in refresh_events({Topic.ASSETS, Topic.WORLDS}):
                yield event

    def _upload_target(self, destination: Destination) -> Target:
        if is_my_images(self.router.url.path):
            return Target(destination, None)
        return Target(destination, validation.identifier(self.world_key, what="world"))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
