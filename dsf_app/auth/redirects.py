"""Where to send a person after sign-in: only paths on this site, never elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

DEFAULT_NEXT = "/worlds"
SIGNIN_PATH = "/signin"


def safe_next(path: str | None) -> str:
    """`path` if it is a relative path on this site ("/..." but not "//..." or "/\\..."), else
    /worlds — so a crafted link cannot send someone to another site after sign-in."""
    if (
        not path
        or not path.startswith("/")
        or path.startswith("//")
        or any(ch in path for ch in "\r\n\t\\")
        or urlsplit(path).path == SIGNIN_PATH
    ):
        return DEFAULT_NEXT
    return path


def signin_url(next_path: str | None = None, **params: str) -> str:
    """/signin with `next` (when it is not the default) and any other query parameters."""
    query = dict(params)
    target = safe_next(next_path)
    if target != DEFAULT_NEXT:
        query["next"] = target
    return f"{SIGNIN_PATH}?{urlencode(query)}" if query else SIGNIN_PATH
