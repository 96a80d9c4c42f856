"""The panels of the world page, the story page and the Codex tab are Reflex substates of their
page's state: a panel's event loads that panel and the page above it, never a sibling panel,
and a fresh load of the page closes every panel's dialog. On a real Reflex state tree, without
a browser or a database (no one is signed in, so a load fetches nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState, State

from dsf_app.state.codex import CodexState
from dsf_app.state.codex_deletion import CodexDeletionState
from dsf_app.state.codex_editor import CodexEditorState
from dsf_app.state.codex_lookup import CodexSearchState
from dsf_app.state.story import StoryPageState
from dsf_app.state.story_details import StoryDetailsState
from dsf_app.state.story_parts import StoryPartsState
from dsf_app.state.world import WorldPageState
from dsf_app.state.world_foundation import FoundationEditorState
from dsf_app.state.world_sharing import WorldSharingState
from dsf_app.state.world_sources import WorldSourcesState
from dsf_app.state.world_stories import WorldStoriesState
from dsf_app.state.world_versions import WorldVersionsState

PANELS: dict[type[BaseState], list[type[BaseState]]] = {
    WorldPageState: [
        FoundationEditorState,
        WorldVersionsState,
        WorldStoriesState,
        WorldSharingState,
        WorldSourcesState,
    ],
    StoryPageState: [StoryPartsState, StoryDetailsState],
    CodexState: [CodexSearchState, CodexEditorState, CodexDeletionState],
}


async def _tab() -> BaseState:
    """A tab's whole state tree, as Reflex's state manager makes it."""
    return await StateManagerMemory().get_state(BaseStateToken(ident="a-tab", cls=State))


async def _run(handler: Callable[..., Any], state: BaseState) -> None:
    """An event handler's body, as Reflex runs it for `state`."""
    result = handler(state)
    if isinstance(result, AsyncIterator):
        async for _ in result:
            pass
    else:
        await result


@pytest.mark.parametrize("page", list(PANELS), ids=lambda page: page.__name__)
def test_a_panels_event_loads_its_page_and_no_sibling_panel(page: type[BaseState]) -> None:
    # What Reflex's Redis state manager loads for an event of a state: a private method,
    # checked against Reflex 0.10; asking it needs no Redis.
    needed = StateManagerRedis(redis=None)._get_required_state_classes  # pyright: ignore[reportArgumentType]
    for panel in PANELS[page]:
        assert panel.get_parent_state() is page
        loaded = needed(panel, subclasses=True)
        assert page in loaded
        assert not loaded & (set(PANELS[page]) - {panel}), f"{panel.__name__} loads a sibling"


async def test_loading_the_world_page_closes_every_dialog() -> None:
    tab = await _tab()
    editor = await tab.get_state(FoundationEditorState)
    versions = await tab.get_state(WorldVersionsState)
    stories = await tab.get_state(WorldStoriesState)
    editor.editor_open, editor.editor_error = True, "The world changed meanwhile."
    versions.restore_version = 3
    stories.story_edit_id, stories.story_delete_id = "a-story", "another-story"
    sources = await tab.get_state(WorldSourcesState)
    sources.source_delete_id = "a-source"

    await _run(WorldPageState.load.fn, await tab.get_state(WorldPageState))

    assert not editor.editor_open and not editor.editor_error
    assert not versions.restore_open
    assert not stories.story_edit_open and not stories.story_delete_open
    assert not sources.source_delete_open


async def test_loading_the_story_page_closes_every_dialog() -> None:
    tab = await _tab()
    parts = await tab.get_state(StoryPartsState)
    details = await tab.get_state(StoryDetailsState)
    parts.edit_open, parts.drop_id = True, "a-part"
    details.details_open, details.delete_story_open = True, True

    await _run(StoryPageState.load.fn, await tab.get_state(StoryPageState))

    assert not parts.edit_open and not parts.drop_open
    assert not details.details_open and not details.delete_story_open


async def test_loading_the_codex_tab_closes_every_panel() -> None:
    tab = await _tab()
    search = await tab.get_state(CodexSearchState)
    editor = await tab.get_state(CodexEditorState)
    deletion = await tab.get_state(CodexDeletionState)
    search.searched = "harbour"
    editor.editor_open = True
    deletion.delete_id, deletion.delete_name = "an-entry", "The Harbour"

    await _run(CodexState.load.fn, await tab.get_state(CodexState))

    assert not search.searched
    assert not editor.editor_open
    assert not deletion.delete_open
