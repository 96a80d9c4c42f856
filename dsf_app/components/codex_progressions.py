"""The entry page's "In the stories" section: how the entry changes from a story part on, and,
for the world's writers, the form that adds such a change and the buttons that take one back.
Values are what a writer or an imported world wrote: plain text, never markup."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.state.codex import Option
from dsf_app.state.codex_entry import CodexEntryState
from dsf_app.state.codex_progressions import CodexProgressionsState
from dsf_app.state.progression_rows import FIELD_CHOICES, MODE_CHOICES, ProgressionRow

E = CodexEntryState
P = CodexProgressionsState


def _row(row: ObjectVar[ProgressionRow]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text("From ", size="2", color_scheme="gray"),
                rx.link(row.where, href=row.href, size="2", weight="medium"),
                rx.cond(row.date != "", rx.badge(row.date, variant="outline", size="1")),
                rx.text(" on", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.cond(
                    E.can_edit,
                    rx.icon_button(
                        rx.icon("x", size=12),
                        size="1",
                        variant="ghost",
                        color_scheme="red",
                        aria_label="Take back this change from " + row.where.to(str),
                        on_click=P.remove_progression(row.id),
                    ),
                ),
                spacing="1",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            rx.text(
                rx.text.strong(row.change, ": "),
                row.value,
                size="2",
                white_space="pre-wrap",
                overflow_wrap="anywhere",
            ),
            spacing="1",
            width="100%",
        ),
        class_name="dsf-progression",
        style={"listStyle": "none", "borderLeft": f"2px solid {rx.color('cyan', 7)}"},
        padding_left="0.75em",
    )


def _choice(option: ObjectVar[Option]) -> rx.Component:
    return rx.select.item(option.label, value=option.value)


def _select(name: str, label: str, options: list[Option]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label),
        rx.select.content(*(rx.select.item(o.label, value=o.value) for o in options)),
        name=name,
        default_value=options[0].value,
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Add a change", size="2", weight="medium"),
            rx.flex(
                rx.select.root(
                    rx.select.trigger(
                        placeholder="From which part on", aria_label="The part it changes from"
                    ),
                    rx.select.content(rx.foreach(E.part_choices, _choice)),
                    name="part",
                ),
                _select("field", "What changes", FIELD_CHOICES),
                _select("mode", "How it changes", MODE_CHOICES),
                spacing="2",
                wrap="wrap",
            ),
            rx.text_area(
                name="value",
                placeholder="e.g. A scar runs from her left ear to her jaw.",
                aria_label="The new text",
                rows="3",
                max_length=50_000,
                width="100%",
            ),
            rx.button("Add change", type="submit", variant="soft", id="add-progression"),
            spacing="2",
            width="100%",
        ),
        on_submit=P.add_progression,
        reset_on_submit=True,
        id="progression-form",
    )


def progressions_view() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading("In the stories", size="4", as_="h2"),
            rx.text(
                "What changes from a part on, on the branches that continue from it; the World "
                "Agent and the reader see the entry as it is at the part they are at.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                E.progressions.length() > 0,
                rx.el.ul(
                    rx.foreach(E.progressions, _row),
                    style={"padding": 0, "margin": 0, "display": "grid", "gap": "0.5em"},
                ),
                rx.text("It does not change in any story yet.", color_scheme="gray", size="2"),
            ),
            rx.cond(E.can_edit & (E.part_choices.length() > 0), _form()),
            spacing="2",
            width="100%",
        ),
        id="progressions",
        style={"width": "100%"},
    )
