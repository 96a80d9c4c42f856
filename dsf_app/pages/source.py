"""A source's reader: the text DSF extracted from an uploaded document, passage by passage, each
with its anchor, so that a citation in the World Agent's reply opens the source at the passage
it cites (marked, and scrolled to). The text came from an upload: it is shown as plain text."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from dsf_app.components.empty_state import not_found_state
from dsf_app.components.layout import page_shell
from dsf_app.components.page_parts import back_link, loading_placeholder
from dsf_app.components.url_page import url_page_view
from dsf_app.state.source_reader import PassageRow, SourceReaderState

ROUTE = "/worlds/[world_id]/sources/[source_id]"
ON_LOAD = [SourceReaderState.load]
S = SourceReaderState
# Compiled into the page (the Content-Security-Policy forbids a script sent to be evaluated):
# once the passages are on screen, bring the one the URL's anchor names into view.
TO_THE_ANCHOR = rx.run_script(
    Var(
        "(() => { const id = decodeURIComponent(window.location.hash.slice(1)); "
        "const cited = id && document.getElementById(id); "
        "if (cited) cited.scrollIntoView({block: 'start'}); })()"
    )
)


def passage(row: ObjectVar[PassageRow]) -> rx.Component:
    cited = row.number == S.cited
    return rx.box(
        rx.cond(
            row.page != "",
            rx.text(row.page, size="1", color_scheme="gray", class_name="dsf-passage-page"),
        ),
        rx.text(row.text, size="3", white_space="pre-wrap", class_name="dsf-passage-text"),
        id=row.anchor,
        class_name="dsf-passage",
        data_cited=cited,
        padding="0.6em 0.8em",
        border_radius="6px",
        border_left=rx.cond(cited, f"3px solid {rx.color('violet', 9)}", "3px solid transparent"),
        background=rx.cond(cited, rx.color("violet", 3), "transparent"),
        scroll_margin_top="1em",
        width="100%",
    )


def pager() -> rx.Component:
    return rx.cond(
        S.has_earlier | S.has_later,
        rx.hstack(
            rx.button(
                "Earlier passages",
                variant="soft",
                disabled=~S.has_earlier,
                on_click=S.show_earlier,
            ),
            rx.button(
                "Later passages",
                variant="soft",
                disabled=~S.has_later,
                on_click=S.show_later,
            ),
            spacing="3",
        ),
    )


def source_view() -> rx.Component:
    return rx.vstack(
        back_link(S.world_name, "/worlds/" + S.world_key),
        rx.heading(S.title, size="8", as_="h1", overflow_wrap="anywhere", id="source-title"),
        rx.text(S.filename, size="2", color_scheme="gray", overflow_wrap="anywhere"),
        pager(),
        rx.vstack(
            rx.foreach(S.passages, passage),
            spacing="1",
            width="100%",
            id="source-text",
            on_mount=TO_THE_ANCHOR,
        ),
        pager(),
        spacing="3",
        width="100%",
    )


def source_page() -> rx.Component:
    return page_shell(
        url_page_view(
            S,
            loading=loading_placeholder("12em"),
            found=source_view(),
            not_found=not_found_state("file-lock", "source"),
        )
    )
