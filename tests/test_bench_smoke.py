"""Every benchmark under bench/ runs at a tiny size and prints its figures, so a change of the
schema or of a service a benchmark calls cannot silently break one. The values are not checked:
they mean nothing at this size and on a shared machine.

Each benchmark runs as `python -m bench.<name>` would, in a process of its own (it starts its own
throwaway services and points DSF's settings at them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import load

pytestmark = pytest.mark.starts_services

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NOT_BENCHMARKS = {"__init__", "throwaway"}
# A stack-starting benchmark at its smallest still waits for Letta and the app to start.
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Smoke:
    """The arguments that make a benchmark tiny, and the labels of the figures it must print
    (each on a line that also holds a number)."""

    arguments: tuple[str, ...]
    figures: tuple[str, ...]


SMOKE = {
    "analytics": Smoke(
        ("--runs", "200", "--repeat", "2"),
        ("seeded", "built the daily rollups", "turns per day", "evaluation scores", "slowest"),
    ),
    "canvas_latency": Smoke(
        ("--runs", "2", "--warm-up", "1"),
        ("component on screen in Chromium", "baseline, the same scene stored directly"),
    ),
    "changelog": Smoke(
        ("--runs", "3", "--changes", "60"),
        ("database round trip", "world page load", "access check", "show older changes"),
    ),
    "codex": Smoke(
        ("--runs", "3", "--entries", "40", "--pages", "20"),
        (
            "import of a",
            "embedding",
            "mention linking",
            "database round trip",
            "lore retrieval",
            "source retrieval",
        ),
    ),
    "fairness": Smoke(
        (
            "--events",
            "5",
            "--imports",
            "2",
            "--entries",
            "20",
            "--segments",
            "50",
            "--warm-up",
            "5",
        ),
        ("idle server", "during the imports", "world imports started at once", "app RSS"),
    ),
    "load": Smoke(
        # Two app starts, each the slowest part: locking on and off, once each (the one-worker
        # app is the one every other test runs).
        (
            *("--clients", "1", "--events", "3", "--idle", "2", "--turns", "1"),
            *("--repeats", "1", "--without-one-worker"),
        ),
        (
            "idle tab, app RSS",
            "page event p50/p95/p99 ms",
            "throughput",
            "app CPU per event",
            "chat turns at once",
            "ratio",  # locking on vs off
            *(f"{event.label}: p95" for event in load.PAGE_EVENTS),  # against the targets
        ),
    ),
    "pages": Smoke(
        ("--runs", "1", "--worlds", "3", "--segments", "2"),
        (
            "seeded",
            "worlds page",
            "baseline, worlds page",
            "story reader",
            "baseline, story reader",
            "service calls",
        ),
    ),
    "stream_bytes": Smoke(
        ("--items", "3", "--repeats", "1", "--reply-chars", "200"),
        ("Reply of", "after   3 items"),
    ),
    "turn_overhead": Smoke(("--runs", "1"), ("letta-client", "DSF orchestrator", "DSF added")),
    "visitors": Smoke(
        ("--visitors", "5", "--rounds", "1", "--at-once", "5", "--members", "1"),
        ("before", "visitors", "signed-in tabs", "Redis process RSS"),
    ),
    "world_import": Smoke(
        ("--runs", "1", "--segments", "200"),
        ("document", "json.loads (baseline)", "import (parse + write)", "refusing"),
    ),
}


def bench_modules() -> set[str]:
    return {path.stem for path in BENCH.glob("*.py")} - NOT_BENCHMARKS


def test_every_benchmark_has_a_smoke_case() -> None:
    missing = bench_modules() - set(SMOKE)
    gone = set(SMOKE) - bench_modules()
    files = ", ".join(f"bench/{name}.py" for name in sorted(missing))
    assert not missing, f"add a tiny-size case to SMOKE for {files}"
    assert not gone, f"SMOKE names benchmarks that bench/ no longer has: {sorted(gone)}"


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs_at_a_tiny_size(name: str) -> None:
    smoke = SMOKE[name]
    finished = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *smoke.arguments],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    output = f"{finished.stdout}\n{finished.stderr[-4000:]}"
    assert finished.returncode == 0, f"bench.{name} failed:\n{output}"
    lines = finished.stdout.splitlines()
    for label in smoke.figures:
        assert any(label in line and re.search(r"\d", line) for line in lines), (
            f"bench.{name} printed no figure for {label!r}:\n{finished.stdout}"
        )
