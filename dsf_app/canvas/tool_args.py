"""Arguments of the canvas tools (canvas_ui, get_canvas_interactions, send_suggestion); their field
descriptions are what the agent reads in each tool's JSON schema."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from dsf_app.canvas.canvas_spec import CanvasSpec
from dsf_app.canvas.fields import ComponentId, Label, Prose


class _ToolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CanvasUIArgs(_ToolArgs):
    """Show, change or remove UI on one of the reader's canvas surfaces."""

    target: str = Field(
        pattern=r"^[a-z0-9-]{1,40}$",
        description="The surface to draw on: 'canvas-root' (the main canvas panel), "
        "'story-reader' or 'world-gallery'.",
    )
    action: Literal["create", "update", "remove"] = Field(
        default="create",
        description="'create' shows `spec` on the target, replacing what it showed. 'update' "
        "replaces the component `component_id` with `spec`, or the whole target without "
        "component_id. 'remove' deletes the component `component_id`, or clears the target "
        "without component_id.",
    )
    mode: Literal["overlay", "fullscreen", "inline"] = Field(
        default="inline",
        description="'inline' places the UI in the page; 'overlay' floats it above the page; "
        "'fullscreen' gives it the whole screen.",
    )
    spec: CanvasSpec | None = Field(
        default=None,
        description="The UI: {type, id?, props, children?}. Only Stack, Grid, Card, Callout, "
        "ScrollSection, Dialog and Form take children. TextInput, Select, Slider and Toggle go "
        "inside a Form, whose button sends all their values to you at once. Text is shown as "
        "plain text, never as HTML. Required for create and update.",
    )
    component_id: ComponentId | None = Field(
        default=None, description="The id of one component to update or remove."
    )

    @model_validator(mode="after")
    def _fits_action(self) -> Self:
        if self.action != "remove" and self.spec is None:
            raise PydanticCustomError(
                "spec_required",
                "spec is required when action is '{action}'",
                {"action": self.action},
            )
        if self.action == "remove" and self.spec is not None:
            raise PydanticCustomError(
                "spec_not_allowed",
                "remove takes no spec; give component_id to remove one component, or nothing to "
                "clear the target",
            )
        if self.action == "create" and self.component_id is not None:
            raise PydanticCustomError(
                "component_id_not_allowed",
                "component_id is only for update and remove; create replaces the whole target",
            )
        return self


class GetCanvasInteractionsArgs(_ToolArgs):
    """Read what the reader clicked on the canvas, and the Forms they sent, since you last
    looked."""

    peek: bool = Field(
        default=False,
        description="Leave the interactions queued instead of clearing the ones returned.",
    )
    componentId: ComponentId | None = Field(
        default=None, description="Only interactions with the component of this id."
    )
    interactionType: Label | None = Field(
        default=None, description="Only interactions of this type, e.g. 'click'."
    )


class SendSuggestionArgs(_ToolArgs):
    """Offer the reader a dismissable suggestion; accepting it sends its action back to you."""

    title: Label = Field(description="A short headline for the suggestion.")
    description: Prose = Field(description="What the suggestion offers, in a sentence or two.")
    action_id: ComponentId = Field(
        description="Your name for the action; returned to you when the reader accepts."
    )
    priority: Literal["high", "medium", "low"] = Field(
        default="medium", description="How prominently to show the suggestion."
    )
    action_label: Label | None = Field(
        default=None, description="Text of the accept button; a generic label when omitted."
    )
    action_data: dict[str, Any] | None = Field(
        default=None, description="Any JSON you want returned with the action when it is accepted."
    )
