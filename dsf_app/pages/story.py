"""The story reader: the path through a story's segments in a reading layout, with the branch
tree, world-evolution notes, hand edits, deletion and exports — and the World Agent beside it."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.counts import counted
from dsf_app.components.empty_state import empty_state, not_found_state
from dsf_app.components.layout import page_shell
from dsf_app.components.page_parts import back_link, loading_placeholder
from dsf_app.components.story_details import story_details_dialog
from dsf_app.components.story_reader import (
    SERIF,
    branch_tree,
    pager,
    segment_article,
    segment_deletion_dialog,
    segment_editor,
)
from dsf_app.components.url_page import url_page_view
from dsf_app.state.evaluations import StoryEvaluationsState
from dsf_app.state.story import StoryPageState
from dsf_app.state.story_details import StoryDetailsState

ROUTE = "/worlds/[world_id]/stories/[story_id]"
ON_LOAD = [StoryPageState.load, StoryEvaluationsState.load]
S = StoryPageState
D = StoryDetailsState


def not_found() -> rx.Component:
    return not_found_state("book-x", "story")


def loading() -> rx.Component:
    return loading_placeholder("10em", "10em", "10em", max_width="65ch")


def header() -> rx.Component:
    return rx.vstack(
        back_link(S.world_name, "/worlds/" + S.world_key),
        rx.heading(S.title, size="8", as_="h1", font_family=SERIF, overflow_wrap="anywhere"),
        rx.cond(S.description != "", rx.text(S.description, color_scheme="gray")),
        rx.flex(
            rx.text(
                counted(S.path_length, "part", "parts")
                + " · "
                + counted(S.path_words, "word", "words"),
                size="2",
                color_scheme="gray",
                id="story-stats",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(
                    S.can_edit,
                    rx.hstack(
                        rx.button(
                            rx.icon("pencil", size=14),
                            "Details",
                            variant="soft",
                            size="1",
                            on_click=D.open_details,
                            title="Edit the story's title and description",
                            id="edit-story",
                        ),
                        rx.button(
                            rx.icon("trash-2", size=14),
                            "Delete story",
                            variant="soft",
                            color_scheme="red",
                            size="1",
                            on_click=D.set_delete_story_open(True),
                            id="delete-story",
                        ),
                        spacing="2",
                    ),
                ),
                rx.button(
                    rx.icon("file-text", size=14),
                    "Markdown",
                    variant="soft",
                    size="1",
                    on_click=S.export_markdown,
                    aria_label="Export as Markdown",
                ),
                rx.button(
                    rx.icon("book", size=14),
                    "EPUB",
                    variant="soft",
                    size="1",
                    on_click=S.export_epub,
                    aria_label="Export as EPUB",
                ),
                spacing="2",
            ),
            spacing="2",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def reader_view() -> rx.Component:
    return rx.vstack(
        header(),
        branch_tree(),
        pager("top"),
        rx.cond(
            S.segments.length() > 0,
            rx.vstack(rx.foreach(S.segments, segment_article), spacing="6", width="100%"),
            empty_state(
                "feather",
                "Nothing written yet",
                "Ask the World Agent in the chat to write the first part of this story.",
            ),
        ),
        pager("bottom"),
        segment_editor(),
        segment_deletion_dialog(),
        story_details_dialog(
            open=D.details_open,
            title=S.title,
            description=S.description,
            error=D.details_error,
            on_submit=D.save_details,
            on_open_change=D.set_details_open,
        ),
        confirm_delete_dialog(
            title="Delete “" + S.title + "”?",
            description=(
                "The story and every part of it, in every branch, are deleted for good. Its "
                "images stay in the world's gallery."
            ),
            confirm_label="Delete story",
            confirm_id="confirm-delete-story",
            open=D.delete_story_open,
            on_cancel=D.set_delete_story_open(False),
            on_confirm=D.confirm_delete_story,
            on_open_change=D.set_delete_story_open,
        ),
        spacing="5",
        width="100%",
    )


def story_page() -> rx.Component:
    return page_shell(
        url_page_view(S, loading=loading(), found=reader_view(), not_found=not_found()),
        chat_agent="World Agent",
    )
