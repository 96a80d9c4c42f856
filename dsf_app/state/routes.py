"""The world and the story, Codex entry or source a page is about, read from its URL path
(invalid ids read as None)."""

from __future__ import annotations

import re
import uuid

_PATH = re.compile(r"^/worlds/(?P<world>[^/]+)(?:/stories/(?P<story>[^/]+))?/?$")
_CODEX_PATH = re.compile(r"^/worlds/(?P<world>[^/]+)(?:/codex/(?P<entry>[^/]+))?/?$")
_SOURCE_PATH = re.compile(r"^/worlds/(?P<world>[^/]+)/sources/(?P<source>[^/]+)/?$")


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def route_ids(path: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(world_id, story_id) of /worlds/<id> and /worlds/<id>/stories/<id>; Nones elsewhere."""
    match = _PATH.match(path.split("?", 1)[0])
    if match is None:
        return None, None
    return _uuid(match["world"]), _uuid(match["story"])


def codex_ids(path: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(world_id, entry_id) of /worlds/<id> and /worlds/<id>/codex/<id>; Nones elsewhere."""
    match = _CODEX_PATH.match(path.split("?", 1)[0])
    if match is None:
        return None, None
    return _uuid(match["world"]), _uuid(match["entry"])


def source_ids(path: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(world_id, source_id) of /worlds/<id>/sources/<id>; Nones elsewhere."""
    match = _SOURCE_PATH.match(path.split("?", 1)[0])
    if match is None:
        return None, None
    return _uuid(match["world"]), _uuid(match["source"])
