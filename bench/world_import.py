"""Time to import a world at the segment limit (50,000 short segments in three branching
stories), phase by phase, through the import service on a throwaway PostgreSQL; and time to
refuse one of 100,000 segments (over the limit).

    python -m bench.world_import [--runs 3] [--segments 50000]

Baselines from the same run: `json.loads` of the same bytes (the least any parse costs), and
the same number of segment rows written with an ORM bulk INSERT instead of COPY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import select

from bench.throwaway import bench_person, database_only
from dsf_app.db import session_scope
from dsf_app.errors import Invalid
from dsf_app.models import Story, StorySegment
from dsf_app.services import world_import
from tests.world_documents import large_world


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--segments", type=int, default=world_import.MAX_SEGMENTS, help="segments of the world"
    )
    args = parser.parse_args()

    with database_only():
        actor = bench_person()
        data = large_world(args.segments)
        print(f"document: {args.segments:,} segments, {len(data) / 1e6:.1f} MB")
        over = large_world(100_000)
        print(f"over the limit: 100,000 segments, {len(over) / 1e6:.1f} MB")
        phases: dict[str, list[float]] = {
            "json.loads (baseline)": [],
            "parse": [],
            "write": [],
            "import (parse + write)": [],
            "ORM bulk insert (baseline)": [],
            "refusing 100,000 segments": [],
        }
        for _ in range(args.runs):
            phases["json.loads (baseline)"].append(timed(lambda: json.loads(data))[0])
            parse_s, document = timed(lambda: world_import.parse(data))
            with session_scope() as session:
                write_s, imported = timed(
                    lambda d=document: world_import.import_world(session, actor, d)
                )
                commit_s, _ = timed(session.commit)
            phases["parse"].append(parse_s)
            phases["write"].append(write_s + commit_s)
            phases["import (parse + write)"].append(parse_s + write_s + commit_s)
            phases["ORM bulk insert (baseline)"].append(
                insert_only(imported.world_id, imported.segments)
            )
            phases["refusing 100,000 segments"].append(timed(lambda: refuse(over))[0])
        for name, times in phases.items():
            print(
                f"{name:30s} median {statistics.median(times):6.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs)"
            )


def refuse(data: bytes) -> None:
    try:
        world_import.parse(data)
    except Invalid as refusal:
        assert "more than" in str(refusal), refusal
    else:
        raise AssertionError("a world over the segment limit was accepted")


def insert_only(world_id: uuid.UUID, count: int) -> float:
    """Seconds to write `count` plain segment rows into one of the imported world's stories
    with an ORM bulk INSERT (rolled back afterwards)."""
    with session_scope() as session:
        story_id = session.exec(select(Story.id).where(Story.world_id == world_id)).first()
        now = datetime.now(UTC)
        rows = [
            {
                "id": uuid.uuid4(),
                "story_id": story_id,
                "order": n,
                "content": "On.",
                "word_count": 1,
                "world_evolution": {},
                "ui_components": [],
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        seconds, _ = timed(lambda: session.execute(insert(StorySegment), rows))
        session.rollback()
    return seconds


if __name__ == "__main__":
    main()
