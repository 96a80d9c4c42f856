"""The world page's Sources tab: the documents the World Agent reads and cites, each linking to
its reader; editors upload (with the upload's progress) and delete them. Titles and file names
come from uploads, so they are shown as text."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.empty_state import empty_state
from dsf_app.state.world_sources import ACCEPTED, SOURCE_UPLOAD, SourceRow, WorldSourcesState

S = WorldSourcesState


def upload_button() -> rx.Component:
    # The dropzone's file input takes no props of its own; the label around it names it.
    return rx.el.label(
        rx.upload.root(
            rx.button(
                rx.cond(S.uploading, rx.spinner(size="1"), rx.icon("upload", size=14)),
                "Add a source",
                variant="soft",
                type="button",
                size="2",
                disabled=S.uploading,
            ),
            id=SOURCE_UPLOAD,
            accept=ACCEPTED,
            multiple=False,
            max_files=1,
            no_drag=True,
            on_drop=S.upload_source(rx.upload_files_chunk(upload_id=SOURCE_UPLOAD)),
            title="A text, Markdown, PDF or EPUB file the World Agent should read and cite",
        ),
        display="contents",
    )


def progress() -> rx.Component:
    return rx.cond(
        S.uploading,
        rx.vstack(
            rx.text(S.upload_step, size="2", id="source-upload-step"),
            rx.progress(value=S.upload_percent, max=100, width="100%"),
            spacing="1",
            width="100%",
            id="source-upload-progress",
            role="status",
        ),
    )


def source_row(row: ObjectVar[SourceRow]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.link(
                rx.vstack(
                    rx.heading(row.title, size="4", as_="h2", overflow_wrap="anywhere"),
                    rx.text(row.filename, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                    rx.text(row.details, size="1", color_scheme="gray"),
                    spacing="1",
                ),
                href=row.href,
                underline="none",
                color="inherit",
                class_name="dsf-source-link",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                S.can_edit,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    on_click=S.ask_delete_source(row.id),
                    aria_label="Delete the source " + row.title.to(str),
                    title="Delete this source",
                    class_name="dsf-delete-source",
                ),
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="dsf-source-row",
        data_source_id=row.id,
    )


def sources_view() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.text(
                "Documents the World Agent reads: the passages nearest each message are put in "
                "front of it, and its replies link to the passages they use.",
                size="2",
                color_scheme="gray",
                flex="1",
                min_width="16em",
            ),
            rx.cond(S.can_edit, upload_button()),
            spacing="3",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        progress(),
        rx.cond(
            S.sources.length() > 0,
            rx.vstack(rx.foreach(S.sources, source_row), spacing="3", width="100%"),
            empty_state(
                "file-text",
                "No sources yet",
                "Add a text, Markdown, PDF or EPUB file: the World Agent will read it and cite "
                "it in its replies.",
            ),
        ),
        confirm_delete_dialog(
            title="Delete the source “" + S.source_delete_title + "”?",
            description=(
                "Its file and its passages are deleted for good; the World Agent will no "
                "longer read it, and links to it in earlier replies will find nothing."
            ),
            confirm_label="Delete source",
            confirm_id="confirm-delete-source",
            open=S.source_delete_open,
            on_cancel=S.cancel_delete_source,
            on_confirm=S.confirm_delete_source,
        ),
        spacing="4",
        width="100%",
        id="world-sources",
        data_loaded=S.sources_loaded,
    )
