"""A Codex entry's page: what the world's lore says of it, its links to other entries, and where
it appears ("appears in": the story segments and entries that mention it or link to it)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.codex import delete_dialog, entry_editor
from dsf_app.components.codex_progressions import progressions_view
from dsf_app.components.empty_state import not_found_state
from dsf_app.components.layout import page_shell
from dsf_app.components.matching import as_var
from dsf_app.components.page_parts import back_link, loading_placeholder
from dsf_app.components.upload_zone import upload_progress, upload_zone
from dsf_app.components.url_page import url_page_view
from dsf_app.state.codex import CodexState, Option
from dsf_app.state.codex_deletion import CodexDeletionState
from dsf_app.state.codex_editor import CodexEditorState
from dsf_app.state.codex_entry import CodexEntryState, LinkRow, MentionRow, SegmentRow

ROUTE = "/worlds/[world_id]/codex/[entry_id]"
ON_LOAD = [CodexState.load, CodexEntryState.load]
E = CodexEntryState
C = CodexState
Editor = CodexEditorState
Deletion = CodexDeletionState
PORTRAIT_UPLOAD = "portrait-upload"


def loading() -> rx.Component:
    return loading_placeholder("8em")


def header() -> rx.Component:
    return rx.vstack(
        back_link(E.world_name, "/worlds/" + E.world_key),
        rx.flex(
            rx.heading(E.name, size="8", as_="h1", overflow_wrap="anywhere", id="entry-name"),
            rx.spacer(),
            rx.cond(
                E.can_edit,
                rx.hstack(
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Edit",
                        variant="soft",
                        on_click=Editor.open_edit(E.entry_key),
                        id="edit-entry",
                    ),
                    rx.button(
                        rx.icon("pin", size=14),
                        rx.cond(E.pinned, "Unpin", "Pin"),
                        variant=rx.cond(E.pinned, "solid", "soft"),
                        on_click=C.toggle_pin(E.entry_key),
                        id="pin-entry",
                    ),
                    rx.button(
                        rx.icon("eye-off", size=14),
                        rx.cond(E.excluded, "Include", "Exclude"),
                        variant=rx.cond(E.excluded, "solid", "soft"),
                        color_scheme="red",
                        on_click=C.toggle_exclude(E.entry_key),
                        id="exclude-entry",
                    ),
                    rx.button(
                        rx.icon("trash-2", size=14),
                        "Delete",
                        variant="soft",
                        color_scheme="red",
                        on_click=Deletion.ask_delete(E.entry_key, E.name),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            rx.cond(
                (E.kind == "character") & (E.status == "active"),
                rx.button(
                    rx.icon("download", size=14),
                    "Export card (PNG)",
                    variant="soft",
                    on_click=E.export_card,
                    title="This character as a SillyTavern character card, with the Codex as "
                    "its lorebook",
                    id="export-card",
                ),
            ),
            gap="3",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        rx.hstack(
            rx.badge(E.kind, variant="soft"),
            rx.cond(E.status != "active", rx.badge(E.status, color_scheme="amber")),
            rx.cond(E.pinned, rx.badge("pinned: always shown to the World Agent")),
            rx.cond(
                E.excluded,
                rx.badge("excluded: never shown to the World Agent", color_scheme="red"),
            ),
            rx.badge("Version " + E.version.to_string(), variant="outline"),
            rx.foreach(E.tags, lambda tag: rx.badge(tag, variant="outline", color_scheme="gray")),
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(
            E.aliases.length() > 0,
            rx.text(
                "Also called: " + E.aliases.join(", "), color_scheme="gray", id="entry-aliases"
            ),
        ),
        spacing="2",
        width="100%",
    )


def link_item(link: ObjectVar[LinkRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.cond(link.outgoing, rx.text("→", size="2"), rx.text("←", size="2")),
            rx.link(link.name, href=link.href),
            rx.cond(
                link.relation != "", rx.text("(" + link.relation.to(str) + ")", color_scheme="gray")
            ),
            rx.cond(
                E.can_edit & link.outgoing,
                rx.icon_button(
                    rx.icon("x", size=12),
                    size="1",
                    variant="ghost",
                    aria_label="Remove the link to " + link.name.to(str),
                    on_click=E.remove_link(link.id),
                ),
            ),
            spacing="2",
            align="center",
        ),
        class_name="dsf-entry-link-row",
    )


def _choice(option: ObjectVar[Option]) -> rx.Component:
    return rx.select.item(option.label, value=option.value)


def links_view() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading("Links", size="4", as_="h2"),
            rx.cond(
                E.links.length() > 0,
                rx.el.ul(rx.foreach(E.links, link_item), style={"paddingLeft": "0.5em"}),
                rx.text("No links yet.", color_scheme="gray", size="2"),
            ),
            rx.cond(
                E.can_edit & (E.link_choices.length() > 0),
                rx.form(
                    rx.hstack(
                        rx.select.root(
                            rx.select.trigger(
                                placeholder="Another entry", aria_label="The entry to link to"
                            ),
                            rx.select.content(rx.foreach(E.link_choices, _choice)),
                            name="to",
                        ),
                        rx.input(
                            name="relation",
                            placeholder="relation, e.g. rival of",
                            max_length=100,
                            aria_label="Relation",
                        ),
                        rx.button("Link", type="submit", variant="soft"),
                        spacing="2",
                        wrap="wrap",
                    ),
                    on_submit=E.add_link,
                    reset_on_submit=True,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        style={"width": "100%"},
    )


def segment_item(segment: ObjectVar[SegmentRow]) -> rx.Component:
    return rx.card(
        rx.link(
            rx.vstack(
                rx.text(
                    segment.story_title.to(str)
                    + as_var(
                        rx.cond(
                            segment.segment_title != "", " · " + segment.segment_title.to(str), ""
                        )
                    ).to(str),
                    weight="medium",
                    size="2",
                ),
                rx.text(segment.snippet, size="2", color_scheme="gray"),
                spacing="1",
            ),
            href=segment.href,
            underline="none",
            color="inherit",
        ),
        class_name="dsf-appears-segment",
        width="100%",
    )


def mention_item(mention: ObjectVar[MentionRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.link(mention.name, href=mention.href),
            rx.badge(mention.kind, size="1", variant="soft"),
            rx.text(mention.how, size="1", color_scheme="gray"),
            spacing="2",
            align="center",
        ),
        class_name="dsf-appears-entry",
    )


def appears_in() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading("Appears in", size="4", as_="h2"),
            rx.cond(
                (E.segments.length() == 0) & (E.mentioned_by.length() == 0),
                rx.text(
                    "No story segment or entry mentions it yet.", color_scheme="gray", size="2"
                ),
            ),
            rx.vstack(rx.foreach(E.segments, segment_item), spacing="2", width="100%"),
            rx.cond(
                E.mentioned_by.length() > 0,
                rx.el.ul(rx.foreach(E.mentioned_by, mention_item), style={"paddingLeft": "0.5em"}),
            ),
            spacing="2",
            width="100%",
        ),
        id="appears-in",
        style={"width": "100%"},
    )


def portrait_upload() -> rx.Component:
    return rx.cond(
        E.can_edit,
        rx.vstack(
            upload_zone(
                E,
                PORTRAIT_UPLOAD,
                E.upload_portrait(
                    rx.upload_files_chunk(
                        upload_id=PORTRAIT_UPLOAD, on_upload_progress=E.upload_progress
                    )
                ),
                label=rx.cond(E.image_url != "", "Replace the portrait", "Upload a portrait"),
            ),
            upload_progress(E, "portrait-upload-progress"),
            spacing="2",
            max_width="32em",
            width="100%",
        ),
    )


def entry_view() -> rx.Component:
    return rx.vstack(
        header(),
        rx.cond(
            E.image_url != "",
            rx.image(
                src=E.image_url,
                alt=E.name,
                max_width="24em",
                border_radius="8px",
                id="entry-portrait",
            ),
        ),
        portrait_upload(),
        rx.cond(E.summary != "", rx.text(E.summary, size="4", id="entry-summary")),
        rx.cond(
            E.body != "",
            rx.text(E.body, white_space="pre-wrap", overflow_wrap="anywhere", id="entry-body"),
        ),
        links_view(),
        progressions_view(),
        appears_in(),
        entry_editor(),
        delete_dialog(),
        spacing="5",
        width="100%",
    )


def entry_page() -> rx.Component:
    return page_shell(
        url_page_view(
            E,
            loading=loading(),
            found=entry_view(),
            not_found=not_found_state("library", "Codex entry"),
        )
    )
