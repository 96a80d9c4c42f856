"""The story reader's pieces: a segment set for reading (serif, about 65 characters a line) with
its world-evolution notes in the margin (below it on narrow screens), the branch tree, the
pager, and the segment editor."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar, Var

from dsf_app.components.canvas.render import canvas_view
from dsf_app.state.story import ForkView, OptionView, SegmentView, StoryPageState

S = StoryPageState
SERIF = '"Iowan Old Style", "Palatino Linotype", Palatino, "Book Antiqua", Georgia, serif'
MEASURE = "65ch"
# After the new page has arrived: compiled into the page, so the browser never evaluates a
# string of code (which the Content-Security-Policy forbids).
TO_THE_TOP = rx.run_script(Var("window.scrollTo(0, 0)"))
# Text and margin side by side from Radix's `lg` breakpoint up; stacked below it.
READING_COLUMNS = rx.breakpoints(initial="minmax(0, 1fr)", lg=f"minmax(0, {MEASURE}) 15em")


def note_list(label: str, items: rx.Var, color: ColorType) -> rx.Component:
    items = items.to(list[str])
    return rx.cond(
        items.length() > 0,
        rx.box(
            rx.text(label, size="1", weight="bold", color=rx.color(color, 11)),
            rx.el.ul(
                rx.foreach(
                    items, lambda item: rx.el.li(rx.text(item, size="1", overflow_wrap="anywhere"))
                ),
                style={"paddingLeft": "1em", "margin": "0.2em 0 0"},
            ),
        ),
    )


def margin_notes(segment: ObjectVar[SegmentView]) -> rx.Component:
    return rx.cond(
        segment.has_notes,
        rx.el.aside(
            rx.vstack(
                rx.text(
                    "World evolution",
                    size="1",
                    color_scheme="gray",
                    text_transform="uppercase",
                    letter_spacing="0.06em",
                ),
                note_list("Introduced", segment.introduced, "cyan"),
                note_list("Rules applied", segment.applied, "grass"),
                note_list("Rules challenged", segment.challenged, "amber"),
                note_list("New questions", segment.questions, "violet"),
                spacing="2",
            ),
            class_name="dsf-margin-notes",
            aria_label="World evolution notes",
            style={
                "borderLeft": f"2px solid {rx.color('gray', 6)}",
                "paddingLeft": "0.75em",
                "alignSelf": "start",
                "minWidth": "0",
            },
        ),
        rx.box(),
    )


def segment_article(segment: ObjectVar[SegmentView]) -> rx.Component:
    return rx.el.article(
        rx.grid(
            rx.box(
                rx.cond(
                    segment.starts_branch,
                    rx.link(
                        rx.badge(rx.icon("git-branch", size=12), "A branch starts here"),
                        href="#branches",
                    ),
                ),
                rx.hstack(
                    rx.text(
                        "Part " + segment.position.to_string(),
                        size="1",
                        color_scheme="gray",
                        text_transform="uppercase",
                        letter_spacing="0.08em",
                    ),
                    rx.text("·", size="1", color_scheme="gray"),
                    rx.text(
                        segment.words.to_string() + " words",
                        size="1",
                        color_scheme="gray",
                        class_name="dsf-word-count",
                    ),
                    rx.spacer(),
                    rx.cond(
                        S.can_edit,
                        rx.button(
                            rx.icon("pencil", size=12),
                            "Edit",
                            size="1",
                            variant="ghost",
                            aria_label="Edit part " + segment.position.to_string(),
                            on_click=S.open_edit(segment.id),
                        ),
                    ),
                    align="center",
                    spacing="2",
                    margin_top="0.5em",
                ),
                rx.cond(
                    segment.title != "",
                    rx.heading(
                        segment.title,
                        as_="h2",
                        size="5",
                        font_family=SERIF,
                        margin_top="0.25em",
                    ),
                ),
                rx.text(
                    segment.content,
                    as_="div",
                    font_family=SERIF,
                    font_size="1.15rem",
                    line_height="1.75",
                    white_space="pre-wrap",
                    overflow_wrap="break-word",
                    margin_top="0.75em",
                    class_name="dsf-segment-text",
                ),
                rx.cond(
                    segment.scene.length() > 0,
                    rx.box(
                        canvas_view(segment.scene, "story-reader"),
                        margin_top="1em",
                        class_name="dsf-segment-scene",
                    ),
                ),
                min_width="0",
            ),
            margin_notes(segment),
            columns=READING_COLUMNS,
            gap="1.5em",
            width="100%",
        ),
        id="part-" + segment.position.to_string(),
        class_name="dsf-segment",
        style={"paddingBottom": "2em", "borderBottom": f"1px solid {rx.color('gray', 4)}"},
    )


def branch_option(option: ObjectVar[OptionView]) -> rx.Component:
    return rx.el.li(
        rx.button(
            rx.icon(rx.cond(option.chosen, "circle-dot", "circle"), size=14),
            rx.text(option.label, overflow_wrap="anywhere", text_align="left"),
            rx.text("(" + option.parts.to_string() + " parts)", size="1", color_scheme="gray"),
            variant=rx.cond(option.chosen, "solid", "outline"),
            size="2",
            aria_pressed=option.chosen,
            on_click=S.choose(option.id),
            height="auto",
            padding_y="0.4em",
            max_width="100%",
            white_space="normal",
            class_name="dsf-branch-option",
        ),
        style={"listStyle": "none"},
    )


def fork_item(fork: ObjectVar[ForkView]) -> rx.Component:
    return rx.el.li(
        rx.text(
            rx.cond(
                fork.position == 0,
                "At the opening",
                "After part " + fork.position.to_string() + " · “" + fork.after.to(str) + "”",
            ),
            size="2",
            weight="medium",
        ),
        rx.el.ul(
            rx.foreach(fork.options, branch_option),
            style={
                "display": "flex",
                "flexWrap": "wrap",
                "gap": "0.5em",
                "padding": "0.4em 0 0 1em",
                "margin": 0,
                "borderLeft": f"2px solid {rx.color('cyan', 7)}",
            },
        ),
        class_name="dsf-fork",
        style={"listStyle": "none", "marginBottom": "0.75em"},
    )


def branch_tree() -> rx.Component:
    return rx.cond(
        S.forks.length() > 0,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("git-fork", size=16),
                    rx.heading("Branches", size="3", as_="h2"),
                    align="center",
                ),
                rx.text(
                    "This story continues in more than one way. You are reading the highlighted "
                    "branch at each fork; choose another to follow it.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.el.ol(rx.foreach(S.forks, fork_item), style={"padding": 0, "margin": 0}),
                spacing="2",
                width="100%",
            ),
            id="branches",
            width="100%",
        ),
    )


def pager(where: str) -> rx.Component:
    return rx.cond(
        S.pages > 1,
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                variant="soft",
                disabled=S.page <= 1,
                on_click=[S.previous_page, TO_THE_TOP],
                aria_label="Previous page",
            ),
            rx.text(
                "Page " + S.page.to_string() + " of " + S.pages.to_string(),
                size="2",
                class_name=f"dsf-page-{where}",
            ),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                variant="soft",
                disabled=S.page >= S.pages,
                on_click=[S.next_page, TO_THE_TOP],
                aria_label="Next page",
            ),
            justify="center",
            align="center",
            spacing="3",
            width="100%",
            as_="nav",
            aria_label=f"Pages ({where})",
        ),
    )


def segment_editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit this part"),
            rx.form(
                rx.vstack(
                    rx.el.label(rx.text("Title", size="2"), html_for="segment-title"),
                    rx.input(
                        id="segment-title",
                        name="title",
                        default_value=S.edit_title,
                        max_length=300,
                        width="100%",
                    ),
                    rx.el.label(rx.text("Text", size="2"), html_for="segment-content"),
                    rx.text_area(
                        id="segment-content",
                        name="content",
                        default_value=S.edit_content,
                        rows="14",
                        width="100%",
                        style={"fontFamily": SERIF},
                    ),
                    rx.cond(
                        S.edit_error != "",
                        rx.callout(
                            S.edit_error, icon="triangle-alert", color_scheme="red", role="alert"
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save part", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.save_edit,
            ),
            max_width="min(48em, 96vw)",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )
