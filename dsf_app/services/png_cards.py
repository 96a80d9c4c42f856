"""Character cards inside PNG images, as SillyTavern shares them: the card's JSON, base64, in a
`ccv3` (Character Card V3) and/or `chara` (V1/V2) text chunk of the avatar image. Reading takes
the V3 chunk first, as SillyTavern does, and gives the avatar back without its chunks (a stored
avatar must not carry the whole card); writing embeds both chunks.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from dataclasses import dataclass
from typing import Any

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from dsf_app.errors import Invalid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHUNKS = ("ccv3", "chara")  # the V3 card wins over the V1/V2 one
MAX_AVATAR_PIXELS = 40_000_000
BLANK_AVATAR = (400, 600)  # a card's usual 2:3 portrait, for a character without an image


@dataclass(frozen=True)
class PngCard:
    document: dict[str, Any]  # the card's JSON
    avatar: bytes  # the image as a PNG without text chunks


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def _unreadable(what: str) -> Invalid:
    return Invalid(
        f"This PNG {what}, so no character card could be read from it; export the card "
        "again from the app that made it, or import its JSON."
    )


def read(data: bytes) -> PngCard:
    """The card in a PNG's `ccv3` or `chara` chunk and its image; Invalid with a sentence when
    the PNG is damaged, carries no card, or its chunk is not base64 JSON."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if image.width * image.height > MAX_AVATAR_PIXELS:
                raise _unreadable(
                    f"is {image.width} by {image.height} pixels, more than a card's avatar may be"
                )
            text = {k: v for k, v in image.text.items() if k in CHUNKS}  # pyright: ignore[reportAttributeAccessIssue]
            image.load()
            avatar = io.BytesIO()
            image.save(avatar, "PNG")
    except Image.DecompressionBombError:
        raise _unreadable("has more pixels than a card's avatar may have") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable(f"is damaged or not a PNG ({exc})") from None
    chunk = next((name for name in CHUNKS if name in text), None)
    if chunk is None:
        raise _unreadable("has no “chara” or “ccv3” text chunk")
    try:
        document = json.loads(base64.b64decode(text[chunk], validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise _unreadable(f"has a “{chunk}” chunk that is not base64-encoded JSON") from None
    if not isinstance(document, dict):
        raise _unreadable(f"has a “{chunk}” chunk whose JSON is not a card (an object)")
    return PngCard(document, avatar.getvalue())


def _encoded(document: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(document, ensure_ascii=False).encode()).decode("ascii")


def write(v2: dict[str, Any], v3: dict[str, Any], image: bytes | None) -> bytes:
    """A PNG of `image` (any format Pillow reads; a plain portrait when None or unreadable)
    carrying the V2 card in `chara` and the V3 card in `ccv3`."""
    picture = Image.new("RGB", BLANK_AVATAR, (38, 52, 64))
    if image is not None:
        try:
            with Image.open(io.BytesIO(image)) as opened:
                if opened.width * opened.height <= MAX_AVATAR_PIXELS:
                    picture = opened.convert("RGBA")
        except (UnidentifiedImageError, OSError, ValueError, EOFError):
            pass  # an image DSF stored but cannot decode: the card still exports, on the plain one
    info = PngImagePlugin.PngInfo()
    info.add_text("chara", _encoded(v2))
    info.add_text("ccv3", _encoded(v3))
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info)
    return out.getvalue()
