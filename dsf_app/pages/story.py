"""The story reader: the path through a story's segments in a reading layout, with the branch
tree, world-evolution notes, hand edits and exports — and the World Agent beside it."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state, not_found_state
from dsf_app.components.layout import page_shell
from dsf_app.components.story_reader import (
    SERIF,
    branch_tree,
    pager,
    segment_article,
    segment_editor,
)
from dsf_app.components.url_page import url_page_view
from dsf_app.state.evaluations import StoryEvaluationsState
from dsf_app.state.story import StoryPageState

ROUTE = "/worlds/[world_id]/stories/[story_id]"
ON_LOAD = [StoryPageState.load, StoryEvaluationsState.load]
S = StoryPageState


def not_found() -> rx.Component:
    return not_found_state("book-x", "story")


def loading() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="2.5em", width="50%"), loading=True),
        *(rx.skeleton(rx.box(height="10em"), loading=True) for _ in range(3)),
        spacing="4",
        width="100%",
        max_width="65ch",
        aria_busy="true",
    )


def header() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text(S.world_name), spacing="1"),
            href="/worlds/" + S.world_key,
            size="2",
        ),
        rx.heading(S.title, size="8", as_="h1", font_family=SERIF, overflow_wrap="anywhere"),
        rx.cond(S.description != "", rx.text(S.description, color_scheme="gray")),
        rx.flex(
            rx.text(
                S.path_length.to_string() + " parts · " + S.path_words.to_string() + " words",
                size="2",
                color_scheme="gray",
                id="story-stats",
            ),
            rx.spacer(),
            rx.hstack(
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
        spacing="5",
        width="100%",
    )


def story_page() -> rx.Component:
    return page_shell(
        url_page_view(S, loading=loading(), found=reader_view(), not_found=not_found()),
        chat_agent="World Agent",
    )
