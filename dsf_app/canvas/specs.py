"""What an agent may put on the canvas: one model per component type, joined in `Spec`, a
union tagged by `type`. The props use the shared field types of `fields` (so the length limits
and the image-URL policy apply everywhere); a whole spec as an agent sends it is validated as a
`canvas_spec.CanvasSpec`, the only way a spec reaches the screen."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dsf_app.canvas.fields import (
    MAX_ITEMS,
    Align,
    Color,
    ComponentId,
    ImageUrl,
    Items,
    Justify,
    Label,
    Length,
    Orientation,
    Prose,
    Size,
    Spacing,
    Strict,
    refuse_repeated,
)
from dsf_app.canvas.inputs import FormProps, SelectProps, SliderProps, TextInputProps, ToggleProps


class Component(Strict):
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
                    "ScrollSection, Dialog or Form instead",
                    {"kind": data.get("type")},
                )
            data = {key: value for key, value in data.items() if key != "children"}
        return data


class _Container(Component):
    children: list[Spec] = Field(default_factory=list)

    def nested(self) -> list[Spec]:
        return list(self.children)


# --- The component types ----------------------------------------------------------------------


class TextProps(Strict):
    content: Prose = Field(description="Plain text; shown exactly as written, never as HTML.")
    variant: Literal["body", "heading", "caption"] | None = None
    size: Literal["sm", "md", "lg", "xl", "2xl"] | None = None
    color: Color | None = None


class Text(_Leaf):
    """A run of plain text."""

    type: Literal["Text"]
    props: TextProps


class ButtonProps(Strict):
    label: Label
    variant: Literal["primary", "secondary"] | None = None


class Button(_Leaf):
    """A button; a click is reported to you as an interaction."""

    type: Literal["Button"]
    props: ButtonProps


class StackProps(Strict):
    direction: Orientation | None = None
    spacing: Spacing | None = None
    align: Align | None = None
    justify: Justify | None = None
    wrap: bool | None = None


class Stack(_Container):
    """Lays its children out in a row or a column."""

    type: Literal["Stack"]
    props: StackProps = Field(default_factory=StackProps)


class GridProps(Strict):
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


class CardProps(Strict):
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


class ImageProps(Strict):
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


class GalleryImage(Strict):
    src: ImageUrl
    alt: Label | None = None
    caption: Prose | None = None


class GalleryProps(Strict):
    images: Items[GalleryImage]
    columns: Literal[2, 3, 4] | None = None
    variant: Literal["grid", "masonry", "carousel"] | None = None
    lightbox: bool | None = None


class Gallery(_Leaf):
    """Several images at once."""

    type: Literal["Gallery"]
    props: GalleryProps


class TimelineEvent(Strict):
    date: Label | None = Field(default=None, description="Free text, e.g. 'Spring 2147'.")
    year: int | None = None
    title: Label
    description: Prose | None = None
    status: Literal["completed", "current", "upcoming"] | None = None


class TimelineProps(Strict):
    events: Items[TimelineEvent]
    orientation: Orientation | None = None


class Timeline(_Leaf):
    """Events in order."""

    type: Literal["Timeline"]
    props: TimelineProps


class CalloutProps(Strict):
    variant: Literal["info", "warning", "quote", "rule", "tech"] | None = None
    title: Label | None = None
    content: Prose | None = None


class Callout(_Container):
    """A highlighted aside: a note, a warning, a quote, a rule of the world or a tech detail."""

    type: Literal["Callout"]
    props: CalloutProps = Field(default_factory=CalloutProps)


class StatItem(Strict):
    value: Label = Field(description="Shown as written, e.g. '8.2 billion' or '42%'.")
    label: Label
    trend: Literal["up", "down", "neutral"] | None = None


class StatsProps(Strict):
    items: Items[StatItem]
    columns: int | None = Field(default=None, ge=1, le=6)


class Stats(_Leaf):
    """Figures with labels."""

    type: Literal["Stats"]
    props: StatsProps


class BadgeProps(Strict):
    label: Label
    variant: Literal["default", "accent", "success", "warning", "danger", "outline"] | None = None
    size: Literal["sm", "md", "lg"] | None = None


class Badge(_Leaf):
    """A small tag; a click is reported to you as an interaction."""

    type: Literal["Badge"]
    props: BadgeProps


class DividerProps(Strict):
    variant: Literal["solid", "dashed", "dotted", "fade"] | None = None
    spacing: Spacing | None = None
    label: Label | None = None


class Divider(_Leaf):
    """A horizontal rule, optionally labelled."""

    type: Literal["Divider"]
    props: DividerProps = Field(default_factory=DividerProps)


class HeroProps(Strict):
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


class ScrollSectionProps(Strict):
    animation: (
        Literal["fade-up", "fade-in", "slide-left", "slide-right", "scale", "none"] | None
    ) = None


class ScrollSection(_Container):
    """Reveals its children with an animation as the reader scrolls to them."""

    type: Literal["ScrollSection"]
    props: ScrollSectionProps = Field(default_factory=ScrollSectionProps)


class ProgressBarProps(Strict):
    position: Literal["top", "bottom"] | None = None
    showLabel: bool | None = None


class ProgressBar(_Leaf):
    """How far the reader has scrolled through the surface."""

    type: Literal["ProgressBar"]
    props: ProgressBarProps = Field(default_factory=ProgressBarProps)


class Action(Strict):
    id: ComponentId = Field(description="Reported back to you when the reader picks this action.")
    label: Label
    description: Prose | None = None
    variant: Literal["primary", "secondary", "branch"] | None = None


class ActionBarProps(Strict):
    actions: Items[Action]
    title: Label | None = None

    @field_validator("actions")
    @classmethod
    def _unique_action_ids(cls, actions: list[Action]) -> list[Action]:
        refuse_repeated([action.id for action in actions], "action")
        return actions


class ActionBar(_Leaf):
    """Choices for the reader; picking one continues the story with that choice."""

    type: Literal["ActionBar"]
    props: ActionBarProps


class InputField(_Leaf):
    """An input; only inside a Form, whose submit sends its value with the others."""

    # Required here (no default): the value is reported under it.
    id: ComponentId | None = Field(description="Your name for the field; its value comes under it.")


class TextInput(InputField):
    """A line of text for the reader to type."""

    type: Literal["TextInput"]
    props: TextInputProps


class Select(InputField):
    """One choice among options."""

    type: Literal["Select"]
    props: SelectProps


class Slider(InputField):
    """A number between min and max, in steps."""

    type: Literal["Slider"]
    props: SliderProps


class Toggle(InputField):
    """On or off."""

    type: Literal["Toggle"]
    props: ToggleProps


class Form(_Container):
    """Holds TextInput, Select, Slider and Toggle fields (and any layout); its button sends every
    field's value to you at once, as one interaction {values: {field id: value}}."""

    type: Literal["Form"]
    props: FormProps = Field(default_factory=FormProps)


class DialogProps(Strict):
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
    | Dialog
    | TextInput
    | Select
    | Slider
    | Toggle
    | Form,
    Field(discriminator="type"),
]

_COMPONENTS: tuple[type[Component], ...] = get_args(get_args(Spec)[0])
for _model in (*_COMPONENTS, DialogProps):
    _model.model_rebuild()

COMPONENT_TYPES: dict[str, type[Component]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in _COMPONENTS
}
