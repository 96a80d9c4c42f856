"""Security headers on every HTTP response of the app: pages, the frontend's static files, the
event socket's HTTP answers, /livez, /readyz, /auth and /assets. One ASGI middleware, the
outermost of the app's transformers (`dsf_app.py`), so nothing the backend serves goes out
without them.

The Content-Security-Policy lets the compiled Reflex frontend run and nothing else:
- scripts only from this origin, plus the inline scripts of the built pages (React Router's
  context and streaming, the colour-mode and scroll-restoration snippets), admitted by their
  SHA-256 hashes read from the build — no 'unsafe-inline', no 'unsafe-eval' (toasts and page
  scripts are compiled in, see `state/feedback.py`);
- styles from this origin and inline: Emotion (Reflex's CSS-in-JS) injects <style> elements and
  Radix sets style attributes at run time, so 'unsafe-inline' is needed for styles. Content
  cannot use it: the untrusted-text rule never emits <style> or style attributes from content;
- images from this origin, data: (canvas data:image URLs) and `image_sources.image_origins`
  (the S3 endpoint /assets/<id> redirects to, the CDN, the operator's extra hosts);
- connections to this origin and the app's public URL (the event socket, over ws: or wss:);
- no frames, plugins, foreign <base>, embedding by other sites, or form posts elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from reflex import constants
from reflex.config import get_config
from reflex.utils import prerequisites
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dsf_app.image_sources import image_origins
from dsf_app.settings import Settings, get_settings

# Inline scripts only: <script src=...> elements load from this origin under 'self'.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers that predate CSP's frame-ancestors.
    "X-Frame-Options": "DENY",
    # A window this app opens, or that opens it, from another origin gets no handle on it.
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Browsers that once reached the app over https refuse plain http to it for a year. Without
# includeSubDomains: the operator's other hosts under the same domain are not ours to decide.
STRICT_TRANSPORT = "max-age=31536000"


def frontend_dir() -> Path:
    """Where the built frontend is served from (Reflex's own get_frontend_mount reads the same)."""
    web = prerequisites.get_web_dir() / constants.Dirs.STATIC
    return (web / get_config().frontend_path.strip("/")).resolve()


def inline_script_hashes(folder: Path) -> list[str]:
    """CSP hash sources for every inline script in the built pages under `folder`."""
    found: set[str] = set()
    for page in folder.rglob("*.html"):
        for body in INLINE_SCRIPT.findall(page.read_text("utf-8")):
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return sorted(found)


def _socket_origin(origin: str) -> str:
    """The ws:/wss: origin of an http:/https: one (the event socket's)."""
    scheme, rest = origin.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    public = settings.public_origin
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *image_origins(settings)],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", public, _socket_origin(public)],
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(v))}" for name, v in directives.items())


def response_headers(settings: Settings, script_hashes: list[str]) -> dict[str, str]:
    """Every header the middleware sets; Strict-Transport-Security only when the app's public
    URL is https (over plain http a browser ignores it, and a local start must stay reachable)."""
    headers = {
        **FIXED_HEADERS,
        "Content-Security-Policy": content_security_policy(settings, script_hashes),
    }
    if settings.public_origin.startswith("https://"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT
    return headers


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers: dict[str, str] | None = None

    def headers(self) -> dict[str, str]:
        # Read once the build exists: `reflex run --env prod` builds before the backend starts.
        if self._headers is not None:
            return self._headers
        hashes = inline_script_hashes(frontend_dir())
        headers = response_headers(get_settings(), hashes)
        if hashes:
            self._headers = headers
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers().items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
