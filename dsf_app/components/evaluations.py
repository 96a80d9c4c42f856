"""Evaluations on the page: the three checks of a segment in the reader's margin (buttons, then
each result newest first with its score, time and model), and the summaries of a version diff
on the world page."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar

from dsf_app.components.matching import pick
from dsf_app.state.evaluations import (
    EvaluationError,
    EvaluationView,
    NoteLine,
    StoryEvaluationsState,
    VersionComparisonState,
)
from dsf_app.state.story import SegmentView

E = StoryEvaluationsState
MARK_COLORS: dict[str, ColorType] = {
    "applies": "grass",
    "strains": "amber",
    "violates": "red",
    "score": "cyan",
    "new": "cyan",
    "challenges": "amber",
    "rule": "amber",
    "question": "violet",
    "segment": "violet",
}
# kind, label, icon, and the accessible name around the part's number
BUTTONS = (
    ("consistency", "Check against the world", "scale", ("Check against the world: part ", "")),
    ("quality", "Assess", "gauge", ("Assess part ", "")),
    ("information_gain", "What's new", "sparkles", ("What's new in part ", "")),
)


def note_line(line: ObjectVar[NoteLine]) -> rx.Component:
    return rx.el.li(
        rx.text(
            rx.badge(
                line.head,
                color_scheme=pick(line.mark, MARK_COLORS, "gray"),
                variant="soft",
                size="1",
            ),
            " ",
            line.text,
            size="1",
            overflow_wrap="anywhere",
        ),
        class_name="dsf-evaluation-line",
        style={"listStyle": "none", "marginTop": "0.25em"},
    )


def evaluation_card(item: ObjectVar[EvaluationView]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(item.title, size="1", weight="bold"),
            rx.text(item.target, size="1", color_scheme="gray"),
            rx.cond(
                item.score != "",
                rx.badge(item.score, variant="solid", size="1", class_name="dsf-evaluation-score"),
            ),
            wrap="wrap",
            spacing="2",
            align="center",
        ),
        rx.text(item.when, " · ", item.by, size="1", color_scheme="gray"),
        rx.cond(item.summary != "", rx.text(item.summary, size="1", margin_top="0.25em")),
        rx.el.ul(rx.foreach(item.lines, note_line), style={"padding": 0, "margin": 0}),
        class_name="dsf-evaluation",
        data_kind=item.kind,
        style={"paddingTop": "0.5em", "borderTop": f"1px solid {rx.color('gray', 5)}"},
    )


def _error(error: ObjectVar[EvaluationError], segment_id: rx.Var[str]) -> rx.Component:
    return rx.cond(
        error.segment_id == segment_id,
        rx.callout(
            error.message,
            icon="triangle-alert",
            color_scheme="red",
            size="1",
            role="alert",
            class_name="dsf-evaluation-error",
        ),
    )


def segment_evaluations(segment: ObjectVar[SegmentView]) -> rx.Component:
    """The segment's checks: a button per evaluator, failures, then results newest first."""
    buttons = [
        rx.button(
            rx.icon(icon, size=12),
            label,
            size="1",
            variant="soft",
            loading=E.running.contains(segment.id.to(str) + ":" + kind),
            aria_label=aria[0] + segment.position.to_string() + aria[1],
            on_click=E.evaluate(segment.id, kind),
        )
        for kind, label, icon, aria in BUTTONS
    ]
    return rx.el.section(
        rx.vstack(
            rx.text(
                "Evaluations",
                size="1",
                color_scheme="gray",
                text_transform="uppercase",
                letter_spacing="0.06em",
            ),
            rx.flex(*buttons, wrap="wrap", gap="0.4em"),
            rx.foreach(E.errors, lambda error: _error(error, segment.id)),
            rx.foreach(
                E.items,
                lambda item: rx.cond(item.segment_id == segment.id, evaluation_card(item)),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="dsf-segment-evaluations",
        aria_label="Evaluations of part " + segment.position.to_string(),
        style={"borderLeft": f"2px solid {rx.color('gray', 6)}", "paddingLeft": "0.75em"},
    )


def version_summaries(from_version: rx.Var[str], to_version: rx.Var[str]) -> rx.Component:
    """Under the version diff: explain the picked versions, then earlier explanations."""
    V = VersionComparisonState
    return rx.vstack(
        rx.button(
            rx.icon("message-square-text", size=14),
            "Explain the change",
            variant="soft",
            loading=V.running,
            on_click=V.explain(from_version, to_version),
            id="explain-versions",
        ),
        rx.cond(
            V.error != "",
            rx.callout(V.error, icon="triangle-alert", color_scheme="red", role="alert"),
        ),
        rx.box(
            rx.foreach(V.items, evaluation_card),
            id="version-summaries",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )
