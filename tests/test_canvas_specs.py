"""Canvas specs: every component type, the image-URL policy, the size limits, ids and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from dsf_app.agents.canvas_args import parse_canvas_args, spec_json_schema
from dsf_app.agents.tool_args import MAX_ARGS_CHARS, parse_tool_args
from dsf_app.canvas.canvas_spec import MAX_DEPTH, iter_nodes
from dsf_app.canvas.fields import ID_PATTERN
from dsf_app.canvas.image_urls import allowing_asset_prefixes
from dsf_app.canvas.specs import COMPONENT_TYPES, Component, Dialog, Image, Spec, Text, TextProps
from dsf_app.canvas.tool_args import CanvasUIArgs, GetCanvasInteractionsArgs, SendSuggestionArgs
from dsf_app.errors import Invalid
from dsf_app.settings import get_settings

ASSET = "/assets/0b7c3f6e-2d1a-4c5b-9e8f-7a6b5c4d3e2f"
OTHER_ASSET = "/assets/9f8e7d6c-5b4a-4321-8765-43210fedcba9"
REFUSED = (
    "images must be our /assets/<id> URLs (asset_manager and image_generator give them) or "
    "data:image/(png|jpeg|gif|webp);base64 URLs"
)
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

EXAMPLES: dict[str, dict[str, Any]] = {
    "Text": {
        "type": "Text",
        "props": {
            "content": "The tide came in red.",
            "variant": "heading",
            "size": "2xl",
            "color": "crimson",
        },
    },
    "Button": {
        "type": "Button",
        "id": "continue",
        "props": {"label": "Continue", "variant": "primary"},
    },
    "Stack": {
        "type": "Stack",
        "props": {
            "direction": "horizontal",
            "spacing": "md",
            "align": "center",
            "justify": "between",
            "wrap": True,
        },
        "children": [
            {"type": "Text", "props": {"content": "Left"}},
            {"type": "Text", "props": {"content": "Right"}},
        ],
    },
    "Grid": {
        "type": "Grid",
        "props": {"columns": 3, "gap": "lg", "minChildWidth": "240px", "align": "start"},
        "children": [{"type": "Badge", "props": {"label": "Orbital"}}],
    },
    "Card": {
        "type": "Card",
        "id": "card-kepler",
        "props": {
            "title": "Kepler Station",
            "subtitle": "Pop. 40,000",
            "image": ASSET,
            "imagePosition": "left",
            "variant": "elevated",
            "accent": "#7c3aed",
            "clickable": True,
        },
        "children": [{"type": "Text", "props": {"content": "A ring habitat at L5."}}],
    },
    "Image": {
        "type": "Image",
        "props": {
            "src": OTHER_ASSET,
            "alt": "The drowned city",
            "caption": "Lagos, 2147",
            "size": "large",
            "lightbox": True,
        },
    },
    "Gallery": {
        "type": "Gallery",
        "props": {
            "images": [
                {"src": ASSET, "alt": "Dawn"},
                {"src": PNG, "caption": "Dusk"},
            ],
            "columns": 3,
            "variant": "masonry",
            "lightbox": False,
        },
    },
    "Timeline": {
        "type": "Timeline",
        "props": {
            "events": [
                {"year": 2031, "title": "First fusion grid", "status": "completed"},
                {
                    "date": "Spring 2147",
                    "title": "The Exodus",
                    "description": "Ten arks leave.",
                    "status": "current",
                },
                {"title": "Landfall", "status": "upcoming"},
            ],
            "orientation": "vertical",
        },
    },
    "Callout": {
        "type": "Callout",
        "props": {"variant": "rule", "title": "Physics", "content": "No faster-than-light travel."},
        "children": [{"type": "Divider"}],
    },
    "Stats": {
        "type": "Stats",
        "props": {
            "items": [
                {"value": "8.2 billion", "label": "Population", "trend": "down"},
                {"value": "42%", "label": "Sea level rise", "trend": "up"},
            ],
            "columns": 2,
        },
    },
    "Badge": {"type": "Badge", "props": {"label": "Hard SF", "variant": "accent", "size": "sm"}},
    "Divider": {
        "type": "Divider",
        "props": {"variant": "dashed", "spacing": "lg", "label": "Part II"},
    },
    "Hero": {
        "type": "Hero",
        "props": {
            "title": "The Long Dark",
            "subtitle": "A story of the outer colonies",
            "backgroundImage": ASSET,
            "badge": "Chapter 1",
            "meta": ["12 min read", "Year 2203"],
            "height": "full",
            "overlay": True,
        },
    },
    "ScrollSection": {
        "type": "ScrollSection",
        "props": {"animation": "fade-up"},
        "children": [{"type": "Text", "props": {"content": "It began with a signal."}}],
    },
    "ProgressBar": {"type": "ProgressBar", "props": {"position": "top", "showLabel": True}},
    "ActionBar": {
        "type": "ActionBar",
        "props": {
            "title": "What does Mara do?",
            "actions": [
                {"id": "open-hatch", "label": "Open the hatch", "variant": "primary"},
                {
                    "id": "wait",
                    "label": "Wait for dawn",
                    "description": "Safer, slower.",
                    "variant": "branch",
                },
            ],
        },
    },
    "Dialog": {
        "type": "Dialog",
        "props": {
            "title": "Ship's log",
            "description": "Entries recovered from the wreck.",
            "open": False,
            "trigger": {"type": "Button", "props": {"label": "Read the log"}},
        },
        "children": [{"type": "Text", "props": {"content": "Day 1: all quiet."}}],
    },
    "TextInput": {
        "type": "TextInput",
        "id": "ship-name",
        "props": {"label": "Name your ship", "placeholder": "e.g. Aurora", "maxLength": 40},
    },
    "Select": {
        "type": "Select",
        "id": "route",
        "props": {
            "label": "Which way?",
            "options": [{"id": "inner", "label": "Inner ring"}, {"id": "outer", "label": "Outer"}],
            "default": "outer",
        },
    },
    "Slider": {
        "type": "Slider",
        "id": "fuel",
        "props": {"label": "Fuel to burn", "min": 0, "max": 100, "step": 5, "default": 20},
    },
    "Toggle": {
        "type": "Toggle",
        "id": "lights",
        "props": {"label": "Running lights", "default": True},
    },
    "Form": {
        "type": "Form",
        "props": {"title": "Launch", "submitLabel": "Launch", "continueStory": True},
        "children": [{"type": "Toggle", "id": "hail", "props": {"label": "Hail the station"}}],
    },
}

# The types that take no children, from the models themselves.
LEAF_TYPES = sorted(
    name for name, model in COMPONENT_TYPES.items() if "children" not in model.model_fields
)


def canvas(spec: Any, **args: Any) -> CanvasUIArgs:
    return parse_canvas_args({"target": "canvas-root", "spec": spec, **args})


C = TypeVar("C", bound=Component)


def shown(spec: Any, **args: Any) -> Spec:
    """The validated spec of a canvas_ui call that creates one (it always has a spec)."""
    drawn = canvas(spec, **args).spec
    assert drawn is not None
    return drawn


def shown_as(kind: type[C], spec: Any) -> C:
    """The validated spec of a canvas_ui call, which must be a `kind`."""
    drawn = shown(spec)
    assert isinstance(drawn, kind)
    return drawn


def refusal(spec: Any, **args: Any) -> str:
    with pytest.raises(Invalid) as caught:
        canvas(spec, **args)
    return str(caught.value)


def text(content: str = "x", **node: Any) -> dict[str, Any]:
    return {"type": "Text", "props": {"content": content}, **node}


def image(src: str) -> dict[str, Any]:
    return {"type": "Image", "props": {"src": src}}


def nested_stacks(depth: int) -> dict[str, Any]:
    """Stacks `depth` deep around one Text, built without recursion."""
    spec: dict[str, Any] = text("bottom")
    for _ in range(depth - 1):
        spec = {"type": "Stack", "children": [spec]}
    return spec


# --- Every type -------------------------------------------------------------------------------


def test_examples_cover_every_component_type() -> None:
    assert set(EXAMPLES) == set(COMPONENT_TYPES)
    assert LEAF_TYPES  # and the containers are the others


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_every_type_validates_from_a_realistic_example(kind: str) -> None:
    spec = shown(EXAMPLES[kind])
    assert isinstance(spec, COMPONENT_TYPES[kind])
    again = shown(spec.model_dump())
    assert again == spec


def test_five_deep_nesting_validates() -> None:
    spec = {
        "type": "Stack",
        "children": [
            {
                "type": "Card",
                "props": {"title": "Outer"},
                "children": [
                    {
                        "type": "Callout",
                        "props": {"variant": "tech"},
                        "children": [
                            {
                                "type": "ScrollSection",
                                "children": [
                                    {
                                        "type": "Grid",
                                        "props": {"columns": 2},
                                        "children": [text("deep")],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    nodes = list(iter_nodes(shown(spec)))
    assert [node.type for node in nodes] == [
        "Stack",
        "Card",
        "Callout",
        "ScrollSection",
        "Grid",
        "Text",
    ]
    assert isinstance(nodes[-1], Text)
    assert nodes[-1].props.content == "deep"


def test_nesting_up_to_the_limit_validates() -> None:
    assert len(list(iter_nodes(shown(nested_stacks(MAX_DEPTH))))) == MAX_DEPTH
    assert "more than 12 levels deep" in refusal(nested_stacks(MAX_DEPTH + 1))


def test_dialog_trigger_is_a_nested_spec() -> None:
    dialog = shown(EXAMPLES["Dialog"])
    assert isinstance(dialog, Dialog)
    assert [node.type for node in iter_nodes(dialog)] == ["Dialog", "Button", "Text"]


# --- What may not be said ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prop"),
    [
        ("Text", "onClick"),
        ("Text", "dangerouslySetInnerHTML"),
        ("Card", "style"),
        ("Button", "href"),
        ("Hero", "className"),
    ],
)
def test_unknown_prop_is_refused_naming_the_field(kind: str, prop: str) -> None:
    spec = json.loads(json.dumps(EXAMPLES[kind]))
    spec["props"][prop] = "javascript:alert(1)"
    message = refusal(spec)
    assert message.startswith(f"spec.props.{prop}: unknown field; allowed here: ")
    props_model = COMPONENT_TYPES[kind].model_fields["props"].annotation
    assert isinstance(props_model, type) and issubclass(props_model, BaseModel)
    assert all(name in message for name in props_model.model_fields)


def test_unknown_key_on_a_nested_component_names_its_path() -> None:
    spec = {"type": "Stack", "children": [text(), text(onClick="steal()")]}
    assert refusal(spec) == "spec.children[1].onClick: unknown field; allowed here: id, type, props"


@pytest.mark.parametrize("kind", ["HTML", "Html", "JSX", "Script", "iframe"])
def test_there_is_no_raw_markup_type(kind: str) -> None:
    message = refusal({"type": kind, "props": {"content": "<script>alert(1)</script>"}})
    assert message.startswith(
        f"spec.type: unknown component type '{kind}'; use one of Text, Button"
    )


def test_missing_type_is_refused() -> None:
    assert refusal({"props": {"content": "x"}}).startswith("spec: a component needs a 'type'")


@pytest.mark.parametrize("kind", LEAF_TYPES)
def test_children_on_a_leaf_type_are_refused(kind: str) -> None:
    spec = {**EXAMPLES[kind], "children": [text()]}
    assert refusal({"type": "Stack", "children": [spec]}).startswith(
        f"spec.children[0]: {kind} takes no children"
    )


def test_empty_children_on_a_leaf_are_ignored() -> None:
    spec = shown(text(id="t", children=[]))
    assert spec == Text(type="Text", id="t", props=TextProps(content="x"))


def test_missing_required_prop_is_refused() -> None:
    assert (
        refusal({"type": "Image", "props": {"alt": "no source"}})
        == "spec.props.src: Field required"
    )


def test_html_in_text_is_kept_as_the_literal_string() -> None:
    markup = '<img src=x onerror="alert(1)"><b>bold</b> &amp; {`jsx`}'
    spec = shown(text(markup))
    assert isinstance(spec, Text)
    assert spec.props.content == markup


# --- Image URLs -------------------------------------------------------------------------------

DANGEROUS_URLS = [
    "javascript:alert(1)",
    " JaVaScript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "\njavascript:alert(1)",
    "vbscript:msgbox(1)",
    "http://example.com/a.png",
    "HTTP://example.com/a.png",
    "https://images.example.com/a.png",
    "https://127.0.0.1:3000.evil.example/assets/0b7c3f6e-2d1a-4c5b-9e8f-7a6b5c4d3e2f",
    "/assets/worlds/0b7c/hero.jpg",
    "/assets/0b7c3f6e-2d1a-4c5b-9e8f-7a6b5c4d3e2f/../../api",
    "//evil.example.com/a.png",
    "/\\evil.example.com/a.png",
    "https:/\\evil.example.com",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "data:image/png,rawbytes",
    "data:image/png;base64,<script>",
    "file:///etc/passwd",
    "ftp://example.com/a.png",
    "blob:https://example.com/uuid",
    "/api/secret.png",
    "/assets/../api/delete",
    "/assets/%2e%2e/api/delete",
    "assets/relative.png",
    "https://",
    "",
]


@pytest.mark.parametrize("url", DANGEROUS_URLS)
def test_dangerous_image_urls_are_refused(url: str) -> None:
    message = refusal(image(url))
    assert message.startswith("spec.props.src: ")


@pytest.mark.parametrize(
    "url",
    [
        "data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "DATA:IMAGE/SVG+XML;base64,PHN2Zz4=",
    ],
)
def test_svg_data_urls_are_refused(url: str) -> None:
    assert refusal(image(url)).startswith("spec.props.src: SVG data URLs are not allowed")


def test_refusal_says_which_urls_are_allowed() -> None:
    assert refusal(image("ftp://example.com/a.png")) == f"spec.props.src: {REFUSED}"
    assert refusal(image("https://example.com/a.png")) == f"spec.props.src: {REFUSED}"


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"type": "Card", "props": {"image": "javascript:alert(1)"}}, "spec.props.image"),
        (
            {"type": "Hero", "props": {"title": "T", "backgroundImage": "javascript:alert(1)"}},
            "spec.props.backgroundImage",
        ),
        (
            {
                "type": "Gallery",
                "props": {
                    "images": [
                        {"src": ASSET},
                        {"src": "javascript:alert(1)"},
                    ]
                },
            },
            "spec.props.images[1].src",
        ),
        (
            {"type": "Stack", "children": [text(), image("javascript:alert(1)")]},
            "spec.children[1].props.src",
        ),
    ],
)
def test_every_image_field_applies_the_url_policy(spec: dict[str, Any], path: str) -> None:
    assert refusal(spec) == f"{path}: {REFUSED}"


@pytest.mark.parametrize(
    "url",
    [
        ASSET,
        ASSET.upper().replace("/ASSETS/", "/assets/"),
        PNG,
        "data:image/jpeg;base64,/9j/4AAQSkZJRg==",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "data:image/webp;base64,UklGRhoAAABXRUJQ",
    ],
)
def test_allowed_image_urls_are_accepted(url: str) -> None:
    assert shown_as(Image, image(url)).props.src == url


def test_asset_host_prefixes_extend_the_allowlist() -> None:
    local = "http://127.0.0.1:59000/dsf-assets/w1/a.png"
    assert refusal(image(local)) == f"spec.props.src: {REFUSED}"
    allowed = parse_canvas_args(
        {"target": "canvas-root", "spec": image(local)},
        asset_prefixes=["http://127.0.0.1:59000/dsf-assets"],
    ).spec
    assert isinstance(allowed, Image) and allowed.props.src == local
    with allowing_asset_prefixes(["http://127.0.0.1:59000"]):
        assert shown_as(Image, image(local)).props.src == local
        # The prefix ends at a path boundary: a look-alike host is not ours.
        assert refusal(image("http://127.0.0.1:59000.evil.net/a.png")).startswith(
            "spec.props.src: "
        )
    assert refusal(image(local)).startswith("spec.props.src: ")


@pytest.fixture
def image_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings with a CDN and one extra image host an operator allowed."""
    monkeypatch.setenv("DSF_APP_URL", "https://dsf.example.org")
    monkeypatch.setenv("S3_PUBLIC_BASE_URL", "https://cdn.example.org/dsf-assets")
    monkeypatch.setenv("DSF_ALLOWED_IMAGE_HOSTS", "images.example.net, https://art.example.com/")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("image_hosts")
def test_configured_image_hosts_are_accepted_and_nothing_else() -> None:
    for url in (
        f"https://dsf.example.org{ASSET}",
        "https://cdn.example.org/dsf-assets/users/u1/a.png",
        "HTTPS://CDN.example.org/dsf-assets/a.png",
        "https://images.example.net/a.png",
        "https://art.example.com/x/y.webp",
    ):
        assert shown_as(Image, image(url)).props.src == url
    for url in (
        "https://cdn.example.org/other-bucket/a.png",
        "https://cdn.example.org.evil.example/dsf-assets/a.png",
        "http://images.example.net/a.png",
        "https://images.example.net.evil.example/a.png",
        "https://dsf.example.org/api/a.png",
        "https://cdn.example.org/dsf-assets/../a.png",
    ):
        assert refusal(image(url)).startswith("spec.props.src: "), url
    assert refusal(image("https://example.com/a.png")).endswith(
        "URLs under https://cdn.example.org/dsf-assets/, https://images.example.net/, "
        "https://art.example.com/ or data:image/(png|jpeg|gif|webp);base64 URLs"
    )


def test_an_empty_configured_prefix_admits_nothing() -> None:
    with pytest.raises(Invalid, match=r"^spec\.props\.src: images must be our /assets/"):
        parse_canvas_args(
            {"target": "canvas-root", "spec": image("//evil.example.com/a.png")},
            asset_prefixes=["", "/"],
        )


# --- Limits -----------------------------------------------------------------------------------


def test_a_thousand_deep_dict_is_refused_without_recursion() -> None:
    with pytest.raises(Invalid, match="more than 12 levels deep"):
        canvas(nested_stacks(1000))


def test_a_thousand_deep_json_string_is_refused_without_recursion() -> None:
    depth = 1000
    raw = (
        '{"target": "canvas-root", "spec": '
        + '{"type": "Stack", "children": [' * depth
        + '{"type": "Text", "props": {"content": "x"}}'
        + "]}" * depth
        + "}"
    )
    with pytest.raises(
        Invalid, match=r"^the arguments nest too deeply; components may nest at most 12"
    ):
        parse_canvas_args(raw)


def test_deep_but_parseable_json_string_gets_the_depth_message() -> None:
    raw = json.dumps({"target": "canvas-root", "spec": nested_stacks(40)})
    with pytest.raises(Invalid, match=r"^spec: components nest more than 12 levels deep"):
        parse_canvas_args(raw)


def test_ten_thousand_siblings_are_refused() -> None:
    message = refusal({"type": "Stack", "children": [text() for _ in range(10_000)]})
    assert message == "spec: a spec may hold at most 500 components; split it or show less at once"


def test_five_hundred_components_are_allowed() -> None:
    spec = shown({"type": "Stack", "children": [text() for _ in range(499)]})
    assert len(list(iter_nodes(spec))) == 500


def test_oversized_arguments_are_refused_before_parsing() -> None:
    with pytest.raises(Invalid, match="at most 1,000,000 are allowed"):
        parse_canvas_args(" " * (MAX_ARGS_CHARS + 1))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (text("x" * 10_001), "spec.props.content: String should have at most 10000 characters"),
        (
            {"type": "Button", "props": {"label": "x" * 301}},
            "spec.props.label: String should have at most 300 characters",
        ),
        (
            {"type": "Hero", "props": {"title": "x" * 301}},
            "spec.props.title: String should have at most 300 characters",
        ),
        (
            image("https://example.com/" + "a" * 100_000),
            "spec.props.src: String should have at most 100000 characters",
        ),
    ],
)
def test_over_long_strings_are_refused(spec: dict[str, Any], message: str) -> None:
    assert refusal(spec) == message


def test_string_lengths_up_to_the_limit_are_accepted() -> None:
    assert shown_as(Text, text("x" * 10_000)).props.content == "x" * 10_000


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"type": "Gallery", "props": {"images": [{"src": PNG}] * 51}}, "spec.props.images"),
        ({"type": "Timeline", "props": {"events": [{"title": "t"}] * 51}}, "spec.props.events"),
        (
            {"type": "Stats", "props": {"items": [{"value": "1", "label": "l"}] * 51}},
            "spec.props.items",
        ),
        (
            {
                "type": "ActionBar",
                "props": {"actions": [{"id": f"a{i}", "label": "l"} for i in range(51)]},
            },
            "spec.props.actions",
        ),
        ({"type": "Hero", "props": {"title": "t", "meta": ["m"] * 51}}, "spec.props.meta"),
    ],
)
def test_over_long_lists_are_refused(spec: dict[str, Any], path: str) -> None:
    assert refusal(spec) == f"{path}: List should have at most 50 items after validation, not 51"


def test_empty_required_lists_are_refused() -> None:
    assert refusal({"type": "Gallery", "props": {"images": []}}).startswith(
        "spec.props.images: List should have at least 1 item"
    )


# --- Ids --------------------------------------------------------------------------------------


def test_missing_ids_are_assigned_and_explicit_ones_kept() -> None:
    spec = shown({"type": "Stack", "id": "root", "children": [text(), text(), EXAMPLES["Dialog"]]})
    ids = [node.id for node in iter_nodes(spec)]
    assert ids[0] == "root"
    assert len(set(ids)) == len(ids) == 6
    assert all(node_id and re.fullmatch(ID_PATTERN, node_id) for node_id in ids)
    assert all(node_id is not None and node_id.startswith("c-") for node_id in ids[1:])


def test_assigned_ids_survive_a_round_trip() -> None:
    first = shown({"type": "Stack", "children": [text(), text()]})
    assert shown(first.model_dump()) == first


def test_duplicate_ids_are_refused() -> None:
    spec = {
        "type": "Stack",
        "children": [text(id="hatch"), {"type": "Card", "children": [text(id="hatch")]}],
    }
    assert refusal(spec) == "spec: id 'hatch' is used by more than one component"


def test_duplicate_id_in_a_dialog_trigger_is_refused() -> None:
    dialog = {
        "type": "Dialog",
        "id": "log",
        "props": {"trigger": {"type": "Button", "id": "log", "props": {"label": "Open"}}},
    }
    assert refusal(dialog) == "spec: id 'log' is used by more than one component"


@pytest.mark.parametrize("bad_id", ["", "has space", "a/b", "x" * 65, "<script>"])
def test_malformed_ids_are_refused(bad_id: str) -> None:
    assert refusal(text(id=bad_id)).startswith("spec.id: String should ")


def test_duplicate_action_ids_are_refused() -> None:
    bar = {
        "type": "ActionBar",
        "props": {"actions": [{"id": "go", "label": "Go"}, {"id": "go", "label": "Go too"}]},
    }
    assert refusal(bar) == "spec.props.actions: action ids must be unique; repeated: go"


# --- Tool arguments ---------------------------------------------------------------------------


def test_canvas_args_defaults() -> None:
    args = canvas(text())
    assert (args.target, args.action, args.mode, args.component_id) == (
        "canvas-root",
        "create",
        "inline",
        None,
    )


def test_update_of_one_component_and_remove_without_spec() -> None:
    update = canvas(text(id="title"), action="update", component_id="title", mode="overlay")
    assert (update.action, update.component_id, update.mode) == ("update", "title", "overlay")
    clear = parse_canvas_args({"target": "story-reader", "action": "remove"})
    assert (clear.spec, clear.component_id) == (None, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"target": "canvas-root"}, "spec is required when action is 'create'"),
        ({"target": "canvas-root", "action": "update"}, "spec is required when action is 'update'"),
        ({"target": "canvas-root", "action": "remove", "spec": text()}, "remove takes no spec"),
        (
            {"target": "canvas-root", "spec": text(), "component_id": "x"},
            "component_id is only for update and remove",
        ),
        ({"target": "Canvas Root", "spec": text()}, "target: String should match pattern"),
        (
            {"target": "canvas-root", "spec": text(), "mode": "popup"},
            "mode: Input should be 'overlay', 'fullscreen' or 'inline'",
        ),
        (
            {"target": "canvas-root", "spec": text(), "extra": 1},
            "extra: unknown field; allowed here: target, action, mode, spec, component_id",
        ),
    ],
)
def test_canvas_args_rules(args: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_canvas_args(args)
    assert str(caught.value).startswith(message)


def test_json_string_arguments_are_accepted() -> None:
    args = parse_canvas_args(json.dumps({"target": "world-gallery", "spec": EXAMPLES["Gallery"]}))
    assert args.target == "world-gallery"


def test_broken_json_is_refused_readably() -> None:
    with pytest.raises(Invalid, match=r"^the arguments are not valid JSON \(EOF while parsing"):
        parse_canvas_args('{"target": "canvas-root", "spec": {')


def test_at_most_three_errors_are_reported() -> None:
    spec = {"type": "Stack", "children": [image("javascript:1") for _ in range(5)]}
    message = refusal(spec)
    assert message.count("spec.children[") == 3
    assert message.endswith(" (and 2 more)")
    assert "\n" not in message


def test_get_canvas_interactions_args() -> None:
    assert parse_tool_args(GetCanvasInteractionsArgs, {}).model_dump() == {
        "peek": False,
        "componentId": None,
        "interactionType": None,
    }
    args = parse_tool_args(
        GetCanvasInteractionsArgs,
        '{"peek": true, "componentId": "open-hatch", "interactionType": "click"}',
    )
    assert (args.peek, args.componentId, args.interactionType) == (True, "open-hatch", "click")


def test_send_suggestion_args() -> None:
    args = parse_tool_args(
        SendSuggestionArgs,
        {
            "title": "Visit the ring",
            "description": "See Kepler Station up close.",
            "action_id": "visit-ring",
        },
    )
    assert (args.priority, args.action_label, args.action_data) == ("medium", None, None)
    with pytest.raises(Invalid) as caught:
        parse_tool_args(SendSuggestionArgs, {"title": "t", "priority": "urgent"})
    assert str(caught.value) == (
        "description: Field required; action_id: Field required; priority: Input should be 'high', 'medium' or 'low'"
    )


# --- Schema -----------------------------------------------------------------------------------


def test_schema_serialises_and_every_reference_resolves() -> None:
    schema = spec_json_schema()
    dumped = json.dumps(schema)
    assert json.loads(dumped) == schema
    defs = schema["$defs"]
    assert set(COMPONENT_TYPES) <= set(defs)
    refs = set(re.findall(r'"\$ref": "#/\$defs/([A-Za-z]+)"', dumped))
    assert refs <= set(defs)
    assert schema["required"] == ["target"]
    assert all(definition.get("additionalProperties") is False for definition in defs.values())
    assert "children" not in defs["Text"]["properties"]
    assert "children" in defs["Stack"]["properties"]
