"""What an agent may put on the canvas: one model per component type, the image-URL policy and
the size limits. Validating a `CanvasSpec` is the only way a spec reaches the screen."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal, TypeVar, get_args
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dsf_app import image_sources

MAX_DEPTH = 12
MAX_NODES = 500
MAX_LABEL_CHARS = 300
MAX_PROSE_CHARS = 10_000
# Room for a small inline image; anything bigger belongs in the asset store.
MAX_URL_CHARS = 100_000
MAX_ITEMS = 50
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

# --- Image URLs -------------------------------------------------------------------------------

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


# --- Field types shared by the props ----------------------------------------------------------

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


class _Strict(BaseModel):
    # Unknown keys (onClick, style, dangerouslySetInnerHTML...) are refused, never passed through.
    model_config = ConfigDict(extra="forbid")


class Component(_Strict):
    """What every component has; each type adds its `type` (a Literal: the union's tag) and
    its `props` model."""

    id: ComponentId | None = Field(
        default=None,
        description="Your name for this component, unique within the spec; needed to update, "
        "remove or recognise clicks on it. Generated when omitted.",
    )

    def nested(self) -> list[Spec]:
        """The components inside this one, in render order."""
        return []


class _Leaf(Component):
    @model_validator(mode="before")
    @classmethod
    def _refuse_children(cls, data: Any) -> Any:
        if isinstance(data, dict) and "children" in data:
            if data["children"]:
                raise PydanticCustomError(
                    "no_children",
                    "{kind} takes no children; put them in a Stack, Grid, Card, Callout, "
                    "ScrollSection or Dialog instead",
                    {"kind": data.get("type")},
                )
            data = {key: value for key, value in data.items() if key != "children"}
        return data


class _Container(Component):
    children: list[Spec] = Field(default_factory=list)

    def nested(self) -> list[Spec]:
        return list(self.children)


# --- The component types ----------------------------------------------------------------------


class TextProps(_Strict):
    content: Prose = Field(description="Plain text; shown exactly as written, never as HTML.")
    variant: Literal["body", "heading", "caption"] | None = None
    size: Literal["sm", "md", "lg", "xl", "2xl"] | None = None
    color: Color | None = None


class Text(_Leaf):
    """A run of plain text."""

    type: Literal["Text"]
    props: TextProps


class ButtonProps(_Strict):
    label: Label
    variant: Literal["primary", "secondary"] | None = None


class Button(_Leaf):
    """A button; a click is reported to you as an interaction."""

    type: Literal["Button"]
    props: ButtonProps


class StackProps(_Strict):
    direction: Orientation | None = None
    spacing: Spacing | None = None
    align: Align | None = None
    justify: Justify | None = None
    wrap: bool | None = None


class Stack(_Container):
    """Lays its children out in a row or a column."""

    type: Literal["Stack"]
    props: StackProps = Field(default_factory=StackProps)


class GridProps(_Strict):
    columns: int | None = Field(default=None, ge=1, le=12)
    rows: int | None = Field(default=None, ge=1, le=12)
    gap: Spacing | None = None
    minChildWidth: Length | None = Field(
        default=None, description="Fit as many columns as children of at least this width."
    )
    align: Align | None = None
    justify: Justify | None = None


class Grid(_Container):
    """Lays its children out in a grid."""

    type: Literal["Grid"]
    props: GridProps = Field(default_factory=GridProps)


class CardProps(_Strict):
    title: Label | None = None
    subtitle: Label | None = None
    image: ImageUrl | None = None
    imagePosition: Literal["top", "left", "right"] | None = None
    variant: Literal["default", "elevated", "outlined", "ghost"] | None = None
    accent: Color | None = None
    clickable: bool | None = Field(default=None, description="Report clicks on the card to you.")


class Card(_Container):
    """A framed panel with an optional title and image."""

    type: Literal["Card"]
    props: CardProps = Field(default_factory=CardProps)


class ImageProps(_Strict):
    src: ImageUrl
    alt: Label | None = None
    caption: Prose | None = None
    size: Size | None = None
    lightbox: bool | None = Field(
        default=None, description="Open the image full size when clicked."
    )


class Image(_Leaf):
    """One image."""

    type: Literal["Image"]
    props: ImageProps


class GalleryImage(_Strict):
    src: ImageUrl
    alt: Label | None = None
    caption: Prose | None = None


class GalleryProps(_Strict):
    images: Items[GalleryImage]
    columns: Literal[2, 3, 4] | None = None
    variant: Literal["grid", "masonry", "carousel"] | None = None
    lightbox: bool | None = None


class Gallery(_Leaf):
    """Several images at once."""

    type: Literal["Gallery"]
    props: GalleryProps


class TimelineEvent(_Strict):
    date: Label | None = Field(default=None, description="Free text, e.g. 'Spring 2147'.")
    year: int | None = None
    title: Label
    description: Prose | None = None
    status: Literal["completed", "current", "upcoming"] | None = None


class TimelineProps(_Strict):
    events: Items[TimelineEvent]
    orientation: Orientation | None = None


class Timeline(_Leaf):
    """Events in order."""

    type: Literal["Timeline"]
    props: TimelineProps


class CalloutProps(_Strict):
    variant: Literal["info", "warning", "quote", "rule", "tech"] | None = None
    title: Label | None = None
    content: Prose | None = None


class Callout(_Container):
    """A highlighted aside: a note, a warning, a quote, a rule of the world or a tech detail."""

    type: Literal["Callout"]
    props: CalloutProps = Field(default_factory=CalloutProps)


class StatItem(_Strict):
    value: Label = Field(description="Shown as written, e.g. '8.2 billion' or '42%'.")
    label: Label
    trend: Literal["up", "down", "neutral"] | None = None


class StatsProps(_Strict):
    items: Items[StatItem]
    columns: int | None = Field(default=None, ge=1, le=6)


class Stats(_Leaf):
    """Figures with labels."""

    type: Literal["Stats"]
    props: StatsProps


class BadgeProps(_Strict):
    label: Label
    variant: Literal["default", "accent", "success", "warning", "danger", "outline"] | None = None
    size: Literal["sm", "md", "lg"] | None = None


class Badge(_Leaf):
    """A small tag; a click is reported to you as an interaction."""

    type: Literal["Badge"]
    props: BadgeProps


class DividerProps(_Strict):
    variant: Literal["solid", "dashed", "dotted", "fade"] | None = None
    spacing: Spacing | None = None
    label: Label | None = None


class Divider(_Leaf):
    """A horizontal rule, optionally labelled."""

    type: Literal["Divider"]
    props: DividerProps = Field(default_factory=DividerProps)


class HeroProps(_Strict):
    title: Label
    subtitle: Label | None = None
    backgroundImage: ImageUrl | None = None
    badge: Label | None = Field(default=None, description="A small clickable tag above the title.")
    meta: list[Label] | None = Field(default=None, max_length=MAX_ITEMS)
    height: Size | None = None
    overlay: bool | None = Field(
        default=None, description="Darken the background image under the text."
    )


class Hero(_Leaf):
    """A large title block, usually with a background image, that opens a scene or story."""

    type: Literal["Hero"]
    props: HeroProps


class ScrollSectionProps(_Strict):
    animation: (
        Literal["fade-up", "fade-in", "slide-left", "slide-right", "scale", "none"] | None
    ) = None


class ScrollSection(_Container):
    """Reveals its children with an animation as the reader scrolls to them."""

    type: Literal["ScrollSection"]
    props: ScrollSectionProps = Field(default_factory=ScrollSectionProps)


class ProgressBarProps(_Strict):
    position: Literal["top", "bottom"] | None = None
    showLabel: bool | None = None


class ProgressBar(_Leaf):
    """How far the reader has scrolled through the surface."""

    type: Literal["ProgressBar"]
    props: ProgressBarProps = Field(default_factory=ProgressBarProps)


class Action(_Strict):
    id: ComponentId = Field(description="Reported back to you when the reader picks this action.")
    label: Label
    description: Prose | None = None
    variant: Literal["primary", "secondary", "branch"] | None = None


class ActionBarProps(_Strict):
    actions: Items[Action]
    title: Label | None = None

    @field_validator("actions")
    @classmethod
    def _unique_action_ids(cls, actions: list[Action]) -> list[Action]:
        ids = [action.id for action in actions]
        duplicates = sorted({action_id for action_id in ids if ids.count(action_id) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_id",
                "action ids must be unique; repeated: {ids}",
                {"ids": ", ".join(duplicates)},
            )
        return actions


class ActionBar(_Leaf):
    """Choices for the reader; picking one continues the story with that choice."""

    type: Literal["ActionBar"]
    props: ActionBarProps


class DialogProps(_Strict):
    title: Label | None = None
    description: Prose | None = None
    open: bool | None = None
    trigger: Spec | None = Field(
        default=None, description="The component that opens the dialog, e.g. a Button."
    )


class Dialog(_Container):
    """A modal window with its children inside."""

    type: Literal["Dialog"]
    props: DialogProps = Field(default_factory=DialogProps)

    def nested(self) -> list[Spec]:
        trigger = [self.props.trigger] if self.props.trigger else []
        return [*trigger, *self.children]


Spec = Annotated[
    Text
    | Button
    | Stack
    | Grid
    | Card
    | Image
    | Gallery
    | Timeline
    | Callout
    | Stats
    | Badge
    | Divider
    | Hero
    | ScrollSection
    | ProgressBar
    | ActionBar
    | Dialog,
    Field(discriminator="type"),
]

_COMPONENTS: tuple[type[Component], ...] = get_args(get_args(Spec)[0])
for _model in (*_COMPONENTS, DialogProps):
    _model.model_rebuild()

COMPONENT_TYPES: dict[str, type[Component]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in _COMPONENTS
}


# --- Whole specs ------------------------------------------------------------------------------


def _raw_nested(node: dict[str, Any]) -> list[Any]:
    children = node.get("children")
    props = node.get("props")
    trigger = props.get("trigger") if isinstance(props, dict) else None
    return [*(children if isinstance(children, list) else []), *([trigger] if trigger else [])]


def check_spec_limits(raw: Any) -> Any:
    """Refuse a raw spec nested deeper than MAX_DEPTH or with more than MAX_NODES components.

    Runs before pydantic sees the spec and walks it without recursion, so absurd input costs
    little and can't exhaust the stack.
    """
    count = 0
    pending: list[tuple[Any, int]] = [(raw, 1)]
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, dict):
            continue
        count += 1
        if depth > MAX_DEPTH:
            raise PydanticCustomError(
                "too_deep",
                "components nest more than {max} levels deep; flatten the layout",
                {"max": MAX_DEPTH},
            )
        if count > MAX_NODES:
            raise PydanticCustomError(
                "too_many_components",
                "a spec may hold at most {max} components; split it or show less at once",
                {"max": MAX_NODES},
            )
        pending.extend((child, depth + 1) for child in _raw_nested(node))
    return raw


def iter_nodes(spec: Spec) -> Iterator[Spec]:
    """Every component of `spec`, depth first in render order, without recursion."""
    pending: list[Spec] = [spec]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(node.nested()))


def assign_ids(spec: Spec) -> Spec:
    """Refuse ids used twice in `spec`; give every component without an id a fresh one."""
    nodes = list(iter_nodes(spec))
    taken: set[str] = set()
    for node in nodes:
        if node.id is None:
            continue
        if node.id in taken:
            raise PydanticCustomError(
                "duplicate_id", "id '{id}' is used by more than one component", {"id": node.id}
            )
        taken.add(node.id)
    for node in nodes:
        if node.id is None:
            node.id = _fresh_id(taken)
            taken.add(node.id)
    return spec


def _fresh_id(taken: set[str]) -> str:
    while (candidate := f"c-{uuid.uuid4().hex[:10]}") in taken:
        pass
    return candidate


# A spec as it arrives from an agent: size limits first, then the models, then ids.
CanvasSpec = Annotated[Spec, BeforeValidator(check_spec_limits), AfterValidator(assign_ids)]
