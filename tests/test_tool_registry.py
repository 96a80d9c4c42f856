"""Tools are found, not listed: every module in `dsf_app/agents/tools/` registers exactly one
tool, and every registered tool comes from one of them."""

from __future__ import annotations

from collections import Counter

from dsf_app.agents import tools
from dsf_app.agents.registry import TOOLS


def test_every_tool_module_registers_exactly_one_tool() -> None:
    registered = Counter(tool.run.__module__ for tool in TOOLS.values())
    modules = {module.__name__ for module in tools.MODULES}
    assert {name: registered[name] for name in modules} == dict.fromkeys(modules, 1)
    assert set(registered) == modules


def test_a_tool_is_named_after_its_module() -> None:
    for tool in TOOLS.values():
        assert tool.run.__module__.rsplit(".", 1)[-1] == tool.name
