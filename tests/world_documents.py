"""World export documents built by hand for the import tests and bench: small ones shaped to
break a rule, and a large one at the segment limit."""

from __future__ import annotations

import json
import uuid
from typing import Any

STORY_SIZE = 20_000


def document(*stories: dict[str, Any], name: str = "Imported") -> bytes:
    """A world export holding `stories`, as compact JSON."""
    return json.dumps(
        {
            "format": "deep-sci-fi/world",
            "format_version": 1,
            "exported_at": "2026-11-30T12:00:00Z",
            "world": {"name": name, "foundation": {"core_premise": "Salt."}},
            "stories": list(stories),
        },
        separators=(",", ":"),
    ).encode()


def story(title: str, segments: list[dict[str, Any]]) -> dict[str, Any]:
    return {"title": title, "segments": segments}


def chain(length: int, prefix: str = "s") -> list[dict[str, Any]]:
    """`length` segments, each continuing the one before."""
    return [
        {"id": f"{prefix}{n}", "parent_id": f"{prefix}{n - 1}" if n else None, "order": n}
        for n in range(length)
    ]


def flat(count: int, prefix: str = "s") -> list[dict[str, Any]]:
    """`count` alternative openings (a shallow tree)."""
    return [{"id": f"{prefix}{n}"} for n in range(count)]


def large_world(segments: int, name: str = "Vast Archive") -> bytes:
    """`segments` short segments (ids as an export writes them; a multiple of four) in stories
    of at most 20,000: each a main line with three alternative endings after every part, so no
    path is deeper than the depth limit."""
    stories = []
    for first in range(0, segments, STORY_SIZE):
        rows: list[dict[str, Any]] = []
        previous = None
        for part in range(min(STORY_SIZE, segments - first) // 4):
            main = str(uuid.uuid4())
            rows.append({"id": main, "parent_id": previous, "order": part, "content": "On."})
            rows += [
                {"id": str(uuid.uuid4()), "parent_id": main, "order": part + 1, "content": "End."}
                for _ in range(3)
            ]
            previous = main
        stories.append(story(f"Line {first // STORY_SIZE}", rows))
    return document(*stories, name=name)
