"""`shows_problems`: a page event's product error becomes the error toast, whichever kind of
async handler it is; other errors are not hidden."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reflex.event import EventSpec

from dsf_app.errors import DSFError, NotFound
from dsf_app.state.feedback import problem, shows_problems


class Page:
    def __init__(self) -> None:
        self.steps: list[str] = []

    @shows_problems
    async def streams(self, fail: type[Exception] | None) -> AsyncIterator[str]:
        self.steps.append("before")
        yield "first"
        if fail is not None:
            raise fail("That world does not exist.")
        yield "second"

    @shows_problems
    async def answers(self, fail: type[Exception] | None) -> str:
        if fail is not None:
            raise fail("That world does not exist.")
        return "answer"


def _toast_text(event: object) -> str:
    """The JavaScript the toast event runs (it names the toast's kind and carries the text)."""
    assert isinstance(event, EventSpec)
    return str(event.args[0][1])


async def test_a_generator_handler_ends_with_the_toast() -> None:
    page = Page()
    events = [event async for event in page.streams(NotFound)]
    assert events[0] == "first"
    assert len(events) == 2
    assert _toast_text(events[1]) == _toast_text(problem(NotFound("That world does not exist.")))
    assert page.steps == ["before"]


async def test_a_coroutine_handler_returns_the_toast() -> None:
    page = Page()
    assert await page.answers(None) == "answer"
    toast = await page.answers(DSFError)
    assert _toast_text(toast) == _toast_text(problem(DSFError("That world does not exist.")))


async def test_other_errors_are_not_turned_into_toasts() -> None:
    page = Page()
    with pytest.raises(RuntimeError):
        await page.answers(RuntimeError)
    with pytest.raises(RuntimeError):
        _ = [event async for event in page.streams(RuntimeError)]
