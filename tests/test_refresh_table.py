"""Which page states reload when a tool notes a change: every topic has a row, every row names
reload handlers of page states, and the events come out once each."""

from __future__ import annotations

import dsf_app.dsf_app  # noqa: F401  (the app: every page state defined)
from dsf_app.agents.topics import Topic
from dsf_app.state.gallery import GalleryState
from dsf_app.state.refresh import refresh_events, refresh_table
from dsf_app.state.story import StoryPageState
from dsf_app.state.world import WorldPageState
from dsf_app.state.worlds import WorldsPageState


def test_every_topic_reloads_some_page() -> None:
    table = refresh_table()
    assert set(table) == set(Topic)
    assert all(table[topic] for topic in Topic)


def test_every_row_names_a_reload_handler() -> None:
    for handlers in refresh_table().values():
        for handler in handlers:
            assert handler.fn.__name__ == "reload", handler


def test_a_world_change_reloads_both_world_pages_and_nothing_twice() -> None:
    events = refresh_events({Topic.WORLDS, Topic.STORIES})
    assert events == list(dict.fromkeys(events))
    assert WorldsPageState.reload in events
    assert WorldPageState.reload in events
    assert StoryPageState.reload in events
    assert GalleryState.reload not in events
