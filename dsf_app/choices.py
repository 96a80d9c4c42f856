"""The values a `Literal`-typed field of a pydantic model allows: the one statement of a set of
variants (a canvas prop's, a rule's scope), read by whoever needs to list them."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel


def choices(model: type[BaseModel], field: str) -> tuple[Any, ...]:
    """The values `model.field` allows, in order (None left out); TypeError if it is not a
    Literal field. E.g. `choices(ImageProps, "size")`."""
    annotation = model.model_fields[field].annotation
    found: list[Any] = []
    for arg in (*get_args(annotation), annotation):
        if get_origin(arg) is Literal:
            found.extend(value for value in get_args(arg) if value not in found)
    if not found:
        raise TypeError(f"{model.__name__}.{field} is not a Literal field")
    return tuple(found)
