"""Which page states reload when a tool changed a topic, so pages show what the agents did
without a reload. The whole table is here, in one place; a test checks that every topic has a
row and that each row names reload handlers."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from reflex.event import EventCallback

from dsf_app.agents.topics import Topic


@cache
def refresh_table() -> dict[Topic, tuple[EventCallback[()], ...]]:
    # Imported when first asked, not at the top: the canvas and suggestion states start chat
    # turns (they import the chat state), and the chat state imports this module.
    from dsf_app.state.canvas import CanvasState
    from dsf_app.state.gallery import GalleryState
    from dsf_app.state.story import StoryPageState
    from dsf_app.state.suggestions import SuggestionsState
    from dsf_app.state.world import WorldPageState
    from dsf_app.state.worlds import WorldsPageState

    return {
        Topic.WORLDS: (WorldsPageState.reload, WorldPageState.reload),
        Topic.STORIES: (WorldPageState.reload, StoryPageState.reload),
        Topic.ASSETS: (GalleryState.reload,),
        Topic.CANVAS: (CanvasState.reload,),
        Topic.SUGGESTIONS: (SuggestionsState.reload,),
    }


def refresh_events(changed: Iterable[Topic]) -> list[EventCallback[()]]:
    """The reload handlers for the changed topics, each once, in a stable order."""
    table = refresh_table()
    handlers = [handler for topic in sorted(changed) for handler in table[topic]]
    return list(dict.fromkeys(handlers))
