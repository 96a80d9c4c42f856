"""A world's Codex tab: search by name, alias and meaning; the World Agent's suggestions to accept,
edit or reject; entries grouped by kind (with the foundation's rules and technology read-only
beside them), each with pin and exclude; the entry editor; SillyTavern lorebook import/export."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.components.codex_selection import kind_bar, select_box
from dsf_app.components.confirm_delete import confirm_delete_dialog
from dsf_app.components.empty_state import empty_state
from dsf_app.components.forms import dialog_actions, form_error, labelled, text_control
from dsf_app.components.matching import as_var
from dsf_app.components.search_field import search_field
from dsf_app.components.upload_zone import upload_progress
from dsf_app.models import CodexKind
from dsf_app.services.codex_form import NO_IMAGE
from dsf_app.services.validation import MAX_SEARCH
from dsf_app.state.codex import CodexState, EntryRow, KindGroup, Option
from dsf_app.state.codex_deletion import CodexDeletionState
from dsf_app.state.codex_editor import CodexEditorState
from dsf_app.state.codex_lookup import CodexSearchState

S = CodexState
Q = CodexSearchState
E = CodexEditorState
X = CodexDeletionState
IMPORT_UPLOAD = "codex-import"
KINDS = [kind.value for kind in CodexKind]


def flag_buttons(row: ObjectVar[EntryRow]) -> rx.Component:
    """Pin (always in front of the World Agent) and exclude (never), for those who may edit."""
    return rx.cond(
        S.can_edit & ~row.readonly,
        rx.hstack(
            rx.icon_button(
                rx.icon("pin", size=14),
                size="1",
                variant=rx.cond(row.pinned, "solid", "ghost"),
                aria_label=as_var(rx.cond(row.pinned, "Unpin ", "Pin ")).to(str) + row.name.to(str),
                aria_pressed=row.pinned,
                title="Pinned entries are always put in front of the World Agent",
                on_click=S.toggle_pin(row.id),
                class_name="dsf-pin",
            ),
            rx.icon_button(
                rx.icon("eye-off", size=14),
                size="1",
                color_scheme="red",
                variant=rx.cond(row.excluded, "solid", "ghost"),
                aria_label=as_var(rx.cond(row.excluded, "Include ", "Exclude ")).to(str)
                + row.name.to(str),
                aria_pressed=row.excluded,
                title="Excluded entries are never put in front of the World Agent",
                on_click=S.toggle_exclude(row.id),
                class_name="dsf-exclude",
            ),
            spacing="1",
        ),
    )


def entry_card(row: ObjectVar[EntryRow]) -> rx.Component:
    title = rx.text(row.name, weight="medium", overflow_wrap="anywhere")
    return rx.card(
        rx.vstack(
            rx.hstack(
                select_box(row),
                rx.cond(
                    row.readonly,
                    title,
                    rx.link(title, href=row.href, class_name="dsf-entry-link"),
                ),
                rx.spacer(),
                rx.cond(row.note != "", rx.badge(row.note, size="1", variant="outline")),
                rx.cond(
                    row.readonly,
                    rx.badge(
                        "foundation · read-only", size="1", variant="soft", color_scheme="gray"
                    ),
                ),
                flag_buttons(row),
                align="center",
                width="100%",
                spacing="2",
            ),
            rx.cond(
                row.aliases != "",
                rx.text("Also: " + row.aliases.to(str), size="1", color_scheme="gray"),
            ),
            rx.cond(
                row.summary != "",
                rx.text(row.summary, size="2", color_scheme="gray", overflow_wrap="anywhere"),
            ),
            spacing="1",
            width="100%",
        ),
        class_name="dsf-codex-entry",
        data_kind=row.kind,
        data_pinned=row.pinned.to_string(),
        data_excluded=row.excluded.to_string(),
        width="100%",
    )


def kind_group(group: ObjectVar[KindGroup]) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(
                group.title.to(str) + " (" + group.rows.to(list).length().to_string() + ")",
                size="4",
                as_="h2",
            ),
            rx.grid(
                rx.foreach(group.rows, entry_card),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="2",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        class_name="dsf-codex-group",
        data_kind=group.kind,
        style={"width": "100%"},
    )


def suggestion_card(row: ObjectVar[EntryRow]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(row.name, weight="medium"),
                    rx.badge(row.kind, size="1", variant="soft"),
                    spacing="2",
                    align="center",
                ),
                rx.cond(row.summary != "", rx.text(row.summary, size="2", color_scheme="gray")),
                spacing="1",
                flex="1",
                min_width="12em",
            ),
            rx.hstack(
                rx.button("Accept", size="1", on_click=S.accept(row.id)),
                rx.button("Edit", size="1", variant="soft", on_click=E.open_edit(row.id)),
                rx.button(
                    "Reject",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.reject(row.id),
                ),
                spacing="2",
            ),
            wrap="wrap",
            gap="2",
            align="center",
            width="100%",
        ),
        class_name="dsf-codex-suggestion",
        data_name=row.name,
        width="100%",
    )


def suggestions() -> rx.Component:
    return rx.cond(
        S.can_edit & (S.suggestions.length() > 0),
        rx.callout.root(
            rx.vstack(
                rx.hstack(
                    rx.icon("sparkles", size=16),
                    rx.text("Suggested by the World Agent", weight="medium"),
                    align="center",
                    spacing="2",
                ),
                rx.text(
                    "New names from the story. Accept them into the Codex, edit them first, "
                    "or reject them (they will not be suggested again).",
                    size="2",
                ),
                rx.vstack(rx.foreach(S.suggestions, suggestion_card), spacing="2", width="100%"),
                spacing="2",
                width="100%",
            ),
            color_scheme="violet",
            id="codex-suggestions",
            width="100%",
        ),
    )


def import_button() -> rx.Component:
    # The dropzone's file input takes no props of its own; the label around it names it.
    return rx.el.label(
        rx.upload.root(
            rx.button(
                rx.cond(S.importing, rx.spinner(size="1"), rx.icon("upload", size=14)),
                "Import lorebook",
                variant="soft",
                type="button",
                size="2",
            ),
            id=IMPORT_UPLOAD,
            accept={"application/json": [".json"], "image/png": [".png"]},
            multiple=False,
            max_files=1,
            no_drag=True,
            on_drop=S.import_lorebook(
                rx.upload_files_chunk(upload_id=IMPORT_UPLOAD, on_upload_progress=S.upload_progress)
            ),
            title="A SillyTavern World Info file, or a character card (JSON or PNG)",
        ),
        display="contents",
    )


def toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                search_field(
                    "Search the Codex by name, alias or meaning",
                    "codex-search",
                    name="query",
                    placeholder="Search by name, alias or meaning",
                    max_length=MAX_SEARCH,
                ),
                rx.button("Search", type="submit", variant="soft", loading=Q.searching),
                rx.cond(
                    Q.searched != "",
                    rx.button("Clear", type="button", variant="ghost", on_click=Q.clear_search),
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=Q.search,
            reset_on_submit=False,
            flex="1",
            min_width="16em",
        ),
        rx.hstack(
            rx.cond(
                S.can_edit,
                rx.hstack(
                    rx.button(
                        rx.icon("plus", size=14), "New entry", on_click=E.open_new, id="codex-new"
                    ),
                    import_button(),
                    spacing="2",
                ),
            ),
            rx.button(
                rx.icon("download", size=14),
                "Export lorebook",
                variant="soft",
                on_click=S.export_lorebook,
                title="The Codex as a SillyTavern World Info file",
            ),
            spacing="2",
            wrap="wrap",
        ),
        gap="3",
        wrap="wrap",
        width="100%",
        align="center",
    )


def results() -> rx.Component:
    return rx.vstack(
        rx.text("Results for “" + Q.searched + "”", size="2", id="codex-search-caption"),
        rx.cond(
            Q.results.length() > 0,
            rx.vstack(rx.foreach(Q.results, entry_card), spacing="2", width="100%"),
            rx.cond(
                ~Q.searching,
                rx.text("Nothing in the Codex matches.", color_scheme="gray", size="2"),
            ),
        ),
        spacing="2",
        width="100%",
        id="codex-results",
    )


def codex_view() -> rx.Component:
    return rx.vstack(
        toolbar(),
        upload_progress(S, "codex-import-progress"),
        suggestions(),
        kind_bar(),
        rx.cond(
            Q.searched != "",
            results(),
            rx.cond(
                S.groups.length() > 0,
                rx.vstack(
                    rx.cond(
                        S.total > S.listed,
                        rx.text(
                            "Showing the first "
                            + S.listed.to_string()
                            + " of "
                            + S.total.to_string()
                            + " entries; search to find the others.",
                            size="2",
                            color_scheme="gray",
                        ),
                    ),
                    rx.foreach(S.groups, kind_group),
                    spacing="5",
                    width="100%",
                ),
                empty_state(
                    "library",
                    "No lore yet",
                    "Add characters, places and factions by hand, import a SillyTavern "
                    "lorebook, or ask the World Agent to record what the story introduces.",
                ),
            ),
        ),
        entry_editor(),
        delete_dialog(),
        spacing="4",
        width="100%",
        id="codex",
    )


def delete_dialog() -> rx.Component:
    return confirm_delete_dialog(
        title="Delete “" + X.delete_name + "”?",
        description="The entry and its links leave the Codex; the changelog keeps a record.",
        confirm_label="Delete entry",
        confirm_id="confirm-delete-entry",
        open=X.delete_open,
        on_cancel=X.cancel_delete,
        on_confirm=X.confirm_delete,
    )


# ---- the editor ------------------------------------------------------------------------------


def _field(label: str, name: str, control: rx.Component, hint: str = "") -> rx.Component:
    return labelled(label, f"entry-{name}", control, hint)


def _text(label: str, name: str, *, rows: str = "", hint: str = "") -> rx.Component:
    control = text_control(f"entry-{name}", name, E.editor_values[name], rows)
    return _field(label, name, control, hint)


def _image_option(option: ObjectVar[Option]) -> rx.Component:
    return rx.select.item(option.label, value=option.value)


def entry_editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(
                    E.editor_id == "",
                    "New Codex entry",
                    rx.cond(E.editor_accepts, "Edit and accept the suggestion", "Edit the entry"),
                )
            ),
            rx.dialog.description(
                "Saved as a new version of the world, in its changelog.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    rx.grid(
                        _text("Name", "name"),
                        _field(
                            "Kind",
                            "kind",
                            rx.select(
                                KINDS,
                                name="kind",
                                default_value=E.editor_values["kind"],
                                id="entry-kind",
                                width="100%",
                            ),
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    _text("Aliases", "aliases", rows="2", hint="Other names, one per line."),
                    _text("Summary", "summary", rows="2"),
                    _text("Body", "body", rows="6"),
                    _text("Tags", "tags", hint="Separated by commas."),
                    _field(
                        "Image",
                        "image",
                        rx.select.root(
                            rx.select.trigger(
                                placeholder="No image", width="100%", id="entry-image"
                            ),
                            rx.select.content(
                                rx.select.item("No image", value=NO_IMAGE),
                                rx.foreach(S.images, _image_option),
                            ),
                            name="image",
                            default_value=E.editor_values["image"],
                        ),
                        "One of the world's images (the gallery).",
                    ),
                    _text("Reason (optional)", "reason", hint="Kept in the changelog."),
                    form_error(E.editor_error),
                    dialog_actions("Save entry", id="save-entry"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=E.save_entry,
            ),
            max_width="min(44em, 94vw)",
        ),
        open=E.editor_open,
        on_open_change=E.set_editor_open,
    )
