"""Turn a tool call's raw arguments (JSON text or a dict) into its pydantic model, or into one
sentence the agent can act on, led by the path of each bad field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dsf_app.errors import Invalid

# Refused before parsing, so a huge payload costs nothing; a full 500-component canvas spec is
# far smaller.
MAX_ARGS_CHARS = 1_000_000
MAX_REPORTED_ERRORS = 3

Args = TypeVar("Args", bound=BaseModel)
# How one validation error of a model is put into words; a tool with its own vocabulary (the
# canvas names component types) passes its own.
Wording = Callable[[type[BaseModel], ErrorDetails], str]


def parse_tool_args(
    model: type[Args], raw: str | Mapping[str, Any], wording: Wording | None = None
) -> Args:
    """Validate a tool call's arguments as `model`; raise Invalid with a sentence if bad."""
    if isinstance(raw, str) and len(raw) > MAX_ARGS_CHARS:
        raise Invalid(
            f"the arguments are {len(raw):,} characters long; at most {MAX_ARGS_CHARS:,} are allowed"
        )
    try:
        if isinstance(raw, str):
            return model.model_validate_json(raw)
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise Invalid(describe_errors(model, errors, wording or describe_error)) from exc


def describe_errors(
    model: type[BaseModel], errors: Sequence[ErrorDetails], wording: Wording
) -> str:
    """The first few validation errors as one sentence."""
    described = list(dict.fromkeys(wording(model, error) for error in errors))
    sentence = "; ".join(described[:MAX_REPORTED_ERRORS])
    if len(described) > MAX_REPORTED_ERRORS:
        sentence += f" (and {len(described) - MAX_REPORTED_ERRORS} more)"
    return sentence


def describe_error(model: type[BaseModel], error: ErrorDetails) -> str:
    """One error as `path: what is wrong`, naming the allowed fields for an unknown one."""
    loc = error["loc"]
    path = field_path(loc)
    if error["type"] == "extra_forbidden":
        allowed = list(model.model_fields) if len(loc) == 1 else []
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown field{hint}"
    if error["type"] == "json_invalid":
        ctx = error.get("ctx", {})
        return f"the arguments are not valid JSON ({ctx.get('error', error['msg'])})"
    return f"{path}: {error['msg']}" if path else error["msg"]


def field_path(loc: Sequence[int | str], skip: Callable[[int], bool] = lambda _: False) -> str:
    """`spec.children[0].props` from pydantic's location tuple, leaving out parts `skip` names."""
    path = ""
    for index, part in enumerate(loc):
        if skip(index):
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path
