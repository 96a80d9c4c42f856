"""Which page states reload when a tool notes a change: every topic has at least one reloader
declared by a page state (`@reloads_on`), every reloader is a `reload` handler, and the events
come out once each."""

from __future__ import annotations

import pytest
import reflex as rx

import dsf_app.dsf_app  # noqa: F401  (the app: every page state defined)
from dsf_app.agents.topics import Topic
from dsf_app.state.gallery import GalleryState
from dsf_app.state.refresh import refresh_events, reloaders, reloads_on
from dsf_app.state.story import StoryPageState
from dsf_app.state.world import WorldPageState
from dsf_app.state.worlds import WorldsPageState


@pytest.mark.parametrize("topic", list(Topic))
def test_every_topic_reloads_some_page(topic: Topic) -> None:
    assert reloaders(topic), f"no page state declares @reloads_on({topic!r})"


def test_every_reloader_is_a_reload_handler() -> None:
    for topic in Topic:
        for handler in reloaders(topic):
            assert handler.fn.__name__ == "reload", handler


def test_a_world_change_reloads_both_world_pages_and_nothing_twice() -> None:
    events = refresh_events({Topic.WORLDS, Topic.STORIES})
    assert events == list(dict.fromkeys(events))
    assert WorldsPageState.reload in events
    assert WorldPageState.reload in events
    assert StoryPageState.reload in events
    assert GalleryState.reload not in events


def test_a_state_without_a_reload_handler_cannot_declare_topics() -> None:
    with pytest.raises(TypeError, match="no `reload` event handler"):

        @reloads_on(Topic.ASSETS)
        class NothingToReloadState(rx.State):
            shown: rx.Field[str] = rx.field("")
