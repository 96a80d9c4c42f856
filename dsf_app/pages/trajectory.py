"""One run's trajectory: every step in order as a timeline drawn to scale — model requests
with tokens and latency, reasoning, tool calls with arguments, results and status, delegations
nested under their call, retrievals — and the run as a JSONL download."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar

from dsf_app.components.empty_state import not_found_state
from dsf_app.components.export_button import export_button
from dsf_app.components.layout import page_shell
from dsf_app.components.matching import pick
from dsf_app.components.page_parts import back_link
from dsf_app.components.url_page import url_page_view
from dsf_app.state.trajectory import StepView, TrajectoryState

ROUTE = "/runs/[run_id]"
ON_LOAD = [TrajectoryState.load]
T = TrajectoryState
LABEL_WIDTH = "17em"
# On a phone the bar takes a row of its own under the label and the duration.
ROW_COLUMNS = rx.breakpoints(
    initial="minmax(0, 1fr) 4.5em", sm=f"{LABEL_WIDTH} minmax(6em, 1fr) 5.5em"
)
DETAIL_STYLE = {
    "whiteSpace": "pre-wrap",
    "overflowWrap": "anywhere",
    "maxWidth": "100%",
    "fontSize": "var(--font-size-1)",
    "background": "var(--gray-3)",
    "padding": "0.5em 0.75em",
    "borderRadius": "var(--radius-2)",
}
KIND_COLORS: dict[str, ColorType] = {
    "model": "cyan",
    "reasoning": "gray",
    "message": "grass",
    "tool": "violet",
    "retrieval": "amber",
}


def step_row(step: ObjectVar[StepView]) -> rx.Component:
    color = pick(step.kind, KIND_COLORS, "gray")
    return rx.el.li(
        rx.el.details(
            rx.el.summary(
                rx.grid(
                    rx.hstack(
                        rx.badge(step.kind, color_scheme=color, variant="soft", size="1"),
                        rx.text(step.label, size="2", weight="medium", trim="both"),
                        rx.cond(
                            step.status != "",
                            rx.badge(
                                step.status,
                                color_scheme=rx.cond(step.failed, "red", "gray"),
                                variant=rx.cond(step.failed, "solid", "outline"),
                                size="1",
                                class_name="dsf-step-status",
                            ),
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                        padding_left=(step.depth.to(int) * 1.5).to_string() + "em",
                        min_width="0",
                    ),
                    rx.box(
                        rx.box(
                            class_name="dsf-step-bar",
                            background=rx.color(color, 9),
                            height="0.9em",
                            border_radius="2px",
                            margin_left=step.left,
                            width=step.width,
                            min_width="2px",
                        ),
                        width="100%",
                        background=rx.color("gray", 3),
                        border_radius="2px",
                        aria_hidden="true",
                        grid_column=rx.breakpoints(initial="1 / -1", sm="auto"),
                        order=rx.breakpoints(initial="1", sm="0"),
                    ),
                    rx.text(step.duration, size="1", color_scheme="gray", text_align="right"),
                    columns=ROW_COLUMNS,
                    gap="0.75em",
                    align="center",
                    width="100%",
                ),
                cursor="pointer",
                style={"listStyle": "none"},
            ),
            rx.box(
                rx.cond(step.facts != "", rx.text(step.facts, size="1", color_scheme="gray")),
                rx.cond(
                    step.detail != "",
                    # Plain preformatted text: what the agent and the tools said, as text.
                    rx.el.pre(
                        rx.el.code(step.detail),
                        class_name="dsf-step-detail",
                        style=DETAIL_STYLE,
                    ),
                ),
                padding_left=(step.depth.to(int) * 1.5 + 0.5).to_string() + "em",
                padding_y="0.4em",
            ),
        ),
        class_name="dsf-step",
        data_kind=step.kind,
        data_depth=step.depth,
        style={
            "listStyle": "none",
            "padding": "0.3em 0",
            "borderBottom": "1px solid var(--gray-4)",
        },
    )


def header() -> rx.Component:
    return rx.vstack(
        back_link("All runs", "/runs"),
        rx.heading("Trajectory", size="7"),
        rx.flex(
            rx.badge(T.agent, variant="outline"),
            rx.badge(T.stop_reason),
            rx.text(T.started, size="2"),
            rx.text(T.total, size="2", color_scheme="gray", id="trajectory-total"),
            rx.text(T.tokens, size="2", color_scheme="gray"),
            rx.spacer(),
            export_button("/export/runs.jsonl?run=" + T.run_key, "dsf-run.jsonl", size="1"),
            gap="0.75em",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        rx.cond(T.error != "", rx.callout(T.error, color_scheme="red", size="1")),
        spacing="2",
        width="100%",
    )


def timeline() -> rx.Component:
    return rx.cond(
        T.steps.length() > 0,
        rx.el.ol(
            rx.foreach(T.steps, step_row),
            id="trajectory",
            aria_label="Steps of this run, in order",
            style={"padding": 0, "margin": 0, "width": "100%"},
        ),
        rx.text(
            "No steps were recorded for this run (runs from before trajectories were kept "
            "have none).",
            color_scheme="gray",
        ),
    )


def trajectory_page() -> rx.Component:
    return page_shell(
        url_page_view(
            T,
            loading=rx.center(rx.spinner(size="3"), padding="3em"),
            found=rx.vstack(header(), timeline(), spacing="4", width="100%"),
            not_found=not_found_state("activity", "run"),
        )
    )
