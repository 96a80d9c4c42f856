"""The chat's "Lore used" row: the entries, foundation items and source passages put in front of
the World Agent for a turn, each with why and a link to it, then those a rule brought but left
out, with why not."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from dsf_app.services import source_search
from dsf_app.services.lore import LoreItem, items_from_json


@dataclass(frozen=True)
class LoreLine:
    name: str
    kind: str
    reasons: str  # why it came, or why it was left out
    href: str


def _line(item: LoreItem) -> LoreLine:
    return LoreLine(
        name=item.name,
        kind=item.kind,
        reasons=item.left_out or "; ".join(item.reasons),
        href=source_search.item_href(item)
        or (
            f"/worlds/{item.world_id}/codex/{item.entry_id}"
            if item.entry_id
            else f"/worlds/{item.world_id}"
        ),
    )


def lore_lines(items: Iterable[LoreItem]) -> tuple[list[LoreLine], list[LoreLine]]:
    """The lines of the items given to the agent, and of those left out."""
    items = list(items)
    return (
        [_line(item) for item in items if not item.left_out],
        [_line(item) for item in items if item.left_out],
    )


def lines_from_message(content: str) -> tuple[list[LoreLine], list[LoreLine]]:
    """The row as stored in the conversation (a JSON list of lore items)."""
    try:
        return lore_lines(items_from_json(json.loads(content)))
    except (ValueError, RecursionError):
        return [], []
