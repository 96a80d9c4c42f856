"""A world's history: the changelog with version numbers (newest first, a page at a time), a
side-by-side diff of any two stored versions, and restoring one of them as a new version."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import ObjectVar

from dsf_app.components.evaluations import version_summaries
from dsf_app.components.forms import dialog_actions, form_error
from dsf_app.components.matching import pick
from dsf_app.state.world import ChangeView, DiffView, WorldPageState
from dsf_app.state.world_versions import WorldVersionsState

S = WorldPageState
V = WorldVersionsState
CHANGE_COLORS = {"added": "grass", "removed": "red"}


def change_entry(entry: ObjectVar[ChangeView]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.badge("v" + entry.version.to_string(), variant="solid"),
                rx.badge(
                    entry.author,
                    variant="soft",
                    color_scheme=rx.cond(entry.author == "person", "cyan", "violet"),
                ),
                rx.code(
                    entry.what, size="1", overflow_wrap="anywhere", class_name="dsf-change-what"
                ),
                rx.text(entry.at, size="1", color_scheme="gray"),
                wrap="wrap",
                spacing="2",
                align="center",
            ),
            rx.text(entry.reason, size="2", overflow_wrap="anywhere"),
            spacing="1",
        ),
        class_name="dsf-change",
        style={
            "listStyle": "none",
            "padding": "0.6em 0",
            "borderBottom": "1px solid var(--gray-5)",
        },
    )


def changelog() -> rx.Component:
    return rx.vstack(
        rx.heading("Changelog", size="5", as_="h2"),
        rx.cond(
            S.changelog.length() > 0,
            rx.el.ol(
                rx.foreach(S.changelog, change_entry),
                id="changelog",
                style={"padding": 0, "margin": 0, "width": "100%"},
            ),
            rx.text(
                "No changes yet: edits by you and the agents are listed here, newest first.",
                color_scheme="gray",
                size="2",
            ),
        ),
        rx.cond(
            S.changelog_more,
            rx.button("Show older changes", variant="soft", on_click=V.show_more_changes),
        ),
        spacing="3",
        width="100%",
    )


def _side(text: rx.Var, background: rx.Var, class_name: str) -> rx.Component:
    """One version's value in the diff (a dash where it has none)."""
    return rx.text(
        rx.cond(text != "", text, "—"),
        background=background,
        class_name=class_name,
        white_space="pre-wrap",
        overflow_wrap="anywhere",
        padding="0.5em",
        border_radius="var(--radius-2)",
        size="2",
    )


def diff_row(row: ObjectVar[DiffView]) -> rx.Component:
    color = pick(row.change, CHANGE_COLORS, "amber")
    return rx.box(
        rx.hstack(
            rx.code(row.path, size="1", overflow_wrap="anywhere"),
            rx.badge(row.change, color_scheme=color, variant="soft"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            _side(
                row.left,
                rx.cond(row.change == "added", "transparent", rx.color("red", 3)),
                "dsf-diff-left",
            ),
            _side(
                row.right,
                rx.cond(row.change == "removed", "transparent", rx.color("grass", 3)),
                "dsf-diff-right",
            ),
            columns="2",
            spacing="2",
            width="100%",
        ),
        class_name="dsf-diff-row",
        width="100%",
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def version_select(
    label: str, control_id: str, value: rx.Var[str], on_change: EventCallback[str]
) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2"), html_for=control_id),
        rx.el.select(
            rx.foreach(S.version_options, lambda v: rx.el.option("Version " + v, value=v)),
            id=control_id,
            value=value,
            on_change=on_change,
            class_name="rt-reset",
            style={
                "padding": "0.4em 0.6em",
                "borderRadius": "var(--radius-2)",
                "background": "var(--gray-3)",
                "color": "var(--gray-12)",
                "border": "1px solid var(--gray-7)",
            },
        ),
        spacing="1",
    )


def diff_view() -> rx.Component:
    return rx.vstack(
        rx.heading("Compare versions", size="5", as_="h2"),
        rx.flex(
            version_select("From version", "diff-from", S.diff_left, S.set_diff_left),
            version_select("To version", "diff-to", S.diff_right, S.set_diff_right),
            rx.button("Compare", on_click=S.compare, id="compare-versions"),
            rx.cond(
                S.can_edit & (S.diff_left != S.version.to_string()),
                rx.button(
                    rx.icon("history", size=14),
                    "Restore version " + S.diff_left,
                    variant="soft",
                    on_click=V.ask_restore,
                    id="restore-version",
                ),
            ),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        version_summaries(S.diff_left, S.diff_right),
        rx.cond(
            S.diff_checked,
            rx.cond(
                S.diff_rows.length() > 0,
                rx.vstack(
                    rx.grid(
                        rx.text("Version " + S.diff_left, weight="bold", size="2"),
                        rx.text("Version " + S.diff_right, weight="bold", size="2"),
                        columns="2",
                        spacing="2",
                        width="100%",
                    ),
                    rx.foreach(S.diff_rows, diff_row),
                    spacing="0",
                    width="100%",
                    id="version-diff",
                ),
                rx.text("These two versions are the same.", color_scheme="gray", size="2"),
            ),
            rx.cond(
                S.version_options.length() < 2,
                rx.text(
                    "Only one version so far: change the world and compare the versions here.",
                    color_scheme="gray",
                    size="2",
                ),
            ),
        ),
        spacing="3",
        width="100%",
    )


def restore_dialog() -> rx.Component:
    version = V.restore_version.to_string()
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Restore version " + version + "?"),
            rx.dialog.description(
                "The world becomes again what it was at version "
                + version
                + " — its name, description, foundation, surface and constraints — as a new "
                "version "
                + (S.version + 1).to_string()
                + ". Nothing is lost: every version stays in the history, so this can be undone "
                "the same way.",
                size="2",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(rx.text("Reason", size="2"), html_for="restore-reason"),
                    rx.input(
                        id="restore-reason",
                        name="reason",
                        placeholder="Why go back (kept in the changelog)",
                        width="100%",
                    ),
                    form_error(V.restore_error),
                    dialog_actions("Restore", id="confirm-restore"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=V.restore,
            ),
            max_width="min(34em, 94vw)",
        ),
        open=V.restore_open,
        on_open_change=V.set_restore_open,
    )
