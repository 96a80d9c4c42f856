"""GET /export/runs.jsonl: the signed-in person's runs as JSONL trajectories (OpenAI chat
fine-tuning format), streamed a page of runs at a time. `?run=<id>` exports one run;
`?since=YYYY-MM-DD&until=YYYY-MM-DD&world=<id>` narrows the rest (all their runs by default)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from dsf_app.agents import fine_tuning
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.services.actor import Actor

SIGNED_OUT = "Sign in to Deep Sci-Fi to export your runs."
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _actor(request: Request) -> Actor | None:
    token = sessions.token_from_cookies(request.headers.get("cookie", ""))
    with session_scope() as db:
        return sessions.resolve(db, token)


def _date(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise Invalid(f"“{text[:40]}” is not a date; write it as YYYY-MM-DD.") from exc


def _id(text: str | None, what: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise Invalid(f"“{text[:40]}” is not a {what} id.") from exc


async def export_runs(request: Request) -> Response:
    params = request.query_params
    actor = await run_in_threadpool(_actor, request)
    if actor is None:
        return _private(PlainTextResponse(SIGNED_OUT, status_code=401))
    try:
        run_id = _id(params.get("run"), "run")
        if run_id is not None:
            line = await run_in_threadpool(fine_tuning.export_run, actor, run_id)
            lines: Iterator[str] = iter([line])
        else:
            since = _date(params.get("since"), EPOCH)
            until = _date(params.get("until"), datetime.now(UTC)) + timedelta(days=1)
            lines = fine_tuning.export_runs(actor, since, until, _id(params.get("world"), "world"))
    except NotFound as exc:
        return _private(PlainTextResponse(str(exc), status_code=404))
    except Invalid as exc:
        return _private(PlainTextResponse(str(exc), status_code=400))
    name = f"dsf-run-{run_id}.jsonl" if run_id else "dsf-runs.jsonl"
    return _private(
        StreamingResponse(
            lines,
            media_type="application/jsonl",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


run_export_route = Route("/export/runs.jsonl", export_runs, methods=["GET"])
