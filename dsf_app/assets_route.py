"""GET /assets/<asset id>: the stable URL of an asset in pages and canvas specs. It checks that
the signed-in person may read the asset before anything else, then serves the bytes itself
(streamed from S3, with `ETag` and `Range`) — so images show wherever the app can be opened,
whatever the S3 endpoint's address — or, when a CDN or a public S3 endpoint is configured,
redirects to a short-lived URL there."""

from __future__ import annotations

import uuid

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import NotFound, ServiceUnavailable
from dsf_app.services import asset_files, assets
from dsf_app.services.image_uploads import THUMBNAIL_TYPE
from dsf_app.storage import StoredObject

# Browsers may reuse a redirect for a few minutes; the presigned URL it leads to lives as long.
REDIRECT_MAX_AGE = 300
# An asset's bytes never change under its id; the ETag lets a browser check cheaply after this.
BYTES_MAX_AGE = 3600
SIGNED_OUT = "Sign in to Deep Sci-Fi to see this file."


def _location(token: str | None, asset_id: uuid.UUID, thumbnail: bool) -> tuple[str, str] | None:
    """(storage key, content type) of the asset (of its thumbnail when asked and it has one),
    or None when nobody is signed in; NotFound when the person may not read it — the same
    answer as for an asset that does not exist."""
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        if actor is None:
            return None
        asset = assets.get_asset(db, actor, asset_id)
        if thumbnail and asset.thumbnail_key:
            return asset.thumbnail_key, THUMBNAIL_TYPE
        return asset.storage_key, asset.content_type


async def serve_asset(request: Request) -> Response:
    return await _serve(request, thumbnail=False)


async def serve_thumbnail(request: Request) -> Response:
    """GET /assets/<asset id>/thumbnail: the small copy an upload has, else the image itself."""
    return await _serve(request, thumbnail=True)


async def _serve(request: Request, *, thumbnail: bool) -> Response:
    asset_id: uuid.UUID = request.path_params["asset_id"]
    token = sessions.token_from_cookies(request.headers.get("cookie", ""))
    storage = asset_files.asset_storage()
    try:
        found = await run_in_threadpool(_location, token, asset_id, thumbnail)
        if found is None:
            return _private(PlainTextResponse(SIGNED_OUT, status_code=401))
        key, content_type = found
        elsewhere = storage.public_url(key, content_type)
        if elsewhere is None:
            stored = await run_in_threadpool(
                storage.read,
                key,
                byte_range=request.headers.get("range", ""),
                if_none_match=request.headers.get("if-none-match", ""),
            )
            return _bytes(stored, content_type, head=request.method == "HEAD")
    except NotFound as exc:
        return _private(PlainTextResponse(str(exc), status_code=404))
    except ServiceUnavailable as exc:
        return _private(PlainTextResponse(str(exc), status_code=503))
    response = RedirectResponse(elsewhere, status_code=302)
    response.headers["Cache-Control"] = f"private, max-age={REDIRECT_MAX_AGE}"
    response.headers["Vary"] = "Cookie"
    return response


def _bytes(stored: StoredObject, content_type: str, *, head: bool) -> Response:
    headers = {
        "Content-Type": content_type,
        **stored.headers,
        "Accept-Ranges": "bytes",
        "Cache-Control": f"private, max-age={BYTES_MAX_AGE}",
        "Vary": "Cookie",
    }
    if stored.status == 416:
        return _private(PlainTextResponse("That byte range is past the end of the file.", 416))
    if head or stored.status == 304:
        stored.close()
        return Response(status_code=stored.status, headers=headers)
    return StreamingResponse(stored.chunks(), status_code=stored.status, headers=headers)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# Only UUIDs match, so the frontend bundle's own /assets/<name>.js files are served as before.
asset_route = Route("/assets/{asset_id:uuid}", serve_asset, methods=["GET", "HEAD"])
thumbnail_route = Route(
    "/assets/{asset_id:uuid}/thumbnail", serve_thumbnail, methods=["GET", "HEAD"]
)
