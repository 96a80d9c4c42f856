"""A world's foundation laid out to read — premise, rules, technology, history, geography,
culture, constraints, open questions — with an Edit button per section (or item) for people who
may change the world, and the one editor dialog those buttons open."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import ObjectVar

from dsf_app.choices import choices
from dsf_app.components.forms import form_error, labelled, text_control
from dsf_app.components.matching import as_component, pick
from dsf_app.state.world import EventView, RuleView, TechView, WorldPageState
from dsf_app.state.world_foundation import FoundationEditorState
from dsf_app.world_schema import Rule, TechnologySystem

S = WorldPageState
E = FoundationEditorState
SCOPES = list(choices(Rule, "scope"))
CERTAINTIES = list(choices(Rule, "certainty"))
SPECULATION = list(choices(TechnologySystem, "speculation"))
CERTAINTY_COLORS = {"tentative": "amber", "established": "blue", "fundamental": "grass"}


def edit_button(label: str, on_click: EventCallback[()], icon: str = "pencil") -> rx.Component:
    return rx.cond(
        S.can_edit,
        rx.button(
            rx.icon(icon, size=14),
            label,
            size="1",
            variant="ghost",
            on_click=on_click,
        ),
    )


def section(
    title: str, anchor: str, *children: rx.Component, action: rx.Component | None = None
) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="5", as_="h2", id=f"{anchor}-heading"),
                rx.spacer(),
                action or rx.fragment(),
                align="center",
                width="100%",
            ),
            *children,
            spacing="3",
            width="100%",
        ),
        id=anchor,
        aria_labelledby=f"{anchor}-heading",
        class_name="dsf-foundation-section",
        style={"width": "100%", "minWidth": "0"},
    )


def nothing_yet(text: str = "Nothing here yet.") -> rx.Component:
    return rx.text(text, color_scheme="gray", size="2", font_style="italic")


def prose(value: rx.Var[str], empty: str = "Nothing here yet.") -> rx.Component:
    return rx.cond(
        value != "",
        rx.text(value, white_space="pre-wrap", overflow_wrap="anywhere"),
        nothing_yet(empty),
    )


def bullet_list(items: rx.Var, empty: str = "None yet.") -> rx.Component:
    items = items.to(list[str])
    return rx.cond(
        items.length() > 0,
        rx.el.ul(
            rx.foreach(items, lambda item: rx.el.li(rx.text(item, overflow_wrap="anywhere"))),
            style={"paddingLeft": "1.25em", "margin": 0, "display": "grid", "gap": "0.35em"},
        ),
        nothing_yet(empty),
    )


def labelled_list(label: str, items: rx.Var) -> rx.Component:
    items = items.to(list[str])
    return rx.cond(
        items.length() > 0,
        rx.box(
            rx.text(
                label, size="1", weight="bold", color_scheme="gray", text_transform="uppercase"
            ),
            bullet_list(items),
        ),
    )


def rule_card(rule: ObjectVar[RuleView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(rule.statement, weight="medium", overflow_wrap="anywhere", flex="1"),
                edit_button("Edit", E.edit_item("rules", rule.index)),
                align="start",
                width="100%",
            ),
            rx.hstack(
                rx.badge("scope: " + rule.scope.to(str), variant="soft", color_scheme="cyan"),
                rx.badge(
                    rule.certainty,
                    variant="soft",
                    color_scheme=pick(rule.certainty, CERTAINTY_COLORS, "blue"),
                ),
                wrap="wrap",
                spacing="2",
            ),
            labelled_list("Implications", rule.implications),
            labelled_list("Exceptions", rule.exceptions),
            spacing="2",
            width="100%",
        ),
        class_name="dsf-rule",
        width="100%",
    )


def tech_card(tech: ObjectVar[TechView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(tech.name, size="3", as_="h3", flex="1", overflow_wrap="anywhere"),
                edit_button("Edit", E.edit_item("technology", tech.index)),
                align="start",
                width="100%",
            ),
            rx.badge(tech.speculation, variant="outline", color_scheme="violet"),
            rx.cond(
                tech.how_it_works != "",
                rx.box(
                    rx.text(
                        "How it works",
                        size="1",
                        weight="bold",
                        color_scheme="gray",
                        text_transform="uppercase",
                    ),
                    rx.text(tech.how_it_works, white_space="pre-wrap", overflow_wrap="anywhere"),
                ),
            ),
            labelled_list("Limits", tech.limits),
            spacing="2",
            width="100%",
        ),
        class_name="dsf-technology",
        width="100%",
    )


def timeline_item(event: ObjectVar[EventView]) -> rx.Component:
    edit = edit_button("Edit", E.edit_item("timeline", event.index))
    return rx.el.li(
        rx.hstack(
            rx.box(
                width="0.75em",
                height="0.75em",
                border_radius="50%",
                background=rx.color("cyan", 9),
                margin_top="0.35em",
                flex_shrink="0",
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(
                        rx.cond(event.when != "", event.when, "—"),
                        weight="bold",
                        color=rx.color("cyan", 11),
                    ),
                    rx.spacer(),
                    rx.cond(event.href == "", edit, rx.link("Read it", href=event.href, size="2")),
                    width="100%",
                ),
                rx.text(event.event, weight="medium", overflow_wrap="anywhere"),
                rx.cond(
                    event.significance != "",
                    rx.text(
                        event.significance,
                        size="2",
                        color_scheme="gray",
                        overflow_wrap="anywhere",
                    ),
                ),
                spacing="1",
                width="100%",
                min_width="0",
            ),
            spacing="3",
            width="100%",
        ),
        class_name="dsf-history-event",
        style={
            "listStyle": "none",
            "borderLeft": f"2px solid {rx.color('gray', 6)}",
            "paddingLeft": "0.75em",
            "paddingBottom": "0.75em",
        },
    )


def foundation_view() -> rx.Component:
    return rx.vstack(
        section(
            "Premise",
            "premise",
            rx.cond(
                S.premise != "",
                rx.blockquote(S.premise, size="4", id="premise-text"),
                nothing_yet("No premise yet."),
            ),
            rx.cond(
                S.focus_areas.length() > 0,
                rx.hstack(
                    rx.text("Deep focus:", size="2", color_scheme="gray"),
                    rx.foreach(S.focus_areas, lambda a: rx.badge(a, variant="surface")),
                    wrap="wrap",
                    spacing="2",
                    align="center",
                ),
            ),
            action=rx.hstack(
                edit_button("Focus areas", E.edit_lines("deep_focus_areas")),
                edit_button("Edit premise", E.edit_text("core_premise")),
                spacing="3",
            ),
        ),
        section(
            "Rules",
            "rules",
            rx.cond(
                S.rules.length() > 0,
                rx.vstack(rx.foreach(S.rules, rule_card), spacing="3", width="100%"),
                nothing_yet("No rules yet."),
            ),
            action=edit_button("Add rule", E.edit_item("rules", -1), "plus"),
        ),
        section(
            "Technology",
            "technology",
            rx.cond(
                S.technology.length() > 0,
                rx.grid(
                    rx.foreach(S.technology, tech_card),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                nothing_yet("No technology systems yet."),
            ),
            action=edit_button("Add system", E.edit_item("technology", -1), "plus"),
        ),
        section(
            "History",
            "history",
            rx.cond(
                S.timeline.length() > 0,
                rx.el.ol(
                    rx.foreach(S.timeline, timeline_item),
                    style={"padding": 0, "margin": 0, "width": "100%"},
                ),
                nothing_yet("No history yet."),
            ),
            action=edit_button("Add event", E.edit_item("timeline", -1), "plus"),
        ),
        rx.grid(
            section(
                "Geography",
                "geography",
                prose(S.geography),
                action=edit_button("Edit", E.edit_text("geography")),
            ),
            section(
                "Culture",
                "culture",
                prose(S.culture),
                action=edit_button("Edit", E.edit_text("culture")),
            ),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="5",
            width="100%",
        ),
        section(
            "Constraints",
            "constraints",
            bullet_list(S.constraints, "No constraints yet."),
            action=edit_button("Edit", E.edit_lines("constraints")),
        ),
        rx.grid(
            section(
                "Open questions",
                "open-questions",
                bullet_list(S.open_questions, "No open questions."),
                action=edit_button("Edit", E.edit_lines("open_questions")),
            ),
            section(
                "Contradictions",
                "contradictions",
                bullet_list(S.contradictions, "No contradictions noted."),
                action=edit_button("Edit", E.edit_lines("contradictions")),
            ),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="5",
            width="100%",
        ),
        spacing="6",
        width="100%",
    )


# ---- the editor ------------------------------------------------------------------------------


def field(label: str, name: str, control: rx.Component, hint: str = "") -> rx.Component:
    return labelled(label, f"edit-{name}", control, hint)


def text_field(label: str, name: str, *, rows: str = "", hint: str = "") -> rx.Component:
    control = text_control(f"edit-{name}", name, E.editor_values[name], rows)
    return field(label, name, control, hint)


def choice_field(label: str, name: str, options: list[str]) -> rx.Component:
    return field(
        label,
        name,
        rx.select(
            options, name=name, default_value=E.editor_values[name], id=f"edit-{name}", width="100%"
        ),
    )


ONE_PER_LINE = "One per line."


def editor_fields() -> rx.Component:
    return as_component(
        rx.match(
            E.editor_kind,
            ("text", text_field("Text", "text", rows="8")),
            ("lines", text_field("Items", "lines", rows="8", hint=ONE_PER_LINE)),
            (
                "rules",
                rx.vstack(
                    text_field("Statement", "statement", rows="2"),
                    rx.grid(
                        choice_field("Scope", "scope", SCOPES),
                        choice_field("Certainty", "certainty", CERTAINTIES),
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    text_field("Implications", "implications", rows="3", hint=ONE_PER_LINE),
                    text_field("Exceptions", "exceptions", rows="2", hint=ONE_PER_LINE),
                    spacing="3",
                    width="100%",
                ),
            ),
            (
                "technology",
                rx.vstack(
                    text_field("Name", "name"),
                    text_field("How it works", "how_it_works", rows="4"),
                    text_field("Limits", "limits", rows="3", hint=ONE_PER_LINE),
                    choice_field("Speculation", "speculation", SPECULATION),
                    spacing="3",
                    width="100%",
                ),
            ),
            (
                "timeline",
                rx.vstack(
                    text_field("Event", "event", rows="2"),
                    text_field("When", "when"),
                    text_field("Significance", "significance", rows="3"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.fragment(),
        )
    )


def editor_dialog() -> rx.Component:
    is_item = rx.Var.create(["rules", "technology", "timeline"]).contains(E.editor_kind)
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(E.editor_title),
            rx.dialog.description(
                "Your change is saved as a new version of the world, with your reason in the "
                "changelog.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    editor_fields(),
                    field(
                        "Reason for the change",
                        "reason",
                        rx.input(
                            id="edit-reason",
                            name="reason",
                            placeholder="Why the world changes (kept in the changelog)",
                            width="100%",
                        ),
                    ),
                    form_error(E.editor_error),
                    rx.hstack(
                        rx.cond(
                            is_item & (E.editor_index >= 0),
                            rx.button(
                                rx.icon("trash-2", size=14),
                                "Remove",
                                type="submit",
                                color_scheme="red",
                                variant="soft",
                                on_click=E.mark_remove,
                            ),
                        ),
                        rx.spacer(),
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save change", type="submit", id="save-edit"),
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=E.save_edit,
            ),
            max_width="min(40em, 94vw)",
        ),
        open=E.editor_open,
        on_open_change=E.set_editor_open,
    )
