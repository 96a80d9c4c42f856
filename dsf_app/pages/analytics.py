"""The Analytics page: the person's turns per day, turn latency (p50, p95), tokens per day by
agent kind, tool calls and error rate by tool, and evaluation scores over time — charts drawn
with Reflex's recharts components, each with its figures in a table beneath — filtered by world
and date range."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ArrayVar

from dsf_app.components.layout import page_shell
from dsf_app.state.analytics import AnalyticsState

ROUTE = "/analytics"
A = AnalyticsState
HEIGHT = 240
COLORS: dict[str, ColorType] = {"user": "cyan", "world": "violet", "experience": "amber"}
SCORE_COLORS: dict[str, ColorType] = {
    "consistency": "grass",
    "quality": "cyan",
    "information_gain": "violet",
}
LATENCY_COLORS: dict[str, ColorType] = {"p50": "cyan", "p95": "amber"}
Rows = ArrayVar[Sequence[dict[str, Any]]]


def _axes(key: str) -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 6)),
        rx.recharts.x_axis(data_key=key, stroke=rx.color("gray", 9)),
        rx.recharts.graphing_tooltip(),
    ]


def _figures(items: Rows, columns: list[tuple[str, str]]) -> rx.Component:
    """The chart's numbers as a table, for screen readers and for checking."""
    return rx.el.details(
        rx.el.summary(rx.text("Figures", size="1", color_scheme="gray")),
        rx.el.table(
            rx.el.thead(rx.el.tr(*(rx.el.th(label) for _, label in columns))),
            rx.el.tbody(
                rx.foreach(
                    items,
                    lambda row: rx.el.tr(*(rx.el.td(row[key]) for key, _ in columns)),
                )
            ),
            class_name="dsf-figures",
            style={"fontSize": "var(--font-size-1)", "width": "100%"},
        ),
    )


def chart_card(
    title: str, chart_id: str, items: Rows, chart: rx.Component, columns: list[tuple[str, str]]
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3", as_="h2"),
            rx.cond(
                items.length() > 0,
                rx.vstack(chart, _figures(items, columns), width="100%", spacing="2"),
                rx.text("Nothing in this range.", size="2", color_scheme="gray"),
            ),
            width="100%",
            spacing="2",
        ),
        id=chart_id,
        width="100%",
    )


def _bar(key: str, color: ColorType, **props: Any) -> rx.Component:
    return rx.recharts.bar(
        rx.recharts.label_list(data_key=key, position="top", fill=rx.color("gray", 11)),
        data_key=key,
        fill=rx.color(color, 9),
        is_animation_active=False,
        **props,
    )


def turns_chart() -> rx.Component:
    return chart_card(
        "Turns per day",
        "chart-turns",
        A.turns,
        rx.recharts.bar_chart(
            _bar("turns", "cyan"),
            *_axes("day"),
            rx.recharts.y_axis(allow_decimals=False),
            data=A.turns,
            width="100%",
            height=HEIGHT,
        ),
        [("day", "Day"), ("turns", "Turns")],
    )


def latency_chart() -> rx.Component:
    return chart_card(
        "Turn latency (seconds)",
        "chart-latency",
        A.latency,
        rx.recharts.line_chart(
            *(
                rx.recharts.line(
                    data_key=key,
                    name=key,
                    stroke=rx.color(color, 9),
                    is_animation_active=False,
                )
                for key, color in LATENCY_COLORS.items()
            ),
            *_axes("day"),
            rx.recharts.y_axis(unit=" s"),
            rx.recharts.legend(),
            data=A.latency,
            width="100%",
            height=HEIGHT,
        ),
        [("day", "Day"), ("p50", "p50 (s)"), ("p95", "p95 (s)")],
    )


def tokens_chart() -> rx.Component:
    return chart_card(
        "Tokens per day by agent",
        "chart-tokens",
        A.tokens,
        rx.recharts.bar_chart(
            *(
                rx.recharts.bar(
                    data_key=kind,
                    name=f"{kind} agent",
                    stack_id="tokens",
                    fill=rx.color(color, 9),
                    is_animation_active=False,
                )
                for kind, color in COLORS.items()
            ),
            *_axes("day"),
            rx.recharts.y_axis(),
            rx.recharts.legend(),
            data=A.tokens,
            width="100%",
            height=HEIGHT,
        ),
        [
            ("day", "Day"),
            ("user", "User agent"),
            ("world", "World agent"),
            ("experience", "Experience agent"),
        ],
    )


def tools_chart() -> rx.Component:
    return chart_card(
        "Tool calls and error rate by tool",
        "chart-tools",
        A.tools,
        rx.recharts.composed_chart(
            _bar("calls", "violet", y_axis_id="calls", name="calls"),
            rx.recharts.line(
                data_key="error_rate",
                name="error rate (%)",
                y_axis_id="rate",
                stroke=rx.color("red", 9),
                is_animation_active=False,
            ),
            *_axes("tool"),
            rx.recharts.y_axis(y_axis_id="calls", allow_decimals=False),
            rx.recharts.y_axis(y_axis_id="rate", orientation="right", unit="%", domain=[0, 100]),
            rx.recharts.legend(),
            data=A.tools,
            width="100%",
            height=HEIGHT,
        ),
        [
            ("tool", "Tool"),
            ("calls", "Calls"),
            ("errors", "Errors"),
            ("error_rate", "Error rate (%)"),
        ],
    )


def scores_chart() -> rx.Component:
    return chart_card(
        "Evaluation scores over time (0 to 100)",
        "chart-scores",
        A.scores,
        rx.recharts.line_chart(
            *(
                rx.recharts.line(
                    data_key=kind,
                    name=kind.replace("_", " "),
                    stroke=rx.color(color, 9),
                    connect_nulls=True,
                    is_animation_active=False,
                )
                for kind, color in SCORE_COLORS.items()
            ),
            *_axes("day"),
            rx.recharts.y_axis(domain=[0, 100]),
            rx.recharts.legend(),
            data=A.scores,
            width="100%",
            height=HEIGHT,
        ),
        [
            ("day", "Day"),
            ("consistency", "Consistency"),
            ("quality", "Quality"),
            ("information_gain", "Novelty"),
        ],
    )


def filters() -> rx.Component:
    field = {
        "padding": "0.35em 0.6em",
        "borderRadius": "var(--radius-2)",
        "background": "var(--gray-3)",
        "color": "var(--gray-12)",
        "border": "1px solid var(--gray-7)",
    }

    def labelled(label: str, control_id: str, control: rx.Component) -> rx.Component:
        return rx.vstack(
            rx.el.label(rx.text(label, size="2"), html_for=control_id), control, spacing="1"
        )

    return rx.form(
        rx.flex(
            labelled(
                "World",
                "analytics-world",
                rx.el.select(
                    rx.el.option("All worlds", value=""),
                    rx.foreach(A.worlds, lambda w: rx.el.option(w.name, value=w.id)),
                    id="analytics-world",
                    name="world",
                    default_value=A.world,
                    style=field,
                ),
            ),
            labelled(
                "From",
                "analytics-since",
                rx.el.input(
                    type="date",
                    id="analytics-since",
                    name="since",
                    default_value=A.since,
                    key=A.since,
                    style=field,
                ),
            ),
            labelled(
                "To",
                "analytics-until",
                rx.el.input(
                    type="date",
                    id="analytics-until",
                    name="until",
                    default_value=A.until,
                    key=A.until,
                    style=field,
                ),
            ),
            rx.button("Show", type="submit", loading=A.loading),
            gap="0.75em",
            align="end",
            wrap="wrap",
        ),
        on_submit=A.apply,
        reset_on_submit=False,
        aria_label="Analytics filters",
    )


def stat(label: str, value: rx.Var, stat_id: str) -> rx.Component:
    return rx.card(
        rx.text(label, size="1", color_scheme="gray"),
        rx.heading(value, size="6", id=stat_id),
        min_width="10em",
    )


def analytics_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Analytics", size="7"),
            rx.text(
                "Your agents' turns, what they cost and how their work was judged.",
                color_scheme="gray",
            ),
            filters(),
            rx.flex(
                stat("Turns", A.total_turns, "stat-turns"),
                stat("Tokens", A.total_tokens, "stat-tokens"),
                stat("Tool calls", A.total_tool_calls, "stat-tool-calls"),
                stat("Tool error rate", A.tool_error_rate, "stat-error-rate"),
                gap="0.75em",
                wrap="wrap",
            ),
            rx.grid(
                turns_chart(),
                latency_chart(),
                tokens_chart(),
                tools_chart(),
                scores_chart(),
                columns=rx.breakpoints(initial="1", lg="2"),
                gap="1em",
                width="100%",
            ),
            on_mount=A.load,
            spacing="4",
            width="100%",
        )
    )
