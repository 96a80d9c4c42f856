"""The props of the canvas's input components (TextInput, Select, Slider, Toggle) and of the Form
that holds them and sends their values at once. What the reader submits is checked against
these, as stored, by `form_values`; the browser's copy of a spec is never trusted."""

from __future__ import annotations

import math
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dsf_app.canvas.fields import ComponentId, Items, Label, Strict, refuse_repeated

MAX_TEXT_CHARS = 2_000
MAX_MAGNITUDE = 1e9
# A slider's value counts as on a step when it is this close to one (decimal steps such as 0.1
# are not exact in binary).
STEP_TOLERANCE = 1e-9

Number = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]


class TextInputProps(Strict):
    label: Label = Field(description="What the reader is asked, shown above the box.")
    placeholder: Label | None = Field(default=None, description="A hint shown in the empty box.")
    maxLength: int = Field(
        default=200, ge=1, le=MAX_TEXT_CHARS, description="The most characters the reader may type."
    )
    required: bool | None = Field(default=None, description="The form cannot be sent empty.")


class SelectOption(Strict):
    id: ComponentId = Field(description="Reported to you when the reader picks this option.")
    label: Label


class SelectProps(Strict):
    label: Label
    options: Items[SelectOption]
    default: ComponentId | None = Field(
        default=None, description="The id of the option chosen at first; the first one if omitted."
    )

    @field_validator("options")
    @classmethod
    def _unique_option_ids(cls, options: list[SelectOption]) -> list[SelectOption]:
        refuse_repeated([option.id for option in options], "option")
        return options

    @model_validator(mode="after")
    def _default_is_an_option(self) -> Self:
        if self.default is not None and self.default not in {o.id for o in self.options}:
            raise PydanticCustomError(
                "unknown_default", "default must be the id of one of the options"
            )
        return self


class SliderProps(Strict):
    label: Label
    min: Number = 0
    max: Number = 100
    step: Number = Field(default=1, gt=0)
    default: Number | None = Field(default=None, description="The value at first; min if omitted.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max <= self.min:
            raise PydanticCustomError("bad_range", "max must be greater than min")
        if self.step > self.max - self.min:
            raise PydanticCustomError("bad_step", "step must be at most max - min")
        if self.default is not None and not self.allows(self.default):
            raise PydanticCustomError(
                "bad_default", "default must lie between min and max, on a step from min"
            )
        return self

    def allows(self, value: float) -> bool:
        """Whether `value` is one the slider can be set to: within the range, on a step."""
        if not math.isfinite(value) or not self.min <= value <= self.max:
            return False
        steps = (value - self.min) / self.step
        return abs(steps - round(steps)) <= STEP_TOLERANCE * max(1.0, abs(steps))


class ToggleProps(Strict):
    label: Label
    default: bool | None = Field(default=None, description="On at first; off if omitted.")


class FormProps(Strict):
    title: Label | None = None
    submitLabel: Label | None = Field(
        default=None, description="The send button; 'Send' if omitted."
    )
    continueStory: bool | None = Field(
        default=None,
        description="Sending the form also continues the story: the reader's answers start your "
        "next turn, as an ActionBar choice does. Otherwise read them with get_canvas_interactions.",
    )
