"""The chat's collapsible "Lore used" row: what was put in front of the World Agent for the
turn, each item linking to its entry (or to the foundation) with why it was chosen; then the
entries a rule brought but left out (budget, cooldown, probability, a group), with why not. All
of it is plain text (names and reasons quote what a lorebook wrote)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from dsf_app.state.chat_rows import ChatItem
from dsf_app.state.lore_rows import LoreLine


def _row(line: ObjectVar[LoreLine], class_name: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(line.name, href=line.href, size="1", weight="medium"),
            rx.cond(
                line.kind != "",
                rx.badge(line.kind, size="1", variant="soft", color_scheme="gray"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.text(line.reasons, size="1", color_scheme="gray", class_name="chat-lore-why"),
        class_name=class_name,
        width="100%",
    )


def _line(line: ObjectVar[LoreLine]) -> rx.Component:
    return _row(line, "chat-lore-item")


def _left_out(line: ObjectVar[LoreLine]) -> rx.Component:
    return _row(line, "chat-lore-item chat-lore-left-out")


def lore_row(item: ObjectVar[ChatItem]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.hstack(
                rx.icon("library", size=14, color=rx.color("violet", 10)),
                rx.text("Lore used", size="1", weight="medium"),
                rx.text(
                    "(" + item.lore.length().to_string() + ")",
                    size="1",
                    color_scheme="gray",
                ),
                align="center",
                spacing="2",
                as_="span",
                display="inline-flex",
            ),
            cursor="pointer",
        ),
        rx.vstack(
            rx.foreach(item.lore, _line),
            rx.cond(
                item.lore_left_out.length() > 0,
                rx.text("Left out", size="1", weight="medium", color_scheme="gray"),
            ),
            rx.foreach(item.lore_left_out, _left_out),
            spacing="2",
            width="100%",
            padding_top="0.4em",
        ),
        class_name="chat-lore",
        border=f"1px dashed {rx.color('violet', 6)}",
        border_radius="8px",
        padding="0.35em 0.6em",
        width="100%",
    )
