"""The canvas renderer: one recursive `@rx.memo` component that draws a validated spec (JSON in
state) with Radix components, calling itself through `rx.foreach` for children.

Nothing in a spec runs as code: text is rendered as text, images only through `rx.image` with
the URL the spec models already checked, props only pick among fixed classes and tokens
(`theme.py` beside this module), and agent ids go into data attributes, never DOM ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import ArrayVar, ObjectVar, Var

from dsf_app.canvas import specs
from dsf_app.canvas.specs import COMPONENT_TYPES
from dsf_app.choices import choices
from dsf_app.components.canvas import theme
from dsf_app.components.matching import as_component, as_var, pick
from dsf_app.state.canvas import CanvasState

Node = ObjectVar[dict[str, Any]]
Spec = dict[str, Any]
# A function compiled into the page: rx.call_script would send a string for the browser to
# eval, which the Content-Security-Policy forbids.
SCROLL_ON = rx.run_script(
    Var(
        "(document.activeElement && document.activeElement.closest('.dsf-fullscreen') || "
        "document.scrollingElement).scrollBy({top: window.innerHeight * 0.8, behavior: 'smooth'})"
    )
)


# --- Reading props ----------------------------------------------------------------------------


def _props(node: Node) -> ObjectVar[dict[str, Any]]:
    return node["props"].to(dict[str, Any])


def _str(node: Node, name: str) -> rx.Var[str]:
    return _props(node)[name].to(str)


def _list(value: rx.Var) -> ArrayVar[list[dict[str, Any]]]:
    return value.to(list[dict[str, Any]])


def _same(values: Iterable[str]) -> dict[str, str]:
    """A prop's values mapped to themselves: a class-name suffix per variant."""
    return {value: value for value in values}


def _css_color(value: rx.Var, shade: int = 11, default: str = "inherit") -> rx.Var:
    """'crimson' -> var(--crimson-11), 'gray-9' -> var(--gray-9), '#7c3aed' as written; the
    spec's pattern admits nothing else."""
    name = value.to(str)
    return as_var(
        rx.cond(
            value,
            rx.cond(
                name.startswith("#"),
                name,
                rx.cond(name.contains("-"), f"var(--{name})", f"var(--{name}-{shade})"),
            ),
            default,
        )
    )


def _tagged(node: Node) -> dict[str, Any]:
    """Data attributes naming the component (for tests and styling); never a DOM id, so an agent's
    id can't clobber globals such as `window.foo`."""
    return {"custom_attrs": {"data-canvas-id": node["id"], "data-canvas-type": node["type"]}}


def _interact(
    target: rx.Var[str], node: Node, kind: str, data: dict[str, Any] | None = None
) -> EventCallback[()]:
    return CanvasState.interact(target, node["id"].to(str), kind, data or {}).stop_propagation


def _children(node: Node, target: rx.Var[str]) -> rx.Component:
    return rx.foreach(_list(node["children"]), lambda child: canvas_node(node=child, target=target))


def _eyebrow(text: rx.Var[str] | str, **props: Any) -> rx.Component:
    return rx.text(text, class_name="dsf-eyebrow", as_="div", **props)


# --- One function per component type ----------------------------------------------------------


def _text(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    content = _str(node, "content")
    return as_component(
        rx.match(
            p["variant"],
            (
                "heading",
                rx.heading(
                    content,
                    size=pick(p["size"], theme.HEADING_SIZES, "6"),
                    color=_css_color(p["color"]),
                    class_name="dsf-text",
                    **_tagged(node),
                ),
            ),
            (
                "caption",
                rx.text(
                    content,
                    size=pick(p["size"], theme.TEXT_SIZES, "1"),
                    color=_css_color(p["color"], default="var(--gray-11)"),
                    class_name="dsf-text dsf-caption",
                    **_tagged(node),
                ),
            ),
            rx.text(
                content,
                size=pick(p["size"], theme.TEXT_SIZES, "3"),
                color=_css_color(p["color"]),
                class_name="dsf-text",
                **_tagged(node),
            ),
        )
    )


def _button(node: Node, target: rx.Var[str]) -> rx.Component:
    secondary = _props(node)["variant"] == "secondary"
    return rx.button(
        _str(node, "label"),
        variant=rx.cond(secondary, "soft", "solid"),
        color_scheme=rx.cond(secondary, "violet", "cyan"),
        size="3",
        on_click=_interact(target, node, "click"),
        **_tagged(node),
    )


def _stack(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
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
        **_tagged(node),
    )


def _grid(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
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
        **_tagged(node),
    )


def _card_body(node: Node, target: rx.Var[str], clickable: bool) -> rx.Component:
    p = _props(node)
    position = p["imagePosition"]
    media = rx.image(
        src=_str(node, "image"),
        alt=rx.cond(p["title"], _str(node, "title"), ""),
        class_name="dsf-card-media",
        loading="lazy",
    )
    text = rx.vstack(
        rx.cond(p["title"], rx.heading(_str(node, "title"), size="4", as_="h3")),
        rx.cond(p["subtitle"], _eyebrow(_str(node, "subtitle"))),
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
            "on_click": _interact(target, node, "click"),
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
        border_left_color=_css_color(p["accent"], shade=9, default="transparent"),
        size="2",
        width="100%",
        **extra,
        **_tagged(node),
    )


def _card(node: Node, target: rx.Var[str]) -> rx.Component:
    return rx.cond(
        _props(node)["clickable"],
        _card_body(node, target, clickable=True),
        _card_body(node, target, clickable=False),
    )


def _lightbox(
    picture: rx.Component, src: rx.Var[str], alt: rx.Var, caption: rx.Var
) -> rx.Component:
    """The picture opens full size in a dialog when clicked."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.box(picture, class_name="dsf-zoom", role="button", tab_index=0)),
        rx.dialog.content(
            rx.vstack(
                rx.dialog.title(rx.cond(alt, alt.to(str), "Image"), class_name="dsf-eyebrow"),
                rx.image(src=src, alt=rx.cond(alt, alt.to(str), "")),
                rx.cond(caption, rx.text(caption.to(str), class_name="dsf-caption", size="2")),
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                spacing="3",
                align="center",
                class_name="dsf-canvas dsf-lightbox",
            ),
            max_width="min(96vw, 1400px)",
        ),
    )


def _figure(
    src: rx.Var[str], alt: rx.Var, caption: rx.Var, lightbox: rx.Var, class_name: Any, **attrs: Any
) -> rx.Component:
    picture = rx.image(src=src, alt=rx.cond(alt, alt.to(str), ""), loading="lazy")
    return rx.el.figure(
        rx.cond(lightbox, _lightbox(picture, src, alt, caption), picture),
        rx.cond(
            caption,
            rx.el.figcaption(rx.text(caption.to(str), class_name="dsf-caption", size="1")),
        ),
        class_name=class_name,
        **attrs,
    )


def _image(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    size = pick(p["size"], _same(choices(specs.ImageProps, "size")), "large")
    return _figure(
        _str(node, "src"),
        p["alt"],
        p["caption"],
        p["lightbox"],
        f"dsf-figure dsf-size-{size}",
        **_tagged(node),
    )


def _gallery(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    variant = pick(p["variant"], _same(choices(specs.GalleryProps, "variant")), "grid")
    columns = rx.cond(p["columns"], p["columns"].to(str), "3")
    return rx.box(
        rx.foreach(
            _list(p["images"]),
            lambda image: _figure(
                image["src"].to(str),
                image["alt"],
                image["caption"],
                p["lightbox"],
                "dsf-figure",
            ),
        ),
        class_name=f"dsf-gallery dsf-gallery-{variant}",
        grid_template_columns=f"repeat({columns}, minmax(0, 1fr))",
        column_count=columns,
        **_tagged(node),
    )


def _timeline_event(event: Node) -> rx.Component:
    when = rx.cond(event["date"], event["date"].to(str), rx.cond(event["year"], event["year"], ""))
    status = pick(event["status"], _same(choices(specs.TimelineEvent, "status")), "plain")
    return rx.box(
        rx.box(rx.box(class_name="dsf-tl-dot"), class_name="dsf-tl-mark"),
        rx.box(
            rx.cond(when, _eyebrow(when)),
            rx.heading(event["title"].to(str), size="3", as_="h4"),
            rx.cond(
                event["description"],
                rx.text(event["description"].to(str), size="2", class_name="dsf-text"),
            ),
            class_name="dsf-tl-body",
        ),
        class_name=f"dsf-tl-event dsf-tl-{status}",
    )


def _timeline(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    orientation = rx.cond(p["orientation"] == "horizontal", "horizontal", "vertical")
    return rx.box(
        rx.foreach(_list(p["events"]), _timeline_event),
        class_name=f"dsf-timeline dsf-timeline-{orientation}",
        **_tagged(node),
    )


def _callout(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    variant = pick(p["variant"], _same(theme.CALLOUT_ICONS), "info")
    icon = rx.match(
        p["variant"],
        *[(name, rx.icon(icon, size=18)) for name, icon in theme.CALLOUT_ICONS.items()],
        rx.icon("info", size=18),
    )
    return rx.box(
        rx.hstack(
            rx.box(icon, class_name="dsf-callout-icon"),
            rx.vstack(
                rx.cond(p["title"], rx.text(_str(node, "title"), weight="bold", size="3")),
                rx.cond(p["content"], rx.text(_str(node, "content"), class_name="dsf-text")),
                _children(node, target),
                spacing="2",
                width="100%",
                min_width="0",
            ),
            align="start",
            spacing="3",
        ),
        class_name=f"dsf-callout dsf-callout-{variant}",
        **_tagged(node),
    )


def _stat(item: Node) -> rx.Component:
    trend = rx.match(
        item["trend"],
        *[
            (name, rx.icon(icon, size=16, class_name=f"dsf-trend-{name}"))
            for name, icon in theme.TREND_ICONS.items()
        ],
        rx.fragment(),
    )
    return rx.box(
        rx.text(item["value"].to(str), class_name="dsf-stat-value", as_="div"),
        rx.hstack(_eyebrow(item["label"].to(str)), trend, align="center", spacing="2"),
        class_name="dsf-stat",
    )


def _stats(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    return rx.box(
        rx.foreach(_list(p["items"]), _stat),
        class_name="dsf-grid",
        grid_template_columns=rx.cond(
            p["columns"],
            f"repeat({p['columns'].to(str)}, minmax(0, 1fr))",
            "repeat(auto-fit, minmax(min(100%, 10rem), 1fr))",
        ),
        gap="0.75rem",
        **_tagged(node),
    )


def _badge(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    return rx.badge(
        _str(node, "label"),
        color_scheme=pick(p["variant"], theme.BADGE_COLORS, "cyan"),
        variant=rx.cond(p["variant"] == "outline", "outline", "soft"),
        size=pick(p["size"], theme.BADGE_SIZES, "2"),
        class_name="dsf-clickable",
        role="button",
        on_click=_interact(target, node, "click"),
        **_tagged(node),
    )


def _rule(variant: rx.Var) -> rx.Component:
    return rx.box(class_name=f"dsf-rule dsf-rule-{variant}")


def _divider(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    variant = pick(p["variant"], _same(choices(specs.DividerProps, "variant")), "solid")
    return rx.box(
        rx.cond(
            p["label"],
            rx.hstack(
                _rule(variant),
                _eyebrow(_str(node, "label"), white_space="nowrap"),
                _rule(variant),
                align="center",
                spacing="3",
                width="100%",
            ),
            _rule(variant),
        ),
        margin_y=pick(p["spacing"], theme.LENGTHS, "1rem"),
        width="100%",
        role="separator",
        **_tagged(node),
    )


def _hero(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    height = pick(p["height"], _same(choices(specs.HeroProps, "height")), "medium")
    tall = (p["height"] == "large") | (p["height"] == "full")
    return rx.box(
        rx.cond(
            p["backgroundImage"],
            rx.image(src=_str(node, "backgroundImage"), alt="", class_name="dsf-hero-bg"),
        ),
        rx.cond(
            p["backgroundImage"] & (p["overlay"] != rx.Var.create(False)),
            rx.box(class_name="dsf-hero-shade"),
        ),
        rx.vstack(
            rx.cond(
                p["badge"],
                rx.badge(
                    _str(node, "badge"),
                    size="2",
                    variant="surface",
                    color_scheme="cyan",
                    class_name="dsf-clickable",
                    role="button",
                    on_click=_interact(target, node, "click", {"part": "badge"}),
                    custom_attrs={"data-canvas-part": "badge"},
                ),
            ),
            rx.heading(
                _str(node, "title"),
                size=rx.cond(tall, "9", "8"),
                class_name="dsf-hero-title",
                as_="h2",
            ),
            rx.cond(p["subtitle"], rx.text(_str(node, "subtitle"), size="4", color_scheme="gray")),
            rx.cond(
                p["meta"],
                rx.hstack(
                    rx.foreach(_list(p["meta"]), lambda item: _eyebrow(item.to(str))),
                    spacing="4",
                    wrap="wrap",
                ),
            ),
            spacing="3",
            align="start",
            class_name="dsf-hero-body",
        ),
        rx.cond(
            tall,
            rx.icon_button(
                rx.icon("chevrons-down", size=22),
                variant="ghost",
                color_scheme="cyan",
                class_name="dsf-hero-scroll",
                aria_label="Scroll on",
                custom_attrs={"data-canvas-part": "scroll"},
                on_click=[
                    _interact(target, node, "click", {"part": "scroll"}),
                    SCROLL_ON,
                ],
            ),
        ),
        class_name=f"dsf-hero dsf-hero-{height}",
        **_tagged(node),
    )


def _scroll_section(node: Node, target: rx.Var[str]) -> rx.Component:
    animation = pick(
        _props(node)["animation"], _same(choices(specs.ScrollSectionProps, "animation")), "fade-up"
    )
    return rx.flex(
        _children(node, target),
        direction="column",
        spacing="4",
        class_name=f"dsf-reveal dsf-anim-{animation}",
        **_tagged(node),
    )


def _progress_bar(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    position = rx.cond(p["position"] == "bottom", "bottom", "top")
    return rx.box(
        rx.box(class_name="dsf-progress-fill"),
        rx.cond(p["showLabel"], rx.box(class_name="dsf-progress-label")),
        class_name=f"dsf-progress dsf-progress-{position}",
        role="progressbar",
        aria_label="Reading progress",
        **_tagged(node),
    )


def _action(node: Node, target: rx.Var[str], action: Node) -> rx.Component:
    return rx.button(
        rx.cond(action["variant"] == "branch", rx.icon("git-branch", size=16)),
        rx.vstack(
            rx.text(action["label"].to(str), weight="medium", size="3"),
            rx.cond(
                action["description"],
                rx.text(action["description"].to(str), size="1", opacity="0.8"),
            ),
            spacing="0",
            align="start",
        ),
        variant=pick(action["variant"], theme.ACTION_VARIANTS, "solid"),
        color_scheme=pick(action["variant"], theme.ACTION_COLORS, "cyan"),
        size="3",
        class_name="dsf-action",
        custom_attrs={"data-action-id": action["id"]},
        on_click=_interact(
            target, node, "action", {"actionId": action["id"], "label": action["label"]}
        ),
    )


def _action_bar(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    return rx.box(
        _eyebrow(rx.cond(p["title"], _str(node, "title"), "What happens next?")),
        rx.flex(
            rx.foreach(_list(p["actions"]), lambda action: _action(node, target, action)),
            wrap="wrap",
            spacing="3",
            margin_top="0.75rem",
        ),
        class_name="dsf-actionbar",
        role="group",
        **_tagged(node),
    )


def _dialog_trigger(node: Node, target: rx.Var[str]) -> rx.Component:
    """What opens the dialog. A Button trigger (or none) is a real button under Radix's trigger,
    so it works from the keyboard too; any other spec is drawn inside a clickable box whose
    content takes no pointer events, so the click reaches the trigger (not the component's own
    interaction, which stops propagation)."""
    p = _props(node)
    trigger = p["trigger"].to(dict[str, Any])
    primary = trigger["props"].to(dict[str, Any])["variant"] == "primary"
    button = rx.dialog.trigger(
        rx.button(
            rx.cond(
                p["trigger"],
                trigger["props"].to(dict[str, Any])["label"].to(str),
                rx.cond(p["title"], _str(node, "title"), "Open"),
            ),
            variant=rx.cond(primary, "solid", "soft"),
            color_scheme=rx.cond(primary, "cyan", "violet"),
            size="3",
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
        **_tagged(node),
    )


def _dialog(node: Node, target: rx.Var[str]) -> rx.Component:
    p = _props(node)
    return rx.dialog.root(
        _dialog_trigger(node, target),
        rx.dialog.content(
            rx.vstack(
                rx.dialog.title(rx.cond(p["title"], _str(node, "title"), "Details")),
                rx.cond(
                    p["description"],
                    rx.dialog.description(_str(node, "description"), class_name="dsf-text"),
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


# How each component type is drawn, keyed by its spec model: the one list of what the canvas
# can draw. A type of the `Spec` union missing here fails the app's compile (and a unit test).
RENDERERS: dict[type[specs.Component], Callable[[Node, rx.Var[str]], rx.Component]] = {
    specs.Text: _text,
    specs.Button: _button,
    specs.Stack: _stack,
    specs.Grid: _grid,
    specs.Card: _card,
    specs.Image: _image,
    specs.Gallery: _gallery,
    specs.Timeline: _timeline,
    specs.Callout: _callout,
    specs.Stats: _stats,
    specs.Badge: _badge,
    specs.Divider: _divider,
    specs.Hero: _hero,
    specs.ScrollSection: _scroll_section,
    specs.ProgressBar: _progress_bar,
    specs.ActionBar: _action_bar,
    specs.Dialog: _dialog,
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
