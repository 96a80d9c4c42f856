"""Reflex configuration; DSF's own settings live in dsf_app/settings.py."""

import reflex as rx

from dsf_app.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="dsf_app",
    telemetry_enabled=False,
    api_url=_settings.public_url,
    deploy_url=_settings.public_url,
    frontend_port=_settings.app_port,
    backend_port=_settings.app_port,
    backend_host=_settings.app_host,
    bun_path=_settings.tools_dir / "bun" / "bin" / "bun",
    redis_url=_settings.redis_url or None,
    # The event socket's handshake (engine.io checks Origin) and the API's CORS answers admit
    # only the app's own pages and DSF_ALLOWED_ORIGINS; Reflex's default is every origin.
    cors_allowed_origins=list(_settings.trusted_origins),
    show_built_with_reflex=False,
    default_color_mode="dark",
    disable_plugins=[rx.plugins.SitemapPlugin],
)
