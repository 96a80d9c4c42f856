"""The field types the canvas components' props share, with the limits every spec lives
within: labels and prose of bounded length, component ids of a fixed pattern, image URLs under
the image-URL policy (`image_urls`), colours and lengths by pattern, and the small vocabularies
(spacing, alignment, sizes) the renderer maps to fixed theme tokens."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from dsf_app.canvas.image_urls import MAX_URL_CHARS, check_image_url

MAX_LABEL_CHARS = 300
MAX_PROSE_CHARS = 10_000
MAX_ITEMS = 50
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

Label = Annotated[str, Field(max_length=MAX_LABEL_CHARS)]
Prose = Annotated[str, Field(max_length=MAX_PROSE_CHARS)]
ComponentId = Annotated[str, Field(pattern=ID_PATTERN)]
ImageUrl = Annotated[
    str,
    Field(
        max_length=MAX_URL_CHARS,
        description="An /assets/<id> URL (from asset_manager or image_generator) or a "
        "data:image/(png|jpeg|gif|webp);base64 URL; other hosts are refused.",
    ),
    AfterValidator(check_image_url),
]
Color = Annotated[
    str,
    Field(
        pattern=r"^(#[0-9A-Fa-f]{3,8}|[a-z]{1,20}(-[0-9]{1,2})?)$",
        description="A theme colour name such as 'accent', 'crimson' or 'gray-11', or a hex colour.",
    ),
]
Length = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,4}(\.[0-9]{1,2})?(px|rem|em|%)$", description="e.g. '240px' or '16rem'."
    ),
]
Spacing = Literal["none", "xs", "sm", "md", "lg", "xl"]
Align = Literal["start", "center", "end", "stretch", "baseline"]
Justify = Literal["start", "center", "end", "between"]
Orientation = Literal["vertical", "horizontal"]
Size = Literal["small", "medium", "large", "full"]
_T = TypeVar("_T")
Items = Annotated[list[_T], Field(min_length=1, max_length=MAX_ITEMS)]


class Strict(BaseModel):
    """A part of a spec: unknown keys (onClick, style, dangerouslySetInnerHTML...) are refused,
    never passed through."""

    model_config = ConfigDict(extra="forbid")


def refuse_repeated(ids: list[str], what: str) -> None:
    """Refuse a list of ids (an ActionBar's actions, a Select's options) that repeats one."""
    repeated = sorted({one for one in ids if ids.count(one) > 1})
    if repeated:
        raise PydanticCustomError(
            "duplicate_id",
            "{what} ids must be unique; repeated: {ids}",
            {"what": what, "ids": ", ".join(repeated)},
        )
