"""How new a text is to a world, measured with the local MiniLM embeddings: each passage's
distance to the nearest passage of what the world already holds (foundation and earlier
segments). A figure from 0 (all said before) to 100 (nothing like it), comparable across
segments because it is measured the same way against the same kind of lore."""

from __future__ import annotations

import re

import numpy as np

from dsf_app import embeddings

PASSAGE_CHARS = 400
# Enough to cover a long foundation and dozens of earlier segments; embedding is ~10 ms each.
MAX_LORE_PASSAGES = 300
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n{2,}")


def passages(text: str) -> list[str]:
    """The text cut at sentence ends into passages of at most about PASSAGE_CHARS."""
    found: list[str] = []
    current = ""
    for sentence in SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if current and len(current) + len(sentence) > PASSAGE_CHARS:
            found.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        found.append(current)
    return found


def _vectors(texts: list[str]) -> np.ndarray:
    return np.array(embeddings.embed(texts), dtype=np.float32).reshape(len(texts), -1)


def novelty(texts: list[str], lore: list[str]) -> tuple[list[float], int]:
    """Each text's novelty (0 to 100) against `lore`, and how many lore passages it was measured
    against. Synchronous and CPU-bound: call it in a worker thread."""
    lore_passages = [p for text in lore for p in passages(text)][:MAX_LORE_PASSAGES]
    if not texts:
        return [], len(lore_passages)
    if not lore_passages:
        return [100.0] * len(texts), 0
    nearest = (_vectors(texts) @ _vectors(lore_passages).T).max(axis=1)
    return [round(float(np.clip(1 - s, 0, 1)) * 100, 1) for s in nearest], len(lore_passages)


def text_novelty(text: str, lore: list[str]) -> tuple[float, int]:
    """A whole text's novelty: the mean over its passages."""
    scores, measured = novelty(passages(text) or [text], lore)
    return round(sum(scores) / len(scores), 1), measured
