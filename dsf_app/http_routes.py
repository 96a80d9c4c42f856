"""Plain HTTP routes served beside the Reflex app: /livez and /readyz (alias /health) for load
balancers, the container and start.sh, the sign-in routes under /auth, /assets/<id> redirects to
stored files, and the runs export."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from dsf_app import health
from dsf_app.assets_route import asset_route, thumbnail_route
from dsf_app.auth.routes import build_auth_app
from dsf_app.run_export_route import run_export_route
from dsf_app.settings import get_settings


def livez(_: Request) -> JSONResponse:
    """The process answers; asks nothing of the services it depends on."""
    return JSONResponse({"ok": True})


def readyz(_: Request) -> JSONResponse:
    """Whether every service the app needs answers (a check at most about a second old): only
    which one is down, never where; the detail goes to the log."""
    readiness = health.readiness(get_settings())
    return JSONResponse(readiness.public_body(), status_code=200 if readiness.ok else 503)


http_app = Starlette(
    routes=[
        Route("/livez", livez),
        Route("/readyz", readyz),
        # The name load balancers, the container check and older probes know.
        Route("/health", readyz),
        Mount("/auth", app=build_auth_app()),
        asset_route,
        thumbnail_route,
        run_export_route,
    ]
)
