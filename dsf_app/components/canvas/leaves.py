"""The renderers of the canvas component types that hold no other components (text, buttons,
images and galleries, timelines, stats, badges, dividers, heroes, the reading progress bar and
action bars): each `(node, target) -> rx.Component`, listed by its spec model in
`render.RENDERERS`. Props only pick among fixed classes and theme tokens (`theme.py`); text is
drawn as text; images only through `rx.image` with the URL the spec models already checked."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import Var

from dsf_app.canvas import specs
from dsf_app.choices import choices
from dsf_app.components.canvas import theme
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

# A function compiled into the page: rx.call_script would send a string for the browser to
# eval, which the Content-Security-Policy forbids.
SCROLL_ON = rx.run_script(
    Var(
        "(document.activeElement && document.activeElement.closest('.dsf-fullscreen') || "
        "document.scrollingElement).scrollBy({top: window.innerHeight * 0.8, behavior: 'smooth'})"
    )
)


def text(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    content = str_prop(node, "content")
    return as_component(
        rx.match(
            p["variant"],
            (
                "heading",
                # A scene sits under a heading of its page (a story part's title is an h2).
                rx.heading(
                    content,
                    as_="h3",
                    size=pick(p["size"], theme.HEADING_SIZES, "6"),
                    color=css_color(p["color"]),
                    class_name="dsf-text",
                    **tagged(node),
                ),
            ),
            (
                "caption",
                rx.text(
                    content,
                    size=pick(p["size"], theme.TEXT_SIZES, "1"),
                    color=css_color(p["color"], default="var(--gray-11)"),
                    class_name="dsf-text dsf-caption",
                    **tagged(node),
                ),
            ),
            rx.text(
                content,
                size=pick(p["size"], theme.TEXT_SIZES, "3"),
                color=css_color(p["color"]),
                class_name="dsf-text",
                **tagged(node),
            ),
        )
    )


def button(node: Node, target: rx.Var[str]) -> rx.Component:
    secondary = props_of(node)["variant"] == "secondary"
    return rx.button(
        str_prop(node, "label"),
        variant=rx.cond(secondary, "soft", "solid"),
        color_scheme=rx.cond(secondary, "violet", "cyan"),
        size="3",
        # In a Form, a button that only reports its click, never one that sends the form.
        type="button",
        on_click=interact(target, node, "click"),
        **tagged(node),
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


def image(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    size = pick(p["size"], same(choices(specs.ImageProps, "size")), "large")
    return _figure(
        str_prop(node, "src"),
        p["alt"],
        p["caption"],
        p["lightbox"],
        f"dsf-figure dsf-size-{size}",
        **tagged(node),
    )


def gallery(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    variant = pick(p["variant"], same(choices(specs.GalleryProps, "variant")), "grid")
    columns = rx.cond(p["columns"], p["columns"].to(str), "3")
    return rx.box(
        rx.foreach(
            as_list(p["images"]),
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
        **tagged(node),
    )


def _timeline_event(event: Node) -> rx.Component:
    when = rx.cond(event["date"], event["date"].to(str), rx.cond(event["year"], event["year"], ""))
    status = pick(event["status"], same(choices(specs.TimelineEvent, "status")), "plain")
    return rx.box(
        rx.box(rx.box(class_name="dsf-tl-dot"), class_name="dsf-tl-mark"),
        rx.box(
            rx.cond(when, eyebrow(when)),
            rx.heading(event["title"].to(str), size="3", as_="h3"),
            rx.cond(
                event["description"],
                rx.text(event["description"].to(str), size="2", class_name="dsf-text"),
            ),
            class_name="dsf-tl-body",
        ),
        class_name=f"dsf-tl-event dsf-tl-{status}",
    )


def timeline(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    orientation = rx.cond(p["orientation"] == "horizontal", "horizontal", "vertical")
    return rx.box(
        rx.foreach(as_list(p["events"]), _timeline_event),
        class_name=f"dsf-timeline dsf-timeline-{orientation}",
        **tagged(node),
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
        rx.hstack(eyebrow(item["label"].to(str)), trend, align="center", spacing="2"),
        class_name="dsf-stat",
    )


def stats(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    return rx.box(
        rx.foreach(as_list(p["items"]), _stat),
        class_name="dsf-grid",
        grid_template_columns=rx.cond(
            p["columns"],
            f"repeat({p['columns'].to(str)}, minmax(0, 1fr))",
            "repeat(auto-fit, minmax(min(100%, 10rem), 1fr))",
        ),
        gap="0.75rem",
        **tagged(node),
    )


def badge(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    return rx.badge(
        str_prop(node, "label"),
        color_scheme=pick(p["variant"], theme.BADGE_COLORS, "cyan"),
        variant=rx.cond(p["variant"] == "outline", "outline", "soft"),
        size=pick(p["size"], theme.BADGE_SIZES, "2"),
        class_name="dsf-clickable",
        role="button",
        tab_index=0,
        on_click=interact(target, node, "click"),
        **tagged(node),
    )


def _rule(variant: rx.Var) -> rx.Component:
    return rx.box(class_name=f"dsf-rule dsf-rule-{variant}")


def divider(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    variant = pick(p["variant"], same(choices(specs.DividerProps, "variant")), "solid")
    return rx.box(
        rx.cond(
            p["label"],
            rx.hstack(
                _rule(variant),
                eyebrow(str_prop(node, "label"), white_space="nowrap"),
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
        **tagged(node),
    )


def hero(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    height = pick(p["height"], same(choices(specs.HeroProps, "height")), "medium")
    tall = (p["height"] == "large") | (p["height"] == "full")
    return rx.box(
        rx.cond(
            p["backgroundImage"],
            rx.image(src=str_prop(node, "backgroundImage"), alt="", class_name="dsf-hero-bg"),
        ),
        rx.cond(
            p["backgroundImage"] & (p["overlay"] != rx.Var.create(False)),
            rx.box(class_name="dsf-hero-shade"),
        ),
        rx.vstack(
            rx.cond(
                p["badge"],
                rx.badge(
                    str_prop(node, "badge"),
                    size="2",
                    variant="surface",
                    color_scheme="cyan",
                    class_name="dsf-clickable",
                    role="button",
                    tab_index=0,
                    on_click=interact(target, node, "click", {"part": "badge"}),
                    custom_attrs={"data-canvas-part": "badge"},
                ),
            ),
            rx.heading(
                str_prop(node, "title"),
                size=rx.cond(tall, "9", "8"),
                class_name="dsf-hero-title",
                as_="h2",
            ),
            rx.cond(
                p["subtitle"], rx.text(str_prop(node, "subtitle"), size="4", color_scheme="gray")
            ),
            rx.cond(
                p["meta"],
                rx.hstack(
                    rx.foreach(as_list(p["meta"]), lambda item: eyebrow(item.to(str))),
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
                type="button",
                aria_label="Scroll on",
                custom_attrs={"data-canvas-part": "scroll"},
                on_click=[
                    interact(target, node, "click", {"part": "scroll"}),
                    SCROLL_ON,
                ],
            ),
        ),
        class_name=f"dsf-hero dsf-hero-{height}",
        **tagged(node),
    )


def progress_bar(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    position = rx.cond(p["position"] == "bottom", "bottom", "top")
    return rx.box(
        rx.box(class_name="dsf-progress-fill"),
        rx.cond(p["showLabel"], rx.box(class_name="dsf-progress-label")),
        class_name=f"dsf-progress dsf-progress-{position}",
        role="progressbar",
        aria_label="Reading progress",
        **tagged(node),
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
        type="button",
        class_name="dsf-action",
        custom_attrs={"data-action-id": action["id"]},
        on_click=interact(
            target, node, "action", {"actionId": action["id"], "label": action["label"]}
        ),
    )


def action_bar(node: Node, target: rx.Var[str]) -> rx.Component:
    p = props_of(node)
    return rx.box(
        eyebrow(rx.cond(p["title"], str_prop(node, "title"), "What happens next?")),
        rx.flex(
            rx.foreach(as_list(p["actions"]), lambda action: _action(node, target, action)),
            wrap="wrap",
            spacing="3",
            margin_top="0.75rem",
        ),
        class_name="dsf-actionbar",
        role="group",
        **tagged(node),
    )
