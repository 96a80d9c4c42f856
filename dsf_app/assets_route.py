"""GET /assets/<asset id>: the stable URL of an asset in pages and canvas specs. It checks that
the signed-in person may read the asset, then redirects to a fresh presigned S3 URL (or the CDN
URL), so pages never hold URLs that expire."""

from __future__ import annotations

import uuid

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import NotFound, ServiceUnavailable
from dsf_app.services import asset_files, assets

# Browsers may reuse a redirect for a few minutes; the presigned URL it leads to lives an hour.
REDIRECT_MAX_AGE = 300
SIGNED_OUT = "Sign in to Deep Sci-Fi to see this file."


def _location(token: str | None, asset_id: uuid.UUID) -> tuple[str, str] | None:
    """(storage key, content type) of the asset, or None when nobody is signed in; NotFound
    when the person may not read it — the same answer as for an asset that does not exist."""
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        if actor is None:
            return None
        asset = assets.get_asset(db, actor, asset_id)
        return asset.storage_key, asset.content_type


async def asset_redirect(request: Request) -> Response:
    asset_id: uuid.UUID = request.path_params["asset_id"]
    token = sessions.token_from_cookies(request.headers.get("cookie", ""))
    try:
        found = await run_in_threadpool(_location, token, asset_id)
        if found is None:
            return _private(PlainTextResponse(SIGNED_OUT, status_code=401))
        url = asset_files.asset_storage().url(*found)
    except NotFound as exc:
        return _private(PlainTextResponse(str(exc), status_code=404))
    except ServiceUnavailable as exc:
        return _private(PlainTextResponse(str(exc), status_code=503))
    response = RedirectResponse(url, status_code=302)
    response.headers["Cache-Control"] = f"private, max-age={REDIRECT_MAX_AGE}"
    response.headers["Vary"] = "Cookie"
    return response


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# Only UUIDs match, so the frontend bundle's own /assets/<name>.js files are served as before.
asset_route = Route("/assets/{asset_id:uuid}", asset_redirect, methods=["GET", "HEAD"])
