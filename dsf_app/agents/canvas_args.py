"""How a canvas tool call's arguments are checked and what the agent is told when they are wrong:
component types by name, paths through the spec tree without pydantic's union tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from dsf_app.agents.tool_args import describe_error, field_path, parse_tool_args
from dsf_app.canvas.canvas_spec import MAX_DEPTH
from dsf_app.canvas.image_urls import allowing_asset_prefixes
from dsf_app.canvas.specs import COMPONENT_TYPES
from dsf_app.canvas.tool_args import CanvasUIArgs

# Pydantic names the union member it tried ("spec.Stack.children[0].Text.props"); after these
# keys a component type name is that tag, not a field.
_TAGGED_KEYS = ("spec", "trigger")


def parse_canvas_args(
    raw: str | Mapping[str, Any], asset_prefixes: Iterable[str] = ()
) -> CanvasUIArgs:
    """Validate canvas_ui arguments; `asset_prefixes` adds URL prefixes of our own asset host."""
    with allowing_asset_prefixes(asset_prefixes):
        return parse_tool_args(CanvasUIArgs, raw, canvas_error)


def spec_json_schema() -> dict[str, Any]:
    """The canvas_ui tool's argument schema, as the agent sees it."""
    return CanvasUIArgs.model_json_schema()


def canvas_error(model: type[BaseModel], error: ErrorDetails) -> str:
    """One validation error of a canvas tool's arguments, in the canvas's own words."""
    loc = error["loc"]
    path = _path(loc)
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown field{hint}"
    if kind == "union_tag_invalid":
        return f"{path}.type: unknown component type '{ctx['tag']}'; use one of {', '.join(COMPONENT_TYPES)}"
    if kind == "union_tag_not_found":
        return f"{path}: a component needs a 'type', one of {', '.join(COMPONENT_TYPES)}"
    if kind == "json_invalid" and "recursion limit" in str(ctx.get("error")):
        return f"the arguments nest too deeply; components may nest at most {MAX_DEPTH} levels"
    if kind == "json_invalid":
        return describe_error(model, error)
    return f"{path}: {error['msg']}" if path else error["msg"]


def _is_tag(loc: tuple[int | str, ...], index: int) -> bool:
    before = loc[index - 1] if index else None
    return loc[index] in COMPONENT_TYPES and (before in _TAGGED_KEYS or isinstance(before, int))


def _path(loc: tuple[int | str, ...]) -> str:
    return field_path(loc, lambda index: _is_tag(loc, index))


def _allowed_fields(model: type[BaseModel], owner: tuple[int | str, ...]) -> list[str]:
    """Field names of the model at `owner`, when it is the tool's own model or a component."""
    if not owner:
        return list(model.model_fields)
    if _is_tag(owner, len(owner) - 1):
        return list(COMPONENT_TYPES[str(owner[-1])].model_fields)
    if owner[-1] == "props" and len(owner) >= 2 and _is_tag(owner, len(owner) - 2):
        props_model = COMPONENT_TYPES[str(owner[-2])].model_fields["props"].annotation
        if isinstance(props_model, type) and issubclass(props_model, BaseModel):
            return list(props_model.model_fields)
    return []
