"""Counts as people write them: "1 part", "3 parts"."""

from __future__ import annotations

import reflex as rx
from reflex.vars import StringVar

from dsf_app.components.matching import as_var


def counted(n: rx.Var[int], one: str, many: str) -> StringVar:
    """`n` followed by the singular or the plural noun."""
    return as_var(rx.cond(n == 1, f"1 {one}", n.to_string() + f" {many}")).to(str)
