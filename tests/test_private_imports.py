"""The names DSF takes from Reflex's and openai's internals, where neither offers a public API.

Reflex's public face is `reflex` (`rx.…`); its split packages (`reflex_base`,
`reflex_components_*`) and any module whose name starts with `_` are internals that may change in
any release. Each such import is listed in PRIVATE with the version it was last checked against:
when uv.lock moves that package, or the name is gone, a test says which file to re-check; and
what DSF relies on each name to do is checked here too. Any other such import fails until it is
replaced by the public name or listed.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pydantic
import pytest
import redis
import reflex as rx
from openai.lib._pydantic import to_strict_json_schema
from reflex.istate.manager.memory import StateManagerMemory
from reflex.utils import prerequisites
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event.context import EventContext
from reflex_components_markdown.markdown import Markdown
from reflex_components_sonner.toast import toast_ref

from dsf_app.components.toasts import toast_relay
from dsf_app.components.untrusted_text import markdown
from dsf_app.devstack.pyinstall import LOCK, locked_version
from dsf_app.security_headers import frontend_dir
from dsf_app.state.feedback import PAGE_STORE_DOWN, FeedbackState, stateless_delta, unexpected
from tests.source_imports import ROOT, imports, relative

THIS_FILE = Path(__file__).resolve()
INTERNAL_PACKAGES = ("reflex_base", "reflex_components_")


@dataclass(frozen=True)
class PrivateName:
    distribution: str
    checked: str  # the version of `distribution` this use was last checked against
    module: str
    name: str
    used_in: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.module}.{self.name}"


PRIVATE = (
    PrivateName(
        "reflex-base",
        "0.10.1",
        "reflex_base.constants.state",
        "FIELD_MARKER",
        ("dsf_app/state/feedback.py",),
    ),
    PrivateName(
        "reflex-base",
        "0.10.1",
        "reflex_base.event.context",
        "EventContext",
        ("dsf_app/state/feedback.py",),
    ),
    PrivateName(
        "reflex-components-sonner",
        "0.10.0",
        "reflex_components_sonner.toast",
        "toast_ref",
        ("dsf_app/components/toasts.py",),
    ),
    PrivateName(
        "reflex-components-core",
        "0.10.1",
        "reflex_components_core.core.markdown_component_map",
        "MarkdownComponentMap",
        ("dsf_app/components/untrusted_text.py",),
    ),
    # Public module, internal helper: where `reflex run` put the built frontend.
    PrivateName(
        "reflex",
        "0.10.1",
        "reflex.utils.prerequisites",
        "get_web_dir",
        ("dsf_app/security_headers.py",),
    ),
    PrivateName(
        "openai",
        "3.54.0",
        "openai.lib._pydantic",
        "to_strict_json_schema",
        ("tests/test_llm_server.py",),
    ),
)


def _is_internal(module: str) -> bool:
    parts = module.split(".")
    return parts[0].startswith(INTERNAL_PACKAGES) or any(
        part.startswith("_") and part != "__future__" for part in parts
    )


@pytest.mark.parametrize("private", PRIVATE, ids=lambda private: private.id)
def test_each_private_name_was_checked_against_the_locked_version(private: PrivateName) -> None:
    locked = locked_version(LOCK.read_text(), private.distribution)
    installed = importlib.metadata.version(private.distribution)
    assert installed == locked, (
        f"{private.distribution} {installed} is installed but uv.lock pins {locked}; run "
        "./test.sh, which installs the lock."
    )
    assert locked == private.checked, (
        f"uv.lock moves {private.distribution} from {private.checked} to {locked}: re-check "
        f"{', '.join(private.used_in)} (its use of {private.id}) against version {locked}, then "
        f"set {private.id}'s version in tests/test_private_imports.py to {locked}."
    )


@pytest.mark.parametrize("private", PRIVATE, ids=lambda private: private.id)
def test_each_private_name_is_still_there(private: PrivateName) -> None:
    version = importlib.metadata.version(private.distribution)
    try:
        found = hasattr(importlib.import_module(private.module), private.name)
    except ImportError:
        found = False
    assert found, (
        f"{private.distribution} moved {private.id}; re-check {', '.join(private.used_in)} "
        f"against version {version}."
    )
    for used_in in private.used_in:
        assert private.name in (ROOT / used_in).read_text(), (
            f"{used_in} no longer uses {private.id}: remove it from PRIVATE (or name the file "
            "that does)."
        )


def test_every_internal_import_is_listed() -> None:
    listed = {
        (used_in, private.module, private.name)
        for private in PRIVATE
        for used_in in private.used_in
    }
    unlisted = sorted(
        f"{relative(found.path)}: {found.module}.{found.name or ''}".rstrip(".")
        for found in imports()
        if found.path != THIS_FILE
        and _is_internal(found.module)
        and (relative(found.path), found.module, found.name) not in listed
    )
    assert not unlisted, (
        "These imports reach a package's internals, which may change in any release: use the "
        "public name where there is one (Reflex's `rx.…` or `reflex.…`), else list the name in "
        f"PRIVATE with the version you checked it against: {unlisted}"
    )


def test_a_notice_delta_is_keyed_as_the_page_reads_it() -> None:
    # FIELD_MARKER: the suffix Reflex gives a state field's name in the deltas it sends.
    (state, fields), *_ = stateless_delta("error", "Nope.").items()
    page_reads = str(FeedbackState.notices)
    assert state == FeedbackState.get_full_name()
    assert page_reads.endswith(f".{next(iter(fields))}"), page_reads


async def test_a_notice_reaches_a_tab_whose_state_cannot_be_loaded() -> None:
    # EventContext: the event being handled, whose emit_delta sends straight down its socket.
    sent: list[tuple[str, Mapping[str, Mapping[str, Any]]]] = []

    async def emit_delta(token: str, delta: Mapping[str, Mapping[str, Any]]) -> None:
        sent.append((token, delta))

    async def enqueue(token: str, *events: object) -> None:
        raise AssertionError("a notice for a tab without state must not queue an event")

    context = EventContext(
        token="tab-1",
        state_manager=StateManagerMemory(),
        enqueue_impl=enqueue,
        emit_delta_impl=emit_delta,
    )
    with context:
        assert unexpected(redis.ConnectionError("Connection refused")) is None
    for _ in range(100):
        if sent:
            break
        await asyncio.sleep(0.01)
    [(token, delta)] = sent
    [notice] = delta[FeedbackState.get_full_name()][f"notices{FIELD_MARKER}"]
    assert token == "tab-1"
    assert getattr(notice, "message", None) == PAGE_STORE_DOWN


def test_the_toast_relay_calls_the_toaster_the_page_mounts() -> None:
    # toast_ref: the variable sonner's Toaster sets to its `toast` function when it mounts.
    toaster = str(toast_ref)
    assert f"{toaster} = toast" in [str(hook) for hook in rx.toast.provider().add_hooks()]
    assert any(f"{toaster}?.[n.level]" in str(hook) for hook in toast_relay().add_hooks())


def test_a_links_address_reaches_the_page_only_through_its_check() -> None:
    # MarkdownComponentMap.get_fn_args: the names the `a` renderer takes from a Markdown link;
    # the address is taken by name, so it is not spread onto the wrapper with the other props.
    rendered = markdown("[a](https://example.com)").children[0]
    assert isinstance(rendered, Markdown)
    link = str(rendered.format_component_map()["a"])
    assert link.startswith("(({node, children, href, src, alt, title, ...props}) =>"), link[:120]


def test_the_frontend_is_read_where_reflex_builds_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # get_web_dir: Reflex's web folder, which the devstack sets with REFLEX_WEB_WORKDIR.
    monkeypatch.setenv("REFLEX_WEB_WORKDIR", str(tmp_path))
    assert prerequisites.get_web_dir() == tmp_path
    assert frontend_dir().is_relative_to(tmp_path.resolve())


def test_the_sdks_strict_schema_is_its_public_tools_schema() -> None:
    # to_strict_json_schema (tests/test_llm_server.py) is what `chat.completions.parse` sends;
    # evaluators/judge.py sends the public `pydantic_function_tool`'s parameters, said equal.
    class Verdict(pydantic.BaseModel):
        verdict: str
        reasons: list[str] = []
        score: int | None = None

    strict = to_strict_json_schema(Verdict)
    assert strict["additionalProperties"] is False
    assert set(strict["required"]) == {"verdict", "reasons", "score"}
    assert openai.pydantic_function_tool(Verdict)["function"].get("parameters") == strict
