"""`rx.match` with a type a caller can use: Reflex types its result as "a component or a Var"
whatever the cases hold, so these say which one a call gives (and check it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx


def pick(value: rx.Var, table: Mapping[str, Any], default: Any) -> rx.Var:
    """The table's entry for `value`, or `default` when it is unset or not in the table."""
    return as_var(rx.match(value, *table.items(), default))


def as_var(matched: rx.Component | rx.Var) -> rx.Var:
    """The result of an `rx.match` or `rx.cond` whose cases are values."""
    if not isinstance(matched, rx.Var):
        raise TypeError(f"expected a Var, got {type(matched).__name__}")
    return matched


def as_component(matched: rx.Component | rx.Var) -> rx.Component:
    """The result of an `rx.match` or `rx.cond` whose cases are components."""
    if not isinstance(matched, rx.Component):
        raise TypeError(f"expected a component, got {type(matched).__name__}")
    return matched
