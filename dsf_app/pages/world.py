"""A world's page: its foundation laid out to read and edit, its stories, its history (changelog
and diffs) and who can see it — with its World Agent beside it."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.empty_state import empty_state, not_found_state
from dsf_app.components.foundation_sections import editor_dialog, foundation_view
from dsf_app.components.layout import page_shell
from dsf_app.components.url_page import url_page_view
from dsf_app.components.version_history import changelog, diff_view
from dsf_app.components.world_cards import state_badge
from dsf_app.components.world_sharing import sharing_view
from dsf_app.state.world import StoryView, WorldPageState

ROUTE = "/worlds/[world_id]"
ON_LOAD = [WorldPageState.load]
S = WorldPageState


def not_found() -> rx.Component:
    return not_found_state("globe-lock", "world")


def loading() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="2.5em", width="60%"), loading=True),
        rx.skeleton(rx.box(height="6em"), loading=True),
        rx.skeleton(rx.box(height="12em"), loading=True),
        spacing="4",
        width="100%",
        aria_busy="true",
    )


def header() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("Worlds"), spacing="1"),
            href="/worlds",
            size="2",
        ),
        rx.flex(
            rx.heading(S.name, size="8", as_="h1", overflow_wrap="anywhere", id="world-name"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14),
                "Export JSON",
                variant="soft",
                size="2",
                on_click=S.export_json,
                id="export-world",
            ),
            spacing="3",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        rx.cond(S.description != "", rx.text(S.description, color_scheme="gray")),
        rx.hstack(
            state_badge(S.state_name),
            rx.badge("Version " + S.version.to_string(), variant="outline", id="world-version"),
            rx.badge(S.visibility, variant="soft", color_scheme="violet"),
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(
            ~S.can_edit,
            rx.callout(
                "You can read this world; only its owner and editors can change it.",
                icon="eye",
                color_scheme="gray",
                size="1",
                id="read-only-notice",
            ),
        ),
        spacing="2",
        width="100%",
    )


def story_row(story: ObjectVar[StoryView]) -> rx.Component:
    return rx.card(
        rx.link(
            rx.vstack(
                rx.heading(story.title, size="4", as_="h3", overflow_wrap="anywhere"),
                rx.cond(
                    story.description != "",
                    rx.text(story.description, size="2", color_scheme="gray"),
                ),
                rx.text(
                    story.segments.to_string()
                    + " parts · "
                    + story.words.to_string()
                    + " words · changed "
                    + story.changed.to(str),
                    size="1",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            href="/worlds/" + S.world_key + "/stories/" + story.id.to(str),
            underline="none",
            color="inherit",
            class_name="dsf-story-link",
        ),
        width="100%",
    )


def stories_view() -> rx.Component:
    return rx.cond(
        S.stories.length() > 0,
        rx.vstack(rx.foreach(S.stories, story_row), spacing="3", width="100%"),
        empty_state(
            "book-open",
            "No stories yet",
            "Ask the World Agent in the chat to write a story set in this world.",
        ),
    )


def world_view() -> rx.Component:
    return rx.vstack(
        header(),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Foundation", value="foundation"),
                rx.tabs.trigger(
                    "Stories (" + S.stories.length().to_string() + ")", value="stories"
                ),
                rx.tabs.trigger("History", value="history"),
                rx.cond(S.is_member, rx.tabs.trigger("Sharing", value="sharing")),
                wrap="wrap",
            ),
            rx.tabs.content(foundation_view(), value="foundation", padding_top="1.25em"),
            rx.tabs.content(stories_view(), value="stories", padding_top="1.25em"),
            rx.tabs.content(
                rx.vstack(diff_view(), changelog(), spacing="6", width="100%"),
                value="history",
                padding_top="1.25em",
            ),
            rx.tabs.content(sharing_view(), value="sharing", padding_top="1.25em"),
            default_value="foundation",
            width="100%",
        ),
        editor_dialog(),
        spacing="4",
        width="100%",
    )


def world_page() -> rx.Component:
    return page_shell(
        url_page_view(S, loading=loading(), found=world_view(), not_found=not_found()),
        chat_agent="World Agent",
    )
