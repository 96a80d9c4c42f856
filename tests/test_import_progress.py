"""Long imports tell the page how far they are: a heavy process's reports reach the page's
handler while it runs (`pools.in_heavy_process_reporting`), with the stage and its counts for a
lorebook and a world import; a refused import's reports stop at its refusal."""

from __future__ import annotations

import json
import uuid

import pytest

from dsf_app import pools
from dsf_app.db import session_scope
from dsf_app.errors import Invalid
from dsf_app.pools import Progress
from dsf_app.services import lorebook, world_import, worlds
from dsf_app.services.actor import Actor
from dsf_app.state.upload_progress import size, stage_of
from tests.world_documents import chain, document, story


def lorebook_of(count: int) -> bytes:
    entries = {
        str(n): {"key": [f"Lantern {n}"], "comment": f"Lantern {n}", "content": "A light."}
        for n in range(count)
    }
    return json.dumps({"entries": entries}).encode()


async def imported_with_reports(work: object, *args: object) -> tuple[object, list[str]]:
    seen: list[str] = []

    async def shown(progress: Progress) -> None:
        seen.append(stage_of(progress))

    done = await pools.in_heavy_process_reporting(work, shown, *args)  # pyright: ignore[reportArgumentType]
    return done, seen


async def test_a_lorebook_import_reports_its_stages_and_counts(person: Actor) -> None:
    with session_scope() as session:
        world = worlds.create_world(session, person, f"Lamps {uuid.uuid4().hex[:6]}").id
    report, seen = await imported_with_reports(
        lorebook.import_file, person, world, lorebook_of(1200), "person"
    )
    assert isinstance(report, lorebook.ImportReport) and report.created == 1200
    assert seen == ["Reading the lorebook…", "Read 1,200 entries; adding them to the Codex…"]


async def test_a_world_import_reports_its_stages_and_counts(person: Actor) -> None:
    data = document(story("Ebb", chain(3)), story("Flow", chain(2)), name="Tides")
    imported, seen = await imported_with_reports(world_import.import_file, person, data)
    assert isinstance(imported, world_import.Imported) and imported.segments == 5
    assert seen == [
        "Reading the world…",
        "Read 2 stories (5 parts) and 0 Codex entries; writing your copy…",
    ]


async def test_a_refused_import_reports_no_further(person: Actor) -> None:
    seen: list[str] = []

    async def shown(progress: Progress) -> None:
        seen.append(stage_of(progress))

    with pytest.raises(Invalid, match="not a Deep Sci-Fi world export"):
        await pools.in_heavy_process_reporting(world_import.import_file, shown, person, b"[]")
    assert seen == ["Reading the world…"]


def test_counts_read_as_people_write_them() -> None:
    assert stage_of(Progress("Adding entries", 1200, 5000)) == "Adding entries: 1,200 of 5,000…"
    assert [size(n) for n in (980, 12_400, 3_100_000)] == ["980 bytes", "12.4 KB", "3.1 MB"]
