"""Which image URLs a canvas spec (and anything else an agent or an author writes) may show:
our /assets/<id> URLs, URLs under the CDN base and the operator's allowed image hosts
(`dsf_app.image_sources`), and base64 png/jpeg/gif/webp data URLs. Any other host is refused,
so a spec cannot make a reader's browser call a host of the agent's choosing; SVG is refused
because it can carry script."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit

from pydantic_core import PydanticCustomError

from dsf_app import image_sources

# Room for a small inline image; anything bigger belongs in the asset store.
MAX_URL_CHARS = 100_000

_extra_asset_prefixes: ContextVar[tuple[str, ...]] = ContextVar(
    "dsf_extra_asset_prefixes", default=()
)
# Browsers drop tabs and newlines inside URLs and read backslashes as slashes, which is how
# "java\tscript:" and "/\evil.com" slip past naive prefix checks; refusing them outright is simpler.
_UNSAFE_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f\\]")
# SVG is left out on purpose: an SVG document can carry script.
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}", re.I)


@contextmanager
def allowing_asset_prefixes(prefixes: Iterable[str]) -> Iterator[None]:
    """Within this block, also accept image URLs under `prefixes` (e.g. the asset CDN's base URL)."""
    token = _extra_asset_prefixes.set(_extra_asset_prefixes.get() + tuple(prefixes))
    try:
        yield
    finally:
        _extra_asset_prefixes.reset(token)


def _url_problem(url: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("image_url", "{message}", {"url": url[:100], "message": message})


def check_image_url(url: str, extra_prefixes: Iterable[str] = ()) -> str:
    """Return `url` if a browser may load it as an image on our pages; raise ValueError if not.

    Allowed (`dsf_app.image_sources`): our /assets/<id> URLs, URLs under the CDN base and the
    operator's allowed image hosts (plus `extra_prefixes` and those of `allowing_asset_prefixes`),
    and base64 png/jpeg/gif/webp data URLs. Any other host is refused, so a spec cannot make a
    reader's browser call a host of the agent's choosing.
    """
    lowered = url.lower()
    if lowered.startswith("data:"):
        if _DATA_IMAGE.fullmatch(url):
            return url
        if lowered.startswith("data:image/svg"):
            raise _url_problem(
                url,
                "SVG data URLs are not allowed (SVG can carry script); use png, jpeg, gif or webp",
            )
        raise _url_problem(url, "data: URLs must be data:image/(png|jpeg|gif|webp);base64,...")
    if _UNSAFE_URL_CHARS.search(url):
        raise _url_problem(
            url, "image URLs may not contain spaces, control characters or backslashes"
        )
    if image_sources.is_allowed_image(url, (*_extra_asset_prefixes.get(), *extra_prefixes)):
        if ".." in unquote(urlsplit(url).path).split("/"):
            raise _url_problem(url, "image URLs may not contain '..' path segments")
        return url
    raise _url_problem(url, image_sources.allowed_sources_sentence())
