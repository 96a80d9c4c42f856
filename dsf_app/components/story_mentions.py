"""Mentions of Codex entries in a story part: each links to the entry's page, and hovering or
focusing it shows the entry as it is at that part, on that branch (its progressions applied).
Names and text are what a world's author or an agent wrote: plain text, never markup."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from dsf_app.state.story import MentionCard, SegmentView, StoryPageState, TextPiece

S = StoryPageState


def mention_card(card: ObjectVar[MentionCard], position: Var[int]) -> rx.Component:
    """The entry as it is at this part of the story, on this branch."""
    return rx.vstack(
        rx.hstack(
            rx.text(card.name, weight="bold", overflow_wrap="anywhere"),
            rx.badge(card.kind, variant="soft", size="1"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.text("As of part " + position.to_string(), size="1", color_scheme="gray"),
        rx.cond(
            card.aliases != "",
            rx.text("Also called: " + card.aliases.to(str), size="1", color_scheme="gray"),
        ),
        rx.cond(card.summary != "", rx.text(card.summary, size="2", white_space="pre-wrap")),
        rx.cond(
            card.body != "",
            rx.text(card.body, size="1", white_space="pre-wrap", color_scheme="gray"),
        ),
        spacing="1",
        overflow_wrap="anywhere",
        class_name="dsf-mention-card",
    )


def mention_link(piece: ObjectVar[TextPiece], segment: ObjectVar[SegmentView]) -> rx.Component:
    """A run of the text; a mention of a Codex entry links to the entry's page, and hovering or
    focusing it shows the entry as it is at this part."""
    link = rx.link(
        piece.text,
        href=f"/worlds/{S.world_key}/codex/{piece.entry}",
        class_name="dsf-mention",
        color="inherit",
        underline="always",
        style={"textDecorationStyle": "dotted", "textUnderlineOffset": "0.2em"},
    )
    card = piece.card.to(int)
    return rx.cond(
        card >= 0,
        rx.hover_card.root(
            rx.hover_card.trigger(link),
            rx.hover_card.content(
                mention_card(segment.cards.to(list[MentionCard])[card], segment.position),
                max_width="min(24em, 90vw)",
                size="1",
            ),
            open_delay=300,
        ),
        rx.cond(piece.entry != "", link, rx.fragment(piece.text)),
    )
