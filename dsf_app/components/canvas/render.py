"""The canvas renderer: one recursive `@rx.memo` component that draws a validated spec (JSON in
state) with Radix components, calling itself through `rx.foreach` for children. Here are the
container types' renderers (stack, grid, card, callout, scroll section, dialog, form), which
draw their children through it, and `RENDERERS`, the one list of what the canvas can draw; the
other types are drawn in `leaves.py` and `inputs.py`, props are read with `props.py`, classes
and tokens are fixed in `theme.py`.

Nothing in a spec runs as code: text is rendered as text, images only through `rx.image` with
the URL the spec models already checked, props only pick among fixed classes and tokens, and
agent ids go into data attributes, never DOM ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from dsf_app.canvas import specs
from dsf_app.canvas.specs import COMPONENT_TYPES
from dsf_app.choices import choices
from dsf_app.components.canvas import inputs, leaves, theme
from dsf_app.components.canvas.props import (
    Node,
    as_list,
    css_color,
    eyebrow,
    interact,
    props_of,
    same,
    str_prop,
    tagged,
)
from dsf_app.components.matching import as_component, pick
from dsf_app.state.canvas import CanvasState

Spec = dict[str, Any]


def _children(node: Node, target: rx.Var[str]) -> rx.Component:
    return rx.foreach(
        as_list(node["children"]), lambda child: canvas_node(node=child, target=target)
    )


def _stack(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    horizontal = p["direction"] == "horizontal"
    return rx.flex(
        _children(node, target),
        direction=rx.cond(horizontal, "row", "column"),
        spacing=pick(p["spacing"], theme.GAPS, "3"),
        align=pick(p["align"], theme.ALIGNS, rx.cond(horizontal, "center", "start")),
        justify=pick(p["justify"], theme.JUSTIFIES, "start"),
        wrap=rx.cond(p["wrap"], "wrap", "nowrap"),
        width="100%",
        min_width="0",
        **tagged(node),
    )


def _grid(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    min_width = p["minChildWidth"].to(str)
    columns = rx.cond(
        p["minChildWidth"],
        f"repeat(auto-fill, minmax(min(100%, {min_width}), 1fr))",
        rx.cond(
            p["columns"],
            f"repeat({p['columns'].to(str)}, minmax(0, 1fr))",
            "repeat(auto-fill, minmax(min(100%, 14rem), 1fr))",
        ),
    )
    return rx.box(
        _children(node, target),
        class_name="dsf-grid",
        grid_template_columns=columns,
        grid_template_rows=rx.cond(p["rows"], f"repeat({p['rows'].to(str)}, auto)", "none"),
        gap=pick(p["gap"], theme.LENGTHS, "1rem"),
        align_items=pick(p["align"], theme.ALIGNS, "stretch"),
        justify_content=pick(p["justify"], theme.CSS_JUSTIFIES, "start"),
        **tagged(node),
    )


def _card_body(node: Node, target: rx.Var[str], clickable: bool) -> rx.Component:
    p = props_of(node)
    position = p["imagePosition"]
    media = rx.image(
        src=str_prop(node, "image"),
        alt=rx.cond(p["title"], str_prop(node, "title"), ""),
        class_name="dsf-card-media",
        loading="lazy",
    )
    text = rx.vstack(
        rx.cond(p["title"], rx.heading(str_prop(node, "title"), size="4", as_="h3")),
        rx.cond(p["subtitle"], eyebrow(str_prop(node, "subtitle"))),
        _children(node, target),
        spacing="2",
        width="100%",
        min_width="0",
    )
    side = (position == "left") | (position == "right")
    layout = rx.cond(
        p["image"],
        rx.cond(
            side,
            rx.box(
                media,
                text,
                class_name=rx.cond(
                    position == "right", "dsf-card-row dsf-card-right", "dsf-card-row"
                ),
            ),
            rx.vstack(media, text, spacing="3", width="100%"),
        ),
        text,
    )
    extra: dict[str, Any] = (
        {
            "on_click": interact(target, node, "click"),
            "class_name": "dsf-card dsf-card-clickable",
            "role": "button",
            "tab_index": 0,
        }
        if clickable
        else {"class_name": "dsf-card"}
    )
    return rx.card(
        layout,
        variant=pick(p["variant"], theme.CARD_VARIANTS, "surface"),
        border_left_color=css_color(p["accent"], shade=9, default="transparent"),
        size="2",
        width="100%",
        **extra,
        **tagged(node),
    )


def _card(node: Node, target: rx.Var[str]) -> rx.Component:
    return rx.cond(
        props_of(node)["clickable"],
        _card_body(node, target, clickable=True),
        _card_body(node, target, clickable=False),
    )


def _callout(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    variant = pick(p["variant"], same(theme.CALLOUT_ICONS), "info")
    icon = rx.match(
        p["variant"],
        *[(name, rx.icon(icon, size=18)) for name, icon in theme.CALLOUT_ICONS.items()],
        rx.icon("info", size=18),
    )
    return rx.box(
        rx.hstack(
            rx.box(icon, class_name="dsf-callout-icon"),
            rx.vstack(
                rx.cond(p["title"], rx.text(str_prop(node, "title"), weight="bold", size="3")),
                rx.cond(p["content"], rx.text(str_prop(node, "content"), class_name="dsf-text")),
                _children(node, target),
                spacing="2",
                width="100%",
                min_width="0",
            ),
            align="start",
            spacing="3",
        ),
        class_name=f"dsf-callout dsf-callout-{variant}",
        **tagged(node),
    )


def _scroll_section(node: Node, target: rx.Var[str]) -> rx.Component:
    animation = pick(
        props_of(node)["animation"], same(choices(specs.ScrollSectionProps, "animation")), "fade-up"
    )
    return rx.flex(
        _children(node, target),
        direction="column",
        spacing="4",
        class_name=f"dsf-reveal dsf-anim-{animation}",
        **tagged(node),
    )


def _dialog_trigger(node: Node, target: rx.Var[str]) -> rx.Component:
    """What opens the dialog. A Button trigger (or none) is a real button under Radix's trigger,
    so it works from the keyboard too; any other spec is drawn inside a clickable box whose
    content takes no pointer events, so the click reaches the trigger (not the component's own
    interaction, which stops propagation)."""
    p = props_of(node)
    trigger = p["trigger"].to(dict[str, Any])
    primary = trigger["props"].to(dict[str, Any])["variant"] == "primary"
    button = rx.dialog.trigger(
        rx.button(
            rx.cond(
                p["trigger"],
                trigger["props"].to(dict[str, Any])["label"].to(str),
                rx.cond(p["title"], str_prop(node, "title"), "Open"),
            ),
            variant=rx.cond(primary, "solid", "soft"),
            color_scheme=rx.cond(primary, "cyan", "violet"),
            size="3",
            type="button",
            custom_attrs={"data-canvas-id": trigger["id"], "data-canvas-type": trigger["type"]},
        )
    )
    other = rx.dialog.trigger(
        rx.box(
            canvas_node(node=trigger, target=target),
            class_name="dsf-trigger",
            role="button",
            tab_index=0,
        )
    )
    return rx.box(
        rx.cond(~p["trigger"] | (trigger["type"] == "Button"), button, other),
        display="inline-block",
        **tagged(node),
    )


def _dialog(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    return rx.dialog.root(
        _dialog_trigger(node, target),
        rx.dialog.content(
            rx.vstack(
                rx.dialog.title(rx.cond(p["title"], str_prop(node, "title"), "Details")),
                rx.cond(
                    p["description"],
                    rx.dialog.description(str_prop(node, "description"), class_name="dsf-text"),
                ),
                _children(node, target),
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                spacing="3",
                class_name="dsf-canvas",
                custom_attrs={"data-canvas-dialog": node["id"]},
            ),
            max_width="min(92vw, 44rem)",
        ),
        default_open=p["open"].to(bool),
        on_open_change=lambda is_open: CanvasState.dialog_changed(
            target, node["id"].to(str), is_open
        ),
    )


def _form(node: Node, target: rx.Var[str]) -> rx.Component:
    """Its fields and a send button: Enter in a text box or the button sends every field's
    value at once (the browser's form data, checked by the server against the stored Form)."""
    p = props_of(node)
    return rx.el.form(
        rx.cond(p["title"], rx.heading(str_prop(node, "title"), size="4", as_="h3")),
        _children(node, target),
        rx.button(
            rx.cond(p["submitLabel"], str_prop(node, "submitLabel"), "Send"),
            type="submit",
            size="3",
            color_scheme="cyan",
        ),
        on_submit=lambda form_data: CanvasState.interact(
            target, node["id"].to(str), "submit", {"values": form_data}
        ),
        class_name="dsf-form",
        **tagged(node),
    )


# How each component type is drawn, keyed by its spec model: the one list of what the canvas
# can draw. A type of the `Spec` union missing here fails the app's compile (and a unit test).
RENDERERS: dict[type[specs.Component], Callable[[Node, rx.Var[str]], rx.Component]] = {
    specs.Text: leaves.text,
    specs.Button: leaves.button,
    specs.Stack: _stack,
    specs.Grid: _grid,
    specs.Card: _card,
    specs.Image: leaves.image,
    specs.Gallery: leaves.gallery,
    specs.Timeline: leaves.timeline,
    specs.Callout: _callout,
    specs.Stats: leaves.stats,
    specs.Badge: leaves.badge,
    specs.Divider: leaves.divider,
    specs.Hero: leaves.hero,
    specs.ScrollSection: _scroll_section,
    specs.ProgressBar: leaves.progress_bar,
    specs.ActionBar: leaves.action_bar,
    specs.Dialog: _dialog,
    specs.TextInput: inputs.text_input,
    specs.Select: inputs.select,
    specs.Slider: inputs.slider,
    specs.Toggle: inputs.toggle,
    specs.Form: _form,
}


@rx.memo
def canvas_node(node: rx.Var[dict[str, Any]], target: rx.Var[str]) -> rx.Component:
    """One component of a spec, and (through itself) everything inside it."""
    spec = node.to(dict[str, Any])
    return as_component(
        rx.match(
            spec["type"],
            *((name, RENDERERS[model](spec, target)) for name, model in COMPONENT_TYPES.items()),
            rx.fragment(),
        )
    )


def canvas_style() -> rx.Component:
    """The canvas's fixed style sheet (our own CSS; nothing from a spec)."""
    return rx.el.style(theme.CSS)


def canvas_view(
    specs: rx.Var[list[dict[str, Any]]] | list[Spec], target: str = "story-reader"
) -> rx.Component:
    """A saved scene (e.g. a story segment's `ui_components`, passed through
    `services.canvas.for_browser`) drawn as the canvas drew it; clicks are reported under
    `target`."""
    roots = specs if isinstance(specs, rx.Var) else rx.Var.create(specs)
    return rx.box(
        canvas_style(),
        rx.vstack(
            rx.foreach(roots, lambda root: canvas_node(node=root, target=target)),
            spacing="4",
            width="100%",
        ),
        class_name="dsf-canvas dsf-surface",
        width="100%",
    )
