"""The search page: one box, searching by meaning across the worlds, Codex entries and story
segments the person may read; results grouped, each linking to its page."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell
from dsf_app.components.search_field import search_field
from dsf_app.services.validation import MAX_SEARCH
from dsf_app.state.search import HitRow, SearchState

ROUTE = "/search"
S = SearchState


def hit_card(hit: ObjectVar[HitRow]) -> rx.Component:
    return rx.card(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.text(hit.title, weight="medium", overflow_wrap="anywhere"),
                    rx.spacer(),
                    rx.badge("similar " + hit.similarity.to(str), variant="soft", size="1"),
                    width="100%",
                    align="center",
                ),
                rx.text(hit.context, size="1", color_scheme="gray"),
                rx.cond(hit.snippet != "", rx.text(hit.snippet, size="2", color_scheme="gray")),
                spacing="1",
                width="100%",
            ),
            href=hit.href,
            underline="none",
            color="inherit",
        ),
        class_name="dsf-search-hit",
        width="100%",
    )


def group(title: str, anchor: str, hits: ArrayVar[Sequence[HitRow]]) -> rx.Component:
    return rx.cond(
        hits.length() > 0,
        rx.el.section(
            rx.vstack(
                rx.heading(title + " (" + hits.length().to_string() + ")", size="4", as_="h2"),
                rx.vstack(rx.foreach(hits, hit_card), spacing="2", width="100%"),
                spacing="2",
                width="100%",
            ),
            id=anchor,
            style={"width": "100%"},
        ),
    )


def search_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Search", size="7", as_="h1"),
            rx.text(
                "Find worlds, Codex entries and story passages by what they are about — "
                "everything you can read: your own, what is shared with you, and public worlds.",
                color_scheme="gray",
            ),
            rx.form(
                rx.hstack(
                    search_field(
                        "Search by meaning",
                        "everything-search",
                        name="query",
                        placeholder="e.g. a city that floods twice a day",
                        max_length=MAX_SEARCH,
                    ),
                    rx.button("Search", type="submit", loading=S.searching),
                    width="100%",
                    spacing="2",
                ),
                on_submit=S.search,
                reset_on_submit=False,
                width="100%",
            ),
            rx.cond(
                S.nothing_found,
                empty_state("search-x", "Nothing close", "Nothing you can read is near that."),
            ),
            rx.vstack(
                group("Worlds", "search-worlds", S.worlds),
                group("Codex entries", "search-entries", S.entries),
                group("Story passages", "search-segments", S.segments),
                spacing="4",
                width="100%",
                id="search-results",
            ),
            spacing="4",
            width="100%",
        )
    )
