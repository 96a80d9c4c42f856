"""The renderers of the canvas's input components (TextInput, Select, Slider, Toggle), drawn
inside a Form (`render._form`), whose submit sends their values. Each is a native control inside
its own label element, so it is named for screen readers, reached with Tab and worked with the
keyboard (arrows on a select and a slider, Space on a toggle, Enter in a text box sends the
form). Labels, placeholders and option labels are the agent's text and are drawn as text;
controls are named in the form by `form_values.field_name`, never by a DOM id."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var
from reflex.vars.function import FunctionVar

from dsf_app.canvas.form_values import FIELD_PREFIX
from dsf_app.components.canvas.props import Node, as_list, props_of, str_prop, tagged

# Shows a slider's value beside it as it moves: a function compiled into the page (Reflex calls
# it with the value and the change event), not a string for the browser to evaluate.
SHOW_SLIDER_VALUE = Var(
    "((value, event) => { const shown = event.target.closest('label')"
    "?.querySelector('output'); if (shown) shown.value = String(value); })"
).to(FunctionVar)


def _name(node: Node) -> str:
    """The control's name in the form (an f-string with a Var: Reflex makes it a JS template)."""
    return f"{FIELD_PREFIX}{node['id'].to(str)}"


def _labelled(node: Node, *controls: rx.Component, class_name: str = "dsf-field") -> rx.Component:
    """The field's label around its control (the label names the control)."""
    return rx.el.label(
        rx.text(str_prop(node, "label"), as_="span", size="2", weight="medium"),
        *controls,
        class_name=class_name,
        **tagged(node),
    )


def text_input(node: Node, target: Var[str]) -> rx.Component:
    p = props_of(node)
    return _labelled(
        node,
        rx.el.input(
            type="text",
            name=_name(node),
            placeholder=rx.cond(p["placeholder"], str_prop(node, "placeholder"), ""),
            max_length=p["maxLength"].to(int),
            required=p["required"].to(bool),
            auto_complete="off",
            class_name="dsf-input",
        ),
    )


def select(node: Node, target: Var[str]) -> rx.Component:
    p = props_of(node)
    options = as_list(p["options"])
    return _labelled(
        node,
        rx.el.select(
            rx.foreach(
                options,
                lambda option: rx.el.option(option["label"].to(str), value=option["id"].to(str)),
            ),
            name=_name(node),
            default_value=rx.cond(p["default"], str_prop(node, "default"), options[0]["id"]),
            class_name="dsf-input",
        ),
    )


def slider(node: Node, target: Var[str]) -> rx.Component:
    p = props_of(node)
    start = rx.cond(p["default"].is_not_none(), p["default"], p["min"]).to(float)
    return _labelled(
        node,
        rx.box(
            rx.el.input(
                type="range",
                name=_name(node),
                min=p["min"].to(float),
                max=p["max"].to(float),
                step=p["step"].to(float),
                default_value=start,
                on_change=SHOW_SLIDER_VALUE,
                class_name="dsf-slider",
            ),
            # The slider states its own value to screen readers; this is for the eye.
            rx.el.output(start.to(str), class_name="dsf-slider-value", aria_hidden="true"),
            class_name="dsf-field-row",
        ),
    )


def toggle(node: Node, target: Var[str]) -> rx.Component:
    return _labelled(
        node,
        rx.el.input(
            type="checkbox",
            role="switch",
            name=_name(node),
            default_checked=props_of(node)["default"].to(bool),
            class_name="dsf-toggle",
        ),
        class_name="dsf-field dsf-toggle-field",
    )
