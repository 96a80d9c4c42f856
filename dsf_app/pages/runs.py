"""The runs page: every agent turn, with its steps, tool calls, tokens and errors."""

from __future__ import annotations

import reflex as rx

from dsf_app.components.empty_state import empty_state
from dsf_app.components.layout import page_shell
from dsf_app.state.runs import RunRow, RunsState, ToolCallRow

ROUTE = "/runs"
STOP_COLORS = {"end_turn": "green", "error": "red", "cancelled": "amber", "max_steps": "orange"}


def _stop_badge(reason: rx.Var[str]) -> rx.Component:
    return rx.match(
        reason,
        *[(name, rx.badge(name, color_scheme=color)) for name, color in STOP_COLORS.items()],
        rx.badge(reason, color_scheme="gray"),
    )


def _tool_call(call: rx.Var[ToolCallRow]) -> rx.Component:
    return rx.hstack(
        rx.code(call.name, size="1"),
        rx.badge(
            call.status, color_scheme=rx.cond(call.status == "success", "green", "red"), size="1"
        ),
        rx.text(call.duration_ms.to_string() + " ms", size="1", color_scheme="gray"),
        spacing="2",
        align="center",
    )


def _run(row: rx.Var[RunRow]) -> rx.Component:
    return rx.card(
        rx.el.details(
            rx.el.summary(
                rx.hstack(
                    rx.badge(row.agent, variant="outline"),
                    _stop_badge(row.stop_reason),
                    rx.text(row.started, size="2"),
                    rx.text(row.duration, size="2", color_scheme="gray"),
                    rx.text(row.steps.to_string() + " steps", size="2", color_scheme="gray"),
                    rx.text(row.tokens.to_string() + " tokens", size="2", color_scheme="gray"),
                    rx.text(
                        row.tool_calls.length().to_string() + " tool calls",
                        size="2",
                        color_scheme="gray",
                    ),  # type: ignore[attr-defined]
                    wrap="wrap",
                    spacing="3",
                    align="center",
                    as_="span",
                    display="inline-flex",
                ),
                cursor="pointer",
            ),
            rx.vstack(
                rx.cond(
                    row.error != "",
                    rx.callout(row.error, color_scheme="red", size="1"),
                    rx.fragment(),
                ),
                rx.foreach(row.tool_calls, _tool_call),
                rx.text(
                    "Letta runs: ", rx.code(row.letta_runs, size="1"), size="1", color_scheme="gray"
                ),
                spacing="2",
                padding_top="0.75em",
            ),
        ),
        width="100%",
        class_name="run-row",
    )


def runs_page() -> rx.Component:
    return page_shell(
        rx.box(
            rx.heading("Agent runs", size="7", margin_bottom="0.5em"),
            rx.cond(
                RunsState.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
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
                    rx.center(rx.spinner(size="3"), padding="3em"),
                    empty_state(
                        "activity",
                        "No runs yet",
                        "Every turn an agent takes — its steps, tool calls, timings and tokens — is listed here.",
                    ),
                ),
            ),
            on_mount=RunsState.load,
            width="100%",
        ),
    )
