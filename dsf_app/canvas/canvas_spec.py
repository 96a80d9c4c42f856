"""A whole canvas spec as it arrives from an agent: `CanvasSpec` refuses one nested deeper than
MAX_DEPTH or holding more than MAX_NODES components before pydantic reads it (walking it without
recursion, so absurd input costs little), validates it against the component models (`specs`),
then refuses ids used twice and gives every component without an id a fresh one. A surface's
roots as a whole keep inputs inside Forms (`check_forms`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from dsf_app.canvas.specs import Dialog, Form, InputField, Spec
from dsf_app.errors import Invalid

MAX_DEPTH = 12
MAX_NODES = 500


def _raw_nested(node: dict[str, Any]) -> list[Any]:
    children = node.get("children")
    props = node.get("props")
    trigger = props.get("trigger") if isinstance(props, dict) else None
    return [*(children if isinstance(children, list) else []), *([trigger] if trigger else [])]


def check_spec_limits(raw: Any) -> Any:
    """Refuse a raw spec nested deeper than MAX_DEPTH or with more than MAX_NODES components.

    Runs before pydantic sees the spec and walks it without recursion, so absurd input costs
    little and can't exhaust the stack.
    """
    count = 0
    pending: list[tuple[Any, int]] = [(raw, 1)]
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, dict):
            continue
        count += 1
        if depth > MAX_DEPTH:
            raise PydanticCustomError(
                "too_deep",
                "components nest more than {max} levels deep; flatten the layout",
                {"max": MAX_DEPTH},
            )
        if count > MAX_NODES:
            raise PydanticCustomError(
                "too_many_components",
                "a spec may hold at most {max} components; split it or show less at once",
                {"max": MAX_NODES},
            )
        pending.extend((child, depth + 1) for child in _raw_nested(node))
    return raw


def iter_nodes(spec: Spec) -> Iterator[Spec]:
    """Every component of `spec`, depth first in render order, without recursion."""
    pending: list[Spec] = [spec]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(node.nested()))


def assign_ids(spec: Spec) -> Spec:
    """Refuse ids used twice in `spec`; give every component without an id a fresh one."""
    nodes = list(iter_nodes(spec))
    taken: set[str] = set()
    for node in nodes:
        if node.id is None:
            continue
        if node.id in taken:
            raise PydanticCustomError(
                "duplicate_id", "id '{id}' is used by more than one component", {"id": node.id}
            )
        taken.add(node.id)
    for node in nodes:
        if node.id is None:
            node.id = _fresh_id(taken)
            taken.add(node.id)
    return spec


def _fresh_id(taken: set[str]) -> str:
    while (candidate := f"c-{uuid.uuid4().hex[:10]}") in taken:
        pass
    return candidate


# A spec as it arrives from an agent: size limits first, then the models, then ids.
CanvasSpec = Annotated[Spec, BeforeValidator(check_spec_limits), AfterValidator(assign_ids)]


def check_forms(roots: list[Spec]) -> None:
    """Refuse an input outside a Form and a Form inside another: a Form sends the inputs drawn
    inside it, and a page cannot nest forms. A Dialog's content is drawn apart from the page, so
    an input in a Dialog needs a Form inside that Dialog."""
    pending: list[tuple[Spec, bool]] = [(root, False) for root in roots]
    while pending:
        node, in_form = pending.pop()
        if isinstance(node, InputField) and not in_form:
            raise Invalid(
                f"{node.type} '{node.id}' is not inside a Form (a Dialog's content needs a Form of "
                "its own); put it in a Form, whose button sends its value to you"
            )
        if isinstance(node, Form) and in_form:
            raise Invalid(f"Form '{node.id}' is inside another Form; a Form cannot hold a Form")
        inside = (in_form or isinstance(node, Form)) and not isinstance(node, Dialog)
        pending.extend((child, inside) for child in node.nested())
