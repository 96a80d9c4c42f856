"""Where an image shown on DSF's pages may come from, so that nothing an agent, an author or a file
writes makes a reader's browser fetch from a host of their choosing.

Allowed: our own `/assets/<id>` URLs (relative, or under the app's public URL), the CDN base
(`S3_PUBLIC_BASE_URL`) and the hosts an operator lists in `DSF_ALLOWED_IMAGE_HOSTS` (none by
default). The canvas validates specs with it, the Markdown renderer applies the same prefixes in
the browser, and the Content-Security-Policy's `img-src` is built from the same settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from dsf_app.settings import Settings, get_settings
from dsf_app.settings.web import origin_of

# The stable URL of one stored asset (see assets_route.py); nothing else under /assets/ is ours
# to show as an image (the frontend bundle's own files live there too).
ASSET_PATH = re.compile(
    r"/assets/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


def as_prefix(base: str) -> str:
    """`base` normalised (lower-case scheme and host) and ending in "/": without the slash
    "https://cdn.example.com" would also admit "https://cdn.example.com.evil.net/..."."""
    parts = urlsplit(base.strip())
    path = parts.path if parts.path.endswith("/") else f"{parts.path}/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def _configured(settings: Settings) -> list[str]:
    hosts = [h.strip() for h in settings.allowed_image_hosts.split(",") if h.strip()]
    # A bare host name means its https origin.
    hosts = [h if "://" in h else f"https://{h}" for h in hosts]
    cdn = [settings.s3_public_base_url] if settings.s3_public_base_url.strip() else []
    return [*cdn, *hosts]


def image_prefixes(settings: Settings | None = None) -> tuple[str, ...]:
    """Absolute URL prefixes images may be shown from: the app's own /assets/, the CDN base and
    the operator's extra hosts, each normalised and ending in "/"."""
    settings = settings or get_settings()
    own = f"{settings.public_origin}/assets/"
    return tuple(dict.fromkeys(as_prefix(p) for p in (own, *_configured(settings))))


def image_origins(settings: Settings | None = None) -> tuple[str, ...]:
    """Origins a page loads images from: those of `image_prefixes`, plus the public S3 endpoint
    that /assets/<id> redirects to with a presigned URL (when one is configured and no CDN is)."""
    settings = settings or get_settings()
    origins = [origin_of(p) for p in image_prefixes(settings)]
    public_endpoint = settings.s3_public_endpoint_url.strip()
    if public_endpoint and not settings.s3_public_base_url.strip():
        origins.append(origin_of(public_endpoint))
    return tuple(dict.fromkeys(origins))


def is_asset_path(url: str) -> bool:
    return ASSET_PATH.fullmatch(url) is not None


def is_allowed_image(url: str, extra_prefixes: Iterable[str] = ()) -> bool:
    """Whether `url` is one of our asset URLs or lies under an allowed prefix (or one of
    `extra_prefixes`, absolute base URLs). Callers refuse whitespace, control characters and
    backslashes first (browsers drop or reinterpret them)."""
    if is_asset_path(url):
        return True
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return False
    normalised = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )
    # An empty or bare "/" prefix (an unset setting) would admit protocol-relative "//evil".
    extra = (as_prefix(p) for p in extra_prefixes if p.strip("/"))
    return any(normalised.startswith(prefix) for prefix in (*image_prefixes(), *extra))


def allowed_sources_sentence(settings: Settings | None = None) -> str:
    """What a refused image URL should have been, for the agent or the author to act on."""
    hosts = [as_prefix(p) for p in _configured(settings or get_settings())]
    extra = f", URLs under {', '.join(hosts)}" if hosts else ""
    return (
        f"images must be our /assets/<id> URLs (asset_manager and image_generator give them)"
        f"{extra} or data:image/(png|jpeg|gif|webp);base64 URLs"
    )
