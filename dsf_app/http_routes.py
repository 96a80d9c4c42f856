"""Plain HTTP routes served beside the Reflex app: health for load balancers and start.sh, the
sign-in routes under /auth, /assets/<id> redirects to stored files, and the runs export."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from dsf_app import health
from dsf_app.assets_route import asset_route
from dsf_app.auth.routes import build_auth_app
from dsf_app.run_export_route import run_export_route
from dsf_app.settings import get_settings


def health_endpoint(_: Request) -> JSONResponse:
    checks = health.check_all(get_settings())
    body = {check.name: {"ok": check.ok, "detail": check.detail} for check in checks}
    status = 200 if all(check.ok for check in checks) else 503
    return JSONResponse({"ok": status == 200, "services": body}, status_code=status)


http_app = Starlette(
    routes=[
        Route("/health", health_endpoint),
        Mount("/auth", app=build_auth_app()),
        asset_route,
        run_export_route,
    ]
)
