"""One module per tool, each registering exactly one; importing this package imports every
module in it, so a new tool needs no list to be added to."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

MODULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{__name__}.{module.name}")
    for module in pkgutil.iter_modules(__path__)
)
