"""The story reader's pieces: a segment set for reading (serif, about 65 characters a line) with
its world-evolution notes in the margin (below it on narrow screens), the branch tree, the
pager, the segment editor and the confirmation before a segment is deleted."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar, Var

from dsf_app.components.canvas.render import canvas_view
from dsf_app.components.counts import counted
from dsf_app.components.evaluations import segment_evaluations
from dsf_app.components.forms import dialog_actions, form_error
from dsf_app.components.matching import as_var
from dsf_app.components.story_mentions import mention_link
from dsf_app.state.story import ForkView, OptionView, SegmentView, StoryPageState
from dsf_app.state.story_parts import StoryPartsState

S = StoryPageState
P = StoryPartsState
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
                        counted(segment.words, "word", "words"),
                        size="1",
                        color_scheme="gray",
                        class_name="dsf-word-count",
                    ),
                    rx.cond(
                        segment.date != "",
                        rx.badge(
                            rx.icon("calendar", size=12),
                            segment.date,
                            variant="outline",
                            title="When this part happens in the world",
                            class_name="dsf-part-date",
                        ),
                    ),
                    rx.spacer(),
                    rx.cond(
                        S.can_edit,
                        rx.hstack(
                            rx.button(
                                rx.icon("pencil", size=12),
                                "Edit",
                                size="1",
                                variant="ghost",
                                aria_label="Edit part " + segment.position.to_string(),
                                on_click=P.open_edit(segment.id),
                            ),
                            rx.button(
                                rx.icon("refresh-cw", size=12),
                                "Another version",
                                size="1",
                                variant="ghost",
                                aria_label="Ask the World Agent for another version of part "
                                + segment.position.to_string(),
                                title="The World Agent writes it as a new branch; this one stays",
                                on_click=S.regenerate_segment(segment.id),
                                class_name="dsf-regenerate-part",
                            ),
                            rx.button(
                                rx.icon("trash-2", size=12),
                                "Delete",
                                size="1",
                                variant="ghost",
                                color_scheme="red",
                                aria_label="Delete part " + segment.position.to_string(),
                                on_click=P.ask_delete_segment(segment.id),
                                class_name="dsf-delete-part",
                            ),
                            spacing="3",
                            wrap="wrap",
                        ),
                    ),
                    align="center",
                    spacing="2",
                    # On a phone the part's buttons go under its number rather than past the edge.
                    wrap="wrap",
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
                    rx.foreach(segment.pieces, lambda piece: mention_link(piece, segment)),
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
            rx.vstack(margin_notes(segment), segment_evaluations(segment), spacing="4"),
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
            rx.text(
                "(" + counted(option.parts, "part", "parts") + ")", size="1", color_scheme="gray"
            ),
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
                        default_value=P.edit_title,
                        max_length=300,
                        width="100%",
                    ),
                    rx.el.label(
                        rx.text("When it happens in the world (optional)", size="2"),
                        html_for="segment-date",
                    ),
                    rx.input(
                        id="segment-date",
                        name="date",
                        default_value=P.edit_date,
                        placeholder="e.g. 14 March 2187, or Year 3 of the Strike",
                        max_length=100,
                        width="100%",
                    ),
                    rx.el.label(rx.text("Text", size="2"), html_for="segment-content"),
                    rx.text_area(
                        id="segment-content",
                        name="content",
                        default_value=P.edit_content,
                        rows="14",
                        width="100%",
                        style={"fontFamily": SERIF},
                    ),
                    form_error(P.edit_error),
                    dialog_actions("Save part"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=P.save_edit,
            ),
            max_width="min(48em, 96vw)",
        ),
        open=P.edit_open,
        on_open_change=P.set_edit_open,
    )


def segment_deletion_dialog() -> rx.Component:
    """Delete a part: at once if nothing continues from it; otherwise the person chooses to
    delete what continues from it too, or to keep that (it then follows the part before)."""
    part = "part " + P.drop_position.to_string()
    has_more = P.drop_below > 0
    before = as_var(
        rx.cond(
            P.drop_position > 1,
            "part " + (P.drop_position - 1).to_string(),
            "the opening (as openings of their own)",
        )
    ).to(str)
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete " + part + "?"),
            rx.alert_dialog.description(
                rx.cond(
                    has_more,
                    counted(P.drop_below, "part continues", "parts continue")
                    + " from "
                    + part
                    + ", counting every branch below it. Delete them with it, or keep them: "
                    + "they then continue from "
                    + before
                    + ".",
                    "The part is deleted for good; this cannot be undone.",
                ),
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Keep it",
                        variant="soft",
                        color_scheme="gray",
                        on_click=P.cancel_delete_segment,
                    )
                ),
                rx.cond(
                    has_more,
                    rx.fragment(
                        rx.alert_dialog.action(
                            rx.button(
                                "Delete only " + part,
                                variant="soft",
                                color_scheme="red",
                                on_click=P.delete_segment(False),
                                id="delete-part-only",
                            )
                        ),
                        rx.alert_dialog.action(
                            rx.button(
                                "Delete " + part + " and what follows",
                                color_scheme="red",
                                on_click=P.delete_segment(True),
                                id="delete-part-branch",
                            )
                        ),
                    ),
                    rx.alert_dialog.action(
                        rx.button(
                            "Delete " + part,
                            color_scheme="red",
                            on_click=P.delete_segment(False),
                            id="delete-part-only",
                        )
                    ),
                ),
                justify="end",
                spacing="3",
                wrap="wrap",
                margin_top="1em",
            ),
            max_width="min(32em, 94vw)",
        ),
        open=P.drop_open,
        on_open_change=P.set_drop_open,
    )
