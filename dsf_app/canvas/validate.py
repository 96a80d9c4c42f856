"""Turn a canvas tool call's raw arguments into models, or into one sentence the agent can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dsf_app.canvas.specs import COMPONENT_TYPES, MAX_DEPTH, allowing_asset_prefixes
from dsf_app.canvas.tool_args import CanvasUIArgs
from dsf_app.errors import Invalid

# Refused before parsing, so a huge payload costs nothing; a full 500-component spec is far smaller.
MAX_ARGS_CHARS = 1_000_000
MAX_REPORTED_ERRORS = 3
# Pydantic names the union member it tried ("spec.Stack.children[0].Text.props"); after these
# keys a component type name is that tag, not a field.
_TAGGED_KEYS = ("spec", "trigger")

Args = TypeVar("Args", bound=BaseModel)


def parse_tool_args(model: type[Args], raw: str | Mapping[str, Any]) -> Args:
    """Validate a tool call's arguments (JSON text or a dict) as `model`; raise Invalid if bad."""
    if isinstance(raw, str) and len(raw) > MAX_ARGS_CHARS:
        raise Invalid(
            f"the arguments are {len(raw):,} characters long; at most {MAX_ARGS_CHARS:,} are allowed"
        )
    try:
        if isinstance(raw, str):
            return model.model_validate_json(raw)
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            describe_errors(model, exc.errors(include_url=False, include_input=False))
        ) from exc


def parse_canvas_args(
    raw: str | Mapping[str, Any], asset_prefixes: Iterable[str] = ()
) -> CanvasUIArgs:
    """Validate canvas_ui arguments; `asset_prefixes` adds URL prefixes of our own asset host."""
    with allowing_asset_prefixes(asset_prefixes):
        return parse_tool_args(CanvasUIArgs, raw)


def spec_json_schema() -> dict[str, Any]:
    """The canvas_ui tool's argument schema, as the agent sees it."""
    return CanvasUIArgs.model_json_schema()


def describe_errors(model: type[BaseModel], errors: Sequence[ErrorDetails]) -> str:
    """The first few validation errors as one sentence, each led by the path of the bad field."""
    described = list(dict.fromkeys(_describe(model, error) for error in errors))
    sentence = "; ".join(described[:MAX_REPORTED_ERRORS])
    if len(described) > MAX_REPORTED_ERRORS:
        sentence += f" (and {len(described) - MAX_REPORTED_ERRORS} more)"
    return sentence


def _describe(model: type[BaseModel], error: ErrorDetails) -> str:
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
        return f"the arguments are not valid JSON ({ctx.get('error', error['msg'])})"
    return f"{path}: {error['msg']}" if path else error["msg"]


def _is_tag(loc: tuple[int | str, ...], index: int) -> bool:
    before = loc[index - 1] if index else None
    return loc[index] in COMPONENT_TYPES and (before in _TAGGED_KEYS or isinstance(before, int))


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for index, part in enumerate(loc):
        if _is_tag(loc, index):
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


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
