"""The world's foundation as lore: its rules and technology systems read as read-only entries,
found for a turn by name (technology) and by meaning."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsf_app import embeddings
from dsf_app.models import World
from dsf_app.services import mentions
from dsf_app.settings import get_settings

SIMILAR_FOUNDATION = 3
# Where a foundation item's name was found, and how much that says about the turn.
PLACES = (("your message", 3.0), ("the recent chat", 2.0), ("the latest segment", 1.5))


@dataclass
class Candidate:
    """An entry or foundation item that may be given to the agent, with its reasons."""

    key: str
    name: str
    kind: str
    text: str
    entry_id: str = ""
    best: float = 0.0
    reasons: list[str] = field(default_factory=list)
    free: bool = False  # comes whatever the budget (pinned, or ignores the budget)

    def because(self, reason: str, score: float) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
            self.best = max(self.best, score)

    @property
    def score(self) -> float:
        """The best reason's score; each further reason adds a little."""
        return self.best + 0.01 * (len(self.reasons) - 1)


@dataclass(frozen=True)
class FoundationItem:
    """A rule or technology system of the world's foundation, read as a read-only entry."""

    key: str  # "rule:<n>" or "technology:<n>"
    name: str
    kind: str  # "rule" | "technology"
    summary: str
    text: str  # what the lore block shows


def foundation_items(world: World) -> list[FoundationItem]:
    foundation = world.foundation if isinstance(world.foundation, dict) else {}
    items: list[FoundationItem] = []
    for index, rule in enumerate(_dicts(foundation.get("rules"))):
        statement = str(rule.get("statement", "")).strip()
        if statement:
            scope = " · ".join(str(rule.get(k)) for k in ("scope", "certainty") if rule.get(k))
            items.append(
                FoundationItem(
                    f"rule:{index}", short(statement), "rule", scope, f"Rule: {statement}"
                )
            )
    for index, system in enumerate(_dicts(foundation.get("technology"))):
        name = str(system.get("name", "")).strip()
        if name:
            how = str(system.get("how_it_works", "")).strip()
            limits = "; ".join(str(x) for x in system.get("limits") or [] if x)
            text = f"Technology: {name} — {how}" + (f"\nLimits: {limits}" if limits else "")
            items.append(FoundationItem(f"technology:{index}", name, "technology", how, text))
    return items


def from_foundation(world: World, places: list[str], vector: list[float] | None) -> list[Candidate]:
    """The foundation's rules and technology systems, by name (technology) and by meaning."""
    items = [
        Candidate(item.key, item.name, item.kind, item.text) for item in foundation_items(world)
    ]
    if not items:
        return []
    by_key = {item.key: item for item in items}
    names = mentions.Matcher(
        mentions.Trigger(item.name, item.key) for item in items if item.kind == "technology"
    )
    for text, (where, score) in zip(places, PLACES, strict=True):
        for mention in names.find(text):
            for target in mention.targets:
                by_key[target].because(f"matched name “{mention.trigger}” in {where}", score)
    if vector is not None:
        similarities = np.array(_vectors([item.text for item in items])) @ np.array(vector)
        least = get_settings().lore_min_similarity
        for index in np.argsort(-similarities)[:SIMILAR_FOUNDATION]:
            if similarities[index] >= least:
                items[index].because(
                    f"similar in meaning {similarities[index]:.2f}", float(similarities[index])
                )
    return [item for item in items if item.reasons]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class _VectorCache:
    """Embeddings of foundation items, by text, kept per process (they change rarely)."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vectors: dict[str, list[float]] = {}

    def get(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, embeddings.embed(missing), strict=True))
            with self._lock:
                if len(self._vectors) + len(missing) > self.LIMIT:
                    self._vectors.clear()
                self._vectors.update((t, known[t]) for t in missing)
        return [known[t] for t in texts]


_vectors = _VectorCache().get
