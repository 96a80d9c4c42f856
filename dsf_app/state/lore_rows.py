"""The chat's "Lore used" row: the entries and foundation items put in front of the World Agent
for a turn, each with why and a link to it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from dsf_app.services.lore import LoreItem, items_from_json


@dataclass(frozen=True)
class LoreLine:
    name: str
    kind: str
    reasons: str
    href: str


def lore_lines(items: Iterable[LoreItem]) -> list[LoreLine]:
    return [
        LoreLine(
            name=item.name,
            kind=item.kind,
            reasons="; ".join(item.reasons),
            href=f"/worlds/{item.world_id}/codex/{item.entry_id}"
            if item.entry_id
            else f"/worlds/{item.world_id}",
        )
        for item in items
    ]


def lines_from_message(content: str) -> list[LoreLine]:
    """The row as stored in the conversation (a JSON list of lore items)."""
    try:
        return lore_lines(items_from_json(json.loads(content)))
    except (ValueError, RecursionError):
        return []
