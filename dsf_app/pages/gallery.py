"""A world's gallery page: every image made or saved for the world, newest first."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.gallery import world_gallery
from dsf_app.components.layout import page_shell
from dsf_app.components.url_page import is_current
from dsf_app.state.gallery import GalleryState

ROUTE = "/worlds/[world_id]/gallery"
ON_LOAD = [GalleryState.load]


def gallery_page() -> rx.Component:
    return page_shell(
        rx.cond(
            is_current(GalleryState) & GalleryState.found,
            rx.vstack(
                rx.link(
                    rx.hstack(
                        rx.icon("arrow-left", size=14),
                        rx.text(GalleryState.world_name),
                        align="center",
                        spacing="1",
                    ),
                    href="/worlds/" + GalleryState.world_key,
                    size="2",
                    id="gallery-world-link",
                ),
                rx.heading("Gallery", size="7", id="gallery-heading"),
                spacing="1",
                margin_bottom="1em",
            ),
        ),
        world_gallery(),
    )
