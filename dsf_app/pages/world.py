"""A world's page: its foundation laid out to read and edit, its stories (renamed and deleted
here), its Codex, its sources (documents the agent reads and cites), its history (changelog,
diffs, restoring a version) and who can see it — with its World Agent beside it."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.codex import codex_view
from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.counts import counted
from dsf_app.components.empty_state import empty_state, not_found_state
from dsf_app.components.foundation_sections import editor_dialog, foundation_view
from dsf_app.components.layout import page_shell
from dsf_app.components.page_parts import back_link, loading_placeholder
from dsf_app.components.story_details import story_details_dialog
from dsf_app.components.url_page import url_page_view
from dsf_app.components.version_history import changelog, diff_view, restore_dialog
from dsf_app.components.world_cards import state_badge
from dsf_app.components.world_sharing import sharing_view
from dsf_app.components.world_sources import sources_view
from dsf_app.state.codex import CodexState
from dsf_app.state.evaluations import VersionComparisonState
from dsf_app.state.world import StoryView, WorldPageState
from dsf_app.state.world_sources import WorldSourcesState
from dsf_app.state.world_stories import WorldStoriesState

ROUTE = "/worlds/[world_id]"
ON_LOAD = [
    WorldPageState.load,
    CodexState.load,
    VersionComparisonState.load,
    WorldSourcesState.show_sources,
]
S = WorldPageState
Stories = WorldStoriesState


def not_found() -> rx.Component:
    return not_found_state("globe-lock", "world")


def loading() -> rx.Component:
    return loading_placeholder("6em", "12em", heading_width="60%")


def header() -> rx.Component:
    return rx.vstack(
        back_link("Worlds", "/worlds"),
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
        rx.flex(
            rx.link(
                rx.vstack(
                    rx.heading(story.title, size="4", as_="h2", overflow_wrap="anywhere"),
                    rx.cond(
                        story.description != "",
                        rx.text(story.description, size="2", color_scheme="gray"),
                    ),
                    rx.text(
                        counted(story.segments, "part", "parts")
                        + " · "
                        + counted(story.words, "word", "words")
                        + " · changed "
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
                flex="1",
                min_width="0",
            ),
            rx.cond(
                S.can_edit,
                rx.hstack(
                    rx.icon_button(
                        rx.icon("pencil", size=14),
                        variant="ghost",
                        size="1",
                        on_click=Stories.edit_story(story.id),
                        aria_label="Edit the details of " + story.title.to(str),
                        title="Edit title and description",
                        class_name="dsf-edit-story",
                    ),
                    rx.icon_button(
                        rx.icon("trash-2", size=14),
                        variant="ghost",
                        color_scheme="red",
                        size="1",
                        on_click=Stories.ask_delete_story(story.id),
                        aria_label="Delete " + story.title.to(str),
                        title="Delete this story",
                        class_name="dsf-delete-story",
                    ),
                    spacing="3",
                ),
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="dsf-story-row",
        data_story_id=story.id,
    )


def story_dialogs() -> rx.Component:
    return rx.fragment(
        story_details_dialog(
            open=Stories.story_edit_open,
            title=Stories.story_edit_title,
            description=Stories.story_edit_description,
            error=Stories.story_edit_error,
            on_submit=Stories.save_story,
            on_open_change=Stories.set_story_edit_open,
        ),
        confirm_delete_dialog(
            title="Delete “" + Stories.story_delete_title + "”?",
            description=(
                "The story and every part of it, in every branch, are deleted for good. Its "
                "images stay in the world's gallery."
            ),
            confirm_label="Delete story",
            confirm_id="confirm-delete-story",
            open=Stories.story_delete_open,
            on_cancel=Stories.cancel_delete_story,
            on_confirm=Stories.confirm_delete_story,
        ),
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
                rx.tabs.trigger("Codex (" + CodexState.total.to_string() + ")", value="codex"),
                rx.tabs.trigger(
                    "Sources (" + WorldSourcesState.sources.length().to_string() + ")",
                    value="sources",
                ),
                rx.tabs.trigger("History", value="history"),
                rx.cond(S.is_member, rx.tabs.trigger("Sharing", value="sharing")),
                wrap="wrap",
            ),
            rx.tabs.content(foundation_view(), value="foundation", padding_top="1.25em"),
            rx.tabs.content(stories_view(), value="stories", padding_top="1.25em"),
            rx.tabs.content(codex_view(), value="codex", padding_top="1.25em"),
            rx.tabs.content(sources_view(), value="sources", padding_top="1.25em"),
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
        story_dialogs(),
        restore_dialog(),
        spacing="4",
        width="100%",
    )


def world_page() -> rx.Component:
    return page_shell(
        url_page_view(S, loading=loading(), found=world_view(), not_found=not_found()),
        chat_agent="World Agent",
    )
