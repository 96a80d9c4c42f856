"""Changing the kind of several Codex entries at once: a box on each entry card the person may
edit, and, while some are selected, a bar saying how many with a button per kind."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.models import CodexKind
from dsf_app.state.codex import CodexState, EntryRow

S = CodexState
KINDS = [kind.value for kind in CodexKind]


def select_box(row: ObjectVar[EntryRow]) -> rx.Component:
    """Selects the entry for a change of kind with others, for those who may edit."""
    return rx.cond(
        S.can_edit & ~row.readonly & (row.note == ""),
        rx.checkbox(
            checked=S.selected.contains(row.id),
            on_change=lambda _: S.toggle_selected(row.id),
            aria_label="Select " + row.name.to(str),
            class_name="dsf-entry-select",
        ),
    )


def kind_bar() -> rx.Component:
    """With entries selected: how many, and a kind to give them all."""
    return rx.cond(
        S.selected.length() > 0,
        rx.callout.root(
            rx.flex(
                rx.text(S.selected.length().to_string() + " selected", weight="medium"),
                rx.text("Make them", size="2"),
                rx.foreach(
                    KINDS,
                    lambda kind: rx.button(
                        kind, size="1", variant="soft", on_click=S.change_kind(kind)
                    ),
                ),
                gap="2",
                wrap="wrap",
                align="center",
            ),
            id="codex-kind-bar",
            width="100%",
        ),
    )
