"""An image gallery: a grid of images (each from its `/assets/<id>` URL) with their description
and category, a lightbox, paging, an empty state and delete with confirmation. Place `gallery()`
on a page under /worlds/<id> (that world's images) or on /images (the person's own images made
outside any world), and run `GalleryState.load` on load."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.empty_state import empty_state, not_found_state
from dsf_app.components.matching import pick
from dsf_app.components.upload_zone import upload_progress, upload_zone
from dsf_app.components.url_page import url_page_view
from dsf_app.state.gallery import GalleryItem, GalleryReference, GalleryState

IMAGE_UPLOAD = "gallery-upload"
COVER_UPLOAD = "cover-upload"
CATEGORY_COLORS = {"character": "violet", "background": "cyan", "ui": "amber"}


def category_badge(category: rx.Var) -> rx.Component:
    return rx.badge(
        category,
        color_scheme=pick(category, CATEGORY_COLORS, "gray"),
        variant="soft",
        class_name="dsf-gallery-category",
    )


def tile(item: ObjectVar[GalleryItem], index: rx.Var[int]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.el.button(
                rx.image(
                    src=item.thumbnail,
                    alt=rx.cond(item.description != "", item.description, "Image"),
                    width="100%",
                    height="12em",
                    object_fit="cover",
                    border_radius="var(--radius-3)",
                    loading="lazy",
                    class_name="dsf-gallery-image",
                ),
                on_click=GalleryState.view(index),
                type="button",
                title="Open larger",
                aria_label=rx.cond(
                    item.description != "", "Open " + item.description.to(str), "Open image"
                ),
                padding="0",
                border="none",
                background="none",
                cursor="zoom-in",
                width="100%",
                display="block",
            ),
            rx.text(
                item.description,
                size="2",
                class_name="dsf-gallery-description",
                overflow_wrap="anywhere",
                style={
                    "display": "-webkit-box",
                    "-webkit-line-clamp": "2",
                    "-webkit-box-orient": "vertical",
                    "overflow": "hidden",
                },
            ),
            rx.hstack(
                category_badge(item.category),
                rx.cond(
                    item.generated,
                    rx.badge(rx.icon("sparkles", size=12), "generated", variant="outline"),
                ),
                rx.spacer(),
                rx.cond(
                    GalleryState.can_delete,
                    rx.icon_button(
                        rx.icon("trash-2", size=14),
                        on_click=GalleryState.ask_delete(item.id),
                        variant="ghost",
                        color_scheme="red",
                        size="1",
                        title="Delete this image",
                        aria_label="Delete this image",
                        class_name="dsf-gallery-delete",
                    ),
                ),
                align="center",
                width="100%",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        class_name="dsf-gallery-item",
        data_asset_id=item.id,
        width="100%",
    )


def _reference_link(reference: ObjectVar[GalleryReference]) -> rx.Component:
    """A link to an image this one was made from, named by its description (plain text)."""
    return rx.link(
        rx.cond(reference.role == "edited", "edited from: ", ""),
        rx.cond(reference.description != "", reference.description, "an image"),
        href=reference.url,
        is_external=True,
        size="2",
        overflow_wrap="anywhere",
        class_name="dsf-gallery-reference",
        data_asset_id=reference.id,
    )


def made_from(item: ObjectVar[GalleryItem]) -> rx.Component:
    """The images the viewed one was drawn from (references, or the image it edited)."""
    return rx.cond(
        item.references.length() > 0,
        rx.hstack(
            rx.text("Made from", size="2", weight="bold"),
            rx.foreach(item.references, _reference_link),
            spacing="2",
            align="baseline",
            wrap="wrap",
            width="100%",
            class_name="dsf-gallery-references",
        ),
    )


def lightbox() -> rx.Component:
    viewed = GalleryState.viewed
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(
                        rx.cond(viewed.description != "", viewed.description, "Image"),
                        size="4",
                        margin="0",
                        overflow_wrap="anywhere",
                    ),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.icon_button(
                            rx.icon("x", size=16),
                            variant="ghost",
                            color_scheme="gray",
                            aria_label="Close",
                        )
                    ),
                    width="100%",
                    align="start",
                ),
                rx.image(
                    src=viewed.url,
                    alt=viewed.description,
                    max_width="100%",
                    max_height="70vh",
                    object_fit="contain",
                    margin_x="auto",
                    id="gallery-lightbox-image",
                ),
                rx.dialog.description(
                    rx.cond(viewed.prompt != "", "Prompt: " + viewed.prompt.to(str), ""),
                    size="2",
                    color_scheme="gray",
                    overflow_wrap="anywhere",
                ),
                made_from(viewed),
                rx.hstack(
                    category_badge(viewed.category),
                    rx.text(viewed.created, size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.icon_button(
                        rx.icon("chevron-left", size=16),
                        on_click=GalleryState.step(-1),
                        variant="soft",
                        aria_label="Previous image",
                    ),
                    rx.icon_button(
                        rx.icon("chevron-right", size=16),
                        on_click=GalleryState.step(1),
                        variant="soft",
                        aria_label="Next image",
                    ),
                    rx.cond(
                        GalleryState.can_delete,
                        rx.button(
                            rx.icon("trash-2", size=14),
                            "Delete",
                            on_click=GalleryState.ask_delete(viewed.id),
                            variant="soft",
                            color_scheme="red",
                        ),
                    ),
                    align="center",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="min(64em, 96vw)",
            id="gallery-lightbox",
        ),
        open=GalleryState.lightbox_open,
        on_open_change=GalleryState.set_lightbox_open,
    )


def delete_dialog() -> rx.Component:
    return confirm_delete_dialog(
        title="Delete this image?",
        description=(
            "“" + GalleryState.delete_label + "” and its stored file are deleted for good. "
            "Scenes that show it will show nothing in its place."
        ),
        confirm_label="Delete image",
        confirm_id="confirm-delete-image",
        open=GalleryState.delete_open,
        on_cancel=GalleryState.cancel_delete,
        on_confirm=GalleryState.confirm_delete,
        on_open_change=GalleryState.set_delete_open,
    )


def pager() -> rx.Component:
    return rx.cond(
        (GalleryState.page > 1) | GalleryState.has_more,
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Newer",
                on_click=GalleryState.previous_page,
                disabled=GalleryState.page <= 1,
                variant="soft",
                id="gallery-newer",
            ),
            rx.text("Page " + GalleryState.page.to_string(), size="2", color_scheme="gray"),
            rx.button(
                "Older",
                rx.icon("chevron-right", size=16),
                on_click=GalleryState.next_page,
                disabled=~GalleryState.has_more,
                variant="soft",
                id="gallery-older",
            ),
            justify="center",
            align="center",
            spacing="3",
            width="100%",
            margin_top="1em",
        ),
    )


def empty_gallery() -> rx.Component:
    return rx.cond(
        GalleryState.world_key != "",
        empty_state(
            "images",
            "No images yet",
            "Ask the World Agent for a portrait, a landscape or a scene, and the images it "
            "makes for this world appear here.",
        ),
        empty_state(
            "images",
            "No images of your own yet",
            "Ask your agent on the worlds page for a picture; images made outside any world "
            "appear here. Images made in a world are in that world's gallery.",
        ),
    )


def uploads() -> rx.Component:
    """Drop zones for the people who may add images: to the gallery (or My images) and, in a
    world, its cover."""
    return rx.cond(
        GalleryState.found & GalleryState.can_delete,
        rx.flex(
            upload_zone(
                GalleryState,
                IMAGE_UPLOAD,
                GalleryState.upload_image(
                    rx.upload_files_chunk(
                        upload_id=IMAGE_UPLOAD, on_upload_progress=GalleryState.upload_progress
                    )
                ),
                label="Add an image",
            ),
            rx.cond(
                GalleryState.world_key != "",
                upload_zone(
                    GalleryState,
                    COVER_UPLOAD,
                    GalleryState.upload_cover(
                        rx.upload_files_chunk(
                            upload_id=COVER_UPLOAD, on_upload_progress=GalleryState.upload_progress
                        )
                    ),
                    label="Upload the world's cover",
                ),
            ),
            upload_progress(GalleryState, "gallery-upload-progress"),
            direction="column",
            gap="0.75em",
            width="100%",
            margin_bottom="1em",
        ),
    )


def gallery() -> rx.Component:
    """The grid (or its empty state), pager and dialogs for the page's images."""
    return rx.box(
        uploads(),
        url_page_view(
            GalleryState,
            loading=rx.center(rx.spinner(size="3"), padding_y="3em", width="100%"),
            found=rx.cond(
                GalleryState.items.length() > 0,
                rx.grid(
                    rx.foreach(GalleryState.items, tile),
                    columns=rx.breakpoints(initial="1", xs="2", md="3", lg="4"),
                    gap="1em",
                    width="100%",
                    id="gallery-grid",
                ),
                empty_gallery(),
            ),
            not_found=not_found_state("globe-lock", "world"),
        ),
        pager(),
        lightbox(),
        delete_dialog(),
        width="100%",
        id="world-gallery",
    )
