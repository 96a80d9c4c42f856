"""The runs page: every agent turn, with its steps, tool calls, tokens and errors — newest
first, or searched by meaning."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.counts import counted
from dsf_app.components.empty_state import empty_state
from dsf_app.components.export_button import export_button
from dsf_app.components.layout import page_shell
from dsf_app.components.matching import pick
from dsf_app.components.search_field import search_field
from dsf_app.services.validation import MAX_SEARCH
from dsf_app.state.runs import RunRow, RunsState, ToolCallRow

ROUTE = "/runs"
STOP_COLORS = {
    "end_turn": "green",
    "error": "red",
    "cancelled": "amber",
    "max_steps": "orange",
    "quota": "orange",
}
# The first two lines of what the turn was about (prompt, then tools or reply).
TWO_LINES = {
    "display": "-webkit-box",
    "WebkitLineClamp": "2",
    "WebkitBoxOrient": "vertical",
    "overflow": "hidden",
    "whiteSpace": "pre-line",
    "overflowWrap": "anywhere",
}


def _stop_badge(reason: rx.Var) -> rx.Component:
    return rx.badge(reason, color_scheme=pick(reason, STOP_COLORS, "gray"))


def _tool_call(call: ObjectVar[ToolCallRow]) -> rx.Component:
    return rx.hstack(
        rx.code(call.name, size="1"),
        rx.badge(
            call.status, color_scheme=rx.cond(call.status == "success", "green", "red"), size="1"
        ),
        rx.text(call.duration_ms.to_string() + " ms", size="1", color_scheme="gray"),
        spacing="2",
        align="center",
    )


def _run(row: ObjectVar[RunRow]) -> rx.Component:
    return rx.card(
        rx.el.details(
            rx.el.summary(
                rx.hstack(
                    rx.badge(row.agent, variant="outline"),
                    _stop_badge(row.stop_reason),
                    rx.text(row.started, size="2"),
                    rx.text(row.duration, size="2", color_scheme="gray"),
                    rx.text(counted(row.steps, "step", "steps"), size="2", color_scheme="gray"),
                    rx.text(counted(row.tokens, "token", "tokens"), size="2", color_scheme="gray"),
                    rx.text(
                        counted(
                            row.tool_calls.to(list[ToolCallRow]).length(), "tool call", "tool calls"
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    wrap="wrap",
                    spacing="3",
                    align="center",
                    as_="span",
                    display="inline-flex",
                ),
                rx.cond(
                    row.summary != "",
                    rx.text(
                        row.summary,
                        size="2",
                        margin_top="0.4em",
                        class_name="run-summary",
                        style=TWO_LINES,
                    ),
                    rx.fragment(),
                ),
                cursor="pointer",
            ),
            rx.vstack(
                rx.cond(
                    row.error != "",
                    rx.callout(row.error, color_scheme="red", size="1"),
                    rx.fragment(),
                ),
                rx.foreach(row.tool_calls.to(list[ToolCallRow]), _tool_call),
                rx.text(
                    "Letta runs: ", rx.code(row.letta_runs, size="1"), size="1", color_scheme="gray"
                ),
                rx.link("Open its trajectory", href="/runs/" + row.id.to(str), size="2"),
                spacing="2",
                padding_top="0.75em",
            ),
        ),
        width="100%",
        class_name="run-row",
    )


def search_bar() -> rx.Component:
    """Enter or Search finds the runs nearest in meaning; Clear goes back to the list."""
    searching = RunsState.searched != ""
    return rx.form(
        rx.flex(
            search_field(
                "Search your runs by meaning",
                "run-search",
                name="query",
                placeholder="Search your runs by meaning",
                max_length=MAX_SEARCH,
            ),
            rx.hstack(
                rx.button("Search", type="submit", loading=searching & RunsState.loading),
                rx.cond(
                    searching,
                    rx.button(
                        rx.icon("x", size=16),
                        "Clear",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        on_click=RunsState.clear_search,
                    ),
                    rx.fragment(),
                ),
                spacing="2",
            ),
            spacing="3",
            wrap="wrap",
            width="100%",
            align="center",
        ),
        on_submit=RunsState.search,
        reset_on_submit=False,
        role="search",
        width="100%",
    )


def listing() -> rx.Component:
    searching = RunsState.searched != ""
    return rx.cond(
        RunsState.rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.cond(
                searching,
                rx.text(
                    "Nearest in meaning to “",
                    RunsState.searched,
                    "”",
                    size="2",
                    color_scheme="gray",
                    id="run-search-caption",
                ),
                rx.fragment(),
            ),
            rx.foreach(RunsState.rows, _run),
            rx.cond(
                RunsState.has_more,
                rx.button(
                    "Load more",
                    on_click=RunsState.load_more,
                    loading=RunsState.loading,
                    variant="soft",
                ),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            RunsState.loading,
            rx.center(
                rx.spinner(size="3"),
                padding="3em",
                role="status",
                aria_label=rx.cond(searching, "Searching your runs", "Loading your runs"),
            ),
            rx.cond(
                searching,
                empty_state(
                    "search-x",
                    "No runs match",
                    "None of your finished runs is close in meaning to that. Try other words, "
                    "or clear the search to see every run.",
                ),
                empty_state(
                    "activity",
                    "No runs yet",
                    "Every turn an agent takes — its steps, tool calls, timings and tokens — is listed here.",
                ),
            ),
        ),
    )


def runs_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.hstack(
                rx.heading("Agent runs", size="7", as_="h1"),
                rx.spacer(),
                export_button("/export/runs.jsonl", "dsf-runs.jsonl"),
                width="100%",
                align="center",
            ),
            search_bar(),
            listing(),
            on_mount=RunsState.load,
            spacing="4",
            width="100%",
        ),
    )
