"""The gallery pages: a world's (every image made or saved for the world, newest first) and the
person's own "My images" (made outside any world, through the User Agent)."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.gallery import gallery
from dsf_app.components.layout import page_shell
from dsf_app.components.page_parts import back_link
from dsf_app.components.url_page import is_current
from dsf_app.state.gallery import MY_IMAGES, GalleryState

ROUTE = "/worlds/[world_id]/gallery"
MY_IMAGES_ROUTE = MY_IMAGES
ON_LOAD = [GalleryState.load]


def gallery_page() -> rx.Component:
    return page_shell(
        rx.cond(
            is_current(GalleryState) & GalleryState.found,
            rx.vstack(
                back_link(
                    GalleryState.world_name,
                    "/worlds/" + GalleryState.world_key,
                    id="gallery-world-link",
                ),
                rx.heading("Gallery", size="7", id="gallery-heading", as_="h1"),
                spacing="1",
                margin_bottom="1em",
            ),
        ),
        gallery(),
    )


def my_images_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("My images", size="7", id="gallery-heading", as_="h1"),
            rx.text(
                "Images your agent made for you outside any world. Images made in a world are "
                "in that world's gallery.",
                color_scheme="gray",
                size="2",
            ),
            spacing="1",
            margin_bottom="1em",
        ),
        gallery(),
    )
