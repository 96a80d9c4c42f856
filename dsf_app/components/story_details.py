"""The form for a story's title and description, in a dialog, used on the world page and in
the reader."""

from __future__ import annotations

from typing import Any

import reflex as rx


def story_details_dialog(
    *,
    open: rx.Var[bool],
    title: rx.Var[str] | str,
    description: rx.Var[str] | str,
    error: rx.Var[str],
    on_submit: Any,
    on_open_change: Any,
) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Story details"),
            rx.dialog.description(
                "The title and description readers see on the world page and in the reader.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(rx.text("Title", size="2"), html_for="story-title"),
                    rx.input(
                        id="story-title",
                        name="title",
                        default_value=title,
                        max_length=300,
                        width="100%",
                    ),
                    rx.el.label(rx.text("Description", size="2"), html_for="story-description"),
                    rx.text_area(
                        id="story-description",
                        name="description",
                        default_value=description,
                        rows="4",
                        width="100%",
                    ),
                    rx.cond(
                        error != "",
                        rx.callout(error, icon="triangle-alert", color_scheme="red", role="alert"),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save details", type="submit", id="save-story-details"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=on_submit,
            ),
            max_width="min(36em, 94vw)",
        ),
        open=open,
        on_open_change=on_open_change,
    )
