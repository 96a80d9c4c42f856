"""The worlds page: the person's worlds as cards (and others' public worlds under Explore),
searchable, with create, delete and import — and the User Agent beside them."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.empty_state import empty_state
from dsf_app.components.forms import dialog_actions, form_error
from dsf_app.components.layout import page_shell
from dsf_app.components.search_field import search_field
from dsf_app.components.upload_zone import upload_progress
from dsf_app.components.world_cards import card_grid, card_skeletons
from dsf_app.state.worlds import WorldsPageState

ROUTE = "/worlds"
ON_LOAD = [WorldsPageState.load]
IMPORT_UPLOAD = "world-import"


def labelled(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        *((rx.text(hint, size="1", color_scheme="gray"),) if hint else ()),
        spacing="1",
        width="100%",
    )


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("plus", size=16), "New world", id="new-world"),
        ),
        rx.dialog.content(
            rx.dialog.title("A new world"),
            rx.dialog.description(
                "Name it and state its premise: the one change the world grows from. "
                "You and the agents fill in the rest.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    labelled(
                        "Name",
                        "world-name",
                        rx.input(id="world-name", name="name", max_length=200, width="100%"),
                    ),
                    labelled(
                        "Premise",
                        "world-premise",
                        rx.text_area(id="world-premise", name="premise", rows="4", width="100%"),
                        "e.g. “Room-temperature superconductors became cheap in 2031.”",
                    ),
                    form_error(WorldsPageState.create_error),
                    dialog_actions("Create world", id="create-world"),
                    spacing="3",
                ),
                on_submit=WorldsPageState.create,
            ),
            max_width="min(32em, 94vw)",
        ),
        open=WorldsPageState.create_open,
        on_open_change=WorldsPageState.set_create_open,
    )


def delete_dialog() -> rx.Component:
    return confirm_delete_dialog(
        title="Delete “" + WorldsPageState.delete_name + "”?",
        description=(
            "The world, its stories, its images and other files are deleted for good. "
            "This cannot be undone."
        ),
        confirm_label="Delete world",
        confirm_id="confirm-delete",
        open=WorldsPageState.delete_open,
        on_cancel=WorldsPageState.cancel_delete,
        on_confirm=WorldsPageState.confirm_delete,
    )


def import_button() -> rx.Component:
    # The dropzone's file input takes no props of its own; the label around it names it.
    return rx.el.label(
        rx.upload.root(
            rx.button(
                rx.cond(WorldsPageState.busy, rx.spinner(size="1"), rx.icon("upload", size=16)),
                "Import JSON",
                variant="soft",
                type="button",
            ),
            id=IMPORT_UPLOAD,
            accept={"application/json": [".json"]},
            multiple=False,
            max_files=1,
            no_drag=True,
            on_drop=WorldsPageState.import_world(
                rx.upload_files_chunk(
                    upload_id=IMPORT_UPLOAD, on_upload_progress=WorldsPageState.upload_progress
                )
            ),
            title="Import a world exported as JSON, as your own private copy",
        ),
        display="contents",
    )


def toolbar() -> rx.Component:
    return rx.flex(
        search_field(
            "Search worlds by name",
            "world-search",
            placeholder="Search by name",
            value=WorldsPageState.search,
            on_change=WorldsPageState.search_for.debounce(300),
        ),
        rx.hstack(create_dialog(), import_button(), spacing="2"),
        spacing="3",
        wrap="wrap",
        width="100%",
        align="center",
    )


def pager() -> rx.Component:
    return rx.cond(
        (WorldsPageState.page > 1) | WorldsPageState.has_more,
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                variant="soft",
                disabled=WorldsPageState.page <= 1,
                on_click=WorldsPageState.previous_page,
            ),
            rx.text("Page " + WorldsPageState.page.to_string(), size="2"),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                variant="soft",
                disabled=~WorldsPageState.has_more,
                on_click=WorldsPageState.next_page,
            ),
            justify="center",
            align="center",
            width="100%",
            spacing="3",
        ),
    )


def listing() -> rx.Component:
    nothing = rx.cond(
        WorldsPageState.search != "",
        empty_state("search-x", "No worlds match", "No world's name matches your search."),
        rx.cond(
            WorldsPageState.tab == "mine",
            empty_state(
                "globe",
                "No worlds yet",
                "Create one with “New world”, or describe a world to your User Agent in the "
                "chat — a premise, a change in science — and it will draft one here.",
            ),
            empty_state(
                "telescope",
                "Nothing to explore yet",
                "When other people make their worlds public, they appear here.",
            ),
        ),
    )
    return rx.cond(
        WorldsPageState.loading,
        card_skeletons(),
        rx.cond(WorldsPageState.cards.length() > 0, rx.vstack(card_grid(), pager()), nothing),
    )


def worlds_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Worlds", size="7", as_="h1"),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Your worlds", value="mine", id="tab-mine"),
                    rx.tabs.trigger("Explore", value="explore", id="tab-explore"),
                ),
                # One panel per tab (each tab points at its panel); only the chosen one is drawn.
                *(
                    rx.tabs.content(
                        rx.vstack(
                            toolbar(),
                            upload_progress(WorldsPageState, "world-import-progress"),
                            listing(),
                            spacing="4",
                            width="100%",
                        ),
                        value=tab,
                        padding_top="1em",
                    )
                    for tab in ("mine", "explore")
                ),
                value=WorldsPageState.tab,
                on_change=WorldsPageState.choose_tab,
                width="100%",
            ),
            delete_dialog(),
            spacing="4",
            width="100%",
        ),
        chat_agent="User Agent",
    )
