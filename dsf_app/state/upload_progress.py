"""What a page shows while a file it sent is on its way and being worked on: the bytes sent (the
browser reports them through the upload's `on_upload_progress`), then the stage the server is at,
and the sentence of a refusal, beside the drop zone (`components/upload_zone.py`)."""

from __future__ import annotations

import math

import reflex as rx

from dsf_app.pools import Progress

SENDING = "sending"


def size(count: int) -> str:
    """A byte count as a person reads it: 980 bytes, 12.4 KB, 3.1 MB."""
    if count < 1000:
        return f"{count:,} bytes"
    if count < 1_000_000:
        return f"{count / 1000:,.1f} KB"
    return f"{count / 1_000_000:,.1f} MB"


def _count(value: object) -> int:
    """A byte count the browser reported: anything but a number counts as none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, int(value))


def stage_of(progress: Progress) -> str:
    """What a person reads of a stage: "Adding entries: 1,200 of 5,000…"."""
    if progress.total:
        return f"{progress.stage}: {progress.done:,} of {progress.total:,}…"
    return f"{progress.stage}…"


class UploadProgress(rx.State, mixin=True):
    """Mixin for a page state with an upload handler: call `_start_upload` when the handler
    starts reading, `_upload_stage` as the server's work moves on, and `_end_upload` (with the
    refusal's sentence, if any) when it ends."""

    upload_stage: rx.Field[str] = rx.field("")  # "": idle; SENDING, or what the server does
    upload_sent: rx.Field[int] = rx.field(0)
    upload_total: rx.Field[int] = rx.field(0)
    upload_problem: rx.Field[str] = rx.field("")

    @rx.var
    def uploading(self) -> bool:
        return self.upload_stage != ""

    @rx.var
    def upload_percent(self) -> int:
        if self.upload_stage != SENDING:
            return 100
        return min(100, self.upload_sent * 100 // self.upload_total) if self.upload_total else 0

    @rx.var
    def upload_status(self) -> str:
        if self.upload_stage == SENDING:
            if not self.upload_total:
                return "Sending…"
            return f"Sent {size(self.upload_sent)} of {size(self.upload_total)}"
        return self.upload_stage

    @rx.event
    def upload_progress(self, progress: dict[str, int | float | bool]) -> None:
        """The browser's report of the bytes it has sent so far; ignored unless this page's
        upload is being read (reports that arrive after it ended change nothing)."""
        if self.upload_stage != SENDING:
            return
        self.upload_total = _count(progress.get("total"))
        self.upload_sent = min(self.upload_total, _count(progress.get("loaded")))

    def _start_upload(self) -> None:
        self.upload_stage, self.upload_sent, self.upload_total = SENDING, 0, 0
        self.upload_problem = ""

    def _upload_stage(self, stage: str) -> None:
        self.upload_stage = stage

    async def _show_progress(self, progress: Progress) -> None:
        """A heavy process's report (`pools.in_heavy_process_reporting`), from a background
        handler."""
        async with self:
            self.upload_stage = stage_of(progress)

    def _end_upload(self, problem: str = "") -> None:
        self.upload_stage, self.upload_problem = "", problem
