"""A second person sends every event of every DSF page state over the app's websocket — as a
tampered browser could — with the first person's ids in the URL, the payload and vars set by
hand. All refused: nothing of the first person's reaches the second's browser (no text, no
figure of their runs), nothing of theirs changes in any table, the second person is told why
and stays signed in. Each case runs in a tab of its own, so none depends on another's order;
background handlers are awaited on their own completion signal. The first person's worlds,
parts, Codex entries and runs are embedded, and their own searches find them: the searches
that find nothing for the second person could have found them."""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from reflex.state import BaseState, State
from sqlmodel import Session, col, select

from dsf_app.auth.sessions import create_session
from dsf_app.canvas.specs import Spec
from dsf_app.db import session_scope
from dsf_app.models import (
    CodexEntry,
    CodexStatus,
    EvaluationKind,
    EvaluationSource,
    RunStep,
    StepKind,
)
from dsf_app.services import (
    assets,
    canvas,
    chat,
    codex,
    codex_links,
    codex_progressions,
    confirmations,
    conversations,
    evaluations,
    interactions,
    invitations,
    runs,
    search,
    stories,
    suggestions,
    users,
    worlds,
)
from dsf_app.services.access import not_visible
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.settings import Settings
from dsf_app.state.account import AccountState
from dsf_app.state.analytics import AnalyticsState
from dsf_app.state.auth import SIGNED_OUT, AuthState
from dsf_app.state.canvas import CanvasState
from dsf_app.state.chat import ChatState
from dsf_app.state.codex import CodexState
from dsf_app.state.codex_deletion import CodexDeletionState
from dsf_app.state.codex_editor import CodexEditorState
from dsf_app.state.codex_entry import CodexEntryState
from dsf_app.state.codex_lookup import CodexSearchState
from dsf_app.state.codex_progressions import CodexProgressionsState
from dsf_app.state.evaluations import StoryEvaluationsState, VersionComparisonState
from dsf_app.state.feedback import UNEXPECTED, FeedbackState
from dsf_app.state.gallery import GalleryState
from dsf_app.state.routes import route_ids
from dsf_app.state.runs import RunsState
from dsf_app.state.search import SearchState
from dsf_app.state.source_reader import SourceReaderState
from dsf_app.state.story import StoryPageState
from dsf_app.state.story_details import StoryDetailsState
from dsf_app.state.story_parts import StoryPartsState
from dsf_app.state.suggestions import SuggestionsState
from dsf_app.state.trajectory import TrajectoryState
from dsf_app.state.verification import VerificationState
from dsf_app.state.world import WorldPageState
from dsf_app.state.world_foundation import FoundationEditorState
from dsf_app.state.world_sharing import WorldSharingState
from dsf_app.state.world_sources import WorldSourcesState
from dsf_app.state.world_stories import WorldStoriesState
from dsf_app.state.world_versions import WorldVersionsState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import SESSION_COOKIE, new_account, sign_up_over_http
from tests.person_rows import rows_of
from tests.reflex_socket import (
    Exchange,
    Finished,
    Handler,
    ReflexSocket,
    event_name,
    is_background,
    reflex_socket,
    state_of,
)
from tests.source_files import stored_source

SECRET = "Abyssal Ledger"
# The victim's turn used this many tokens: a figure no one else's analytics may show.
VICTIM_TOKENS = 7_654_321
# What every search case asks for, by meaning: the victim's own search finds their world,
# entries, parts and run with it.
QUERY = f"{SECRET.lower()} keeper of the deep sea books"
# The id the agent gave a component of the victim's canvas scene (not a database id).
COMPONENT = "t1"
INVITEE = f"invitee-{uuid.uuid4().hex[:8]}@example.test"
# The answer to an exception a handler let escape: the person learns nothing they can act on.
BACKEND_ERROR = UNEXPECTED
PUBLIC_FOUNDATION = {
    "core_premise": "Reefs grow cities.",
    "rules": [{"statement": "Coral obeys", "scope": "universal", "certainty": "established"}],
}
FOUNDATION = {
    "core_premise": f"{SECRET}: the deep sea keeps the books.",
    "rules": [{"statement": f"{SECRET} rule", "scope": "universal", "certainty": "established"}],
}


@dataclass(frozen=True)
class Person:
    """Someone with a (private) world and a story in it, and their pages' paths."""

    email: str
    world: uuid.UUID
    story: uuid.UUID

    @property
    def world_path(self) -> str:
        return f"/worlds/{self.world}"

    @property
    def story_path(self) -> str:
        return f"{self.world_path}/stories/{self.story}"


@dataclass(frozen=True)
class Victim(Person):
    """The first person and everything of theirs a page can name."""

    actor: Actor
    opening: uuid.UUID
    branch: uuid.UUID
    asset: uuid.UUID
    own_asset: uuid.UUID  # made outside any world: in their My images
    suggestion: uuid.UUID
    collaborator: uuid.UUID
    collaborator_email: str
    invitation: uuid.UUID
    conversation: uuid.UUID
    # A public world of theirs: anyone signed in may read it, nobody else may change it.
    public_world: uuid.UUID
    public_story: uuid.UUID
    public_segment: uuid.UUID
    public_asset: uuid.UUID
    # Codex entries: in the private world (one linked to another, one only suggested) and
    # one in the public world.
    entry: uuid.UUID
    other_entry: uuid.UUID
    suggested_entry: uuid.UUID
    link: uuid.UUID
    public_entry: uuid.UUID
    public_link: uuid.UUID
    run: uuid.UUID
    confirmation: uuid.UUID  # a delete their World Agent asked them to confirm
    # Sources (documents the World Agent cites): in the private world and in the public one.
    source: uuid.UUID
    public_source: uuid.UUID
    # How an entry changes from a story part on: in the private world and in the public one.
    progression: uuid.UUID
    public_progression: uuid.UUID

    @property
    def public_path(self) -> str:
        return f"/worlds/{self.public_world}"

    @property
    def entry_path(self) -> str:
        return f"{self.world_path}/codex/{self.entry}"

    @property
    def public_entry_path(self) -> str:
        return f"{self.public_path}/codex/{self.public_entry}"

    @property
    def source_path(self) -> str:
        return f"{self.world_path}/sources/{self.source}"


@dataclass(frozen=True)
class Intruder(Person):
    """The second person, signed in."""

    token: str


def _person(session: Session, label: str) -> tuple[Actor, str]:
    account = new_account(label)
    user = users.create_user(session, account.email, account.name)
    user.email_verified = True  # as after following the verification link
    return Actor(user.id), account.email


@pytest.fixture(scope="module")
def victim(dsf_in_process: Settings, app_url: str) -> Victim:
    with session_scope() as session:
        actor, email = _person(session, "Victim")
        friend, friend_email = _person(session, "Friend")
        world = worlds.create_world(session, actor, SECRET, f"{SECRET} world", FOUNDATION)
        worlds.add_collaborator(session, actor, world.id, friend_email, "viewer")
        worlds.add_collaborator(session, actor, world.id, INVITEE, "editor")
        (invitation,) = [
            i for i in invitations.list_invitations(session, actor, world.id) if i.email == INVITEE
        ]
        story = stories.create_story(session, actor, world.id, f"{SECRET} story", SECRET)
        opening = stories.add_segment(session, actor, story.id, SECRET, f"{SECRET} opening")
        stories.add_segment(session, actor, story.id, "A", f"{SECRET} A", parent_id=opening.id)
        branch = stories.add_segment(
            session, actor, story.id, "B", f"{SECRET} B", parent_id=opening.id
        )
        asset = assets.record_asset(
            session,
            actor,
            world.id,
            f"users/{actor.user_id}/x.png",
            "image/png",
            68,
            description=f"{SECRET} portrait",
        )
        own_asset = assets.record_asset(
            session,
            actor,
            None,
            f"users/{actor.user_id}/unfiled/x.png",
            "image/png",
            68,
            description=f"{SECRET} own picture",
        )
        worlds.update_world_fields(session, actor, world.id, description=f"{SECRET} world, v2")
        offered = suggestions.offer(
            session, actor, world.id, f"{SECRET} idea", f"{SECRET} more", f"a-{SECRET}"
        )
        spec = TypeAdapter(Spec).validate_python(
            {"type": "Text", "id": COMPONENT, "props": {"content": f"{SECRET} scene"}}
        )
        canvas.show(session, actor, world.id, "main", "inline", spec)
        interactions.record(session, actor, world.id, "main", COMPONENT, "click", {})
        chat.append_message(session, actor, world.id, "user", f"{SECRET} message")
        conversation = conversations.current(session, actor, world.id).id
        run = runs.start_run(session, actor, "world", world.id, "agent-victim")
        runs.finish_run(
            session,
            actor,
            run.id,
            "end_turn",
            steps=1,
            tool_calls=[{"name": "story_manager", "status": "success", "duration_ms": 5}],
            usage={"total_tokens": VICTIM_TOKENS},
            error=f"{SECRET} failure",
            prompt=f"{SECRET}: who keeps the deep sea's books?",
            reply=f"The {SECRET} keeper does.",
        )
        asked = confirmations.ask(
            session, actor, run.id, "call-victim", "asset_manager", f"Delete “{SECRET} portrait”."
        )
        session.add(
            RunStep(
                run_id=run.id,
                user_id=actor.user_id,
                world_id=world.id,
                position=0,
                kind=StepKind.TOOL,
                name="story_manager",
                status="success",
                detail={"arguments": f'{{"title": "{SECRET}"}}', "result": SECRET},
            )
        )
        evaluations.record(
            session,
            actor,
            EvaluationKind.QUALITY,
            world_id=world.id,
            story_id=story.id,
            segment_id=opening.id,
            target=SECRET,
            result={"summary": SECRET},
            model="m",
            score=50,
            source=EvaluationSource.PERSON,
        )
        evaluations.record(
            session,
            actor,
            EvaluationKind.VERSION_COMPARISON,
            world_id=world.id,
            target=SECRET,
            result={"summary": SECRET},
            model="m",
            score=None,
            source=EvaluationSource.PERSON,
        )

        reef = worlds.create_world(session, actor, "Open Reef", foundation=PUBLIC_FOUNDATION)
        worlds.set_visibility(session, actor, reef.id, "public")
        worlds.add_collaborator(session, actor, reef.id, friend_email, "viewer")
        invitations.accept(session, users.get_user(session, friend.user_id))
        reef_story = stories.create_story(session, actor, reef.id, "Reef tales")
        reef_segment = stories.add_segment(session, actor, reef_story.id, "", "Coral.")
        reef_asset = assets.record_asset(
            session, actor, reef.id, f"users/{actor.user_id}/reef.png", "image/png", 68
        )
        entry = codex.create_entry(
            session,
            actor,
            world.id,
            EntryFields(name=f"{SECRET} keeper", summary=f"{SECRET} lore"),
            author="person",
        )
        other_entry = codex.create_entry(
            session, actor, world.id, EntryFields(name=f"{SECRET} vault"), author="person"
        )
        link = codex_links.add_link(
            session, actor, entry.id, other_entry.id, "guards", author="person"
        )
        suggested = codex.create_entry(
            session,
            actor,
            world.id,
            EntryFields(name=f"{SECRET} idea"),
            author="agent",
            status=CodexStatus.SUGGESTED,
        )
        reef_entry = codex.create_entry(
            session, actor, reef.id, EntryFields(name="Coral Warden"), author="person"
        )
        reef_other = codex.create_entry(
            session, actor, reef.id, EntryFields(name="Coral Gate"), author="person"
        )
        reef_link = codex_links.add_link(
            session, actor, reef_entry.id, reef_other.id, "opens", author="person"
        )
        progression = codex_progressions.add_progression(
            session, actor, entry.id, opening.id, "summary", "add", f"{SECRET} scar"
        )
        reef_progression = codex_progressions.add_progression(
            session, actor, reef_entry.id, reef_segment.id, "aliases", "add", "Warden"
        )
        victim = Victim(
            email=email,
            world=world.id,
            story=story.id,
            actor=actor,
            opening=opening.id,
            branch=branch.id,
            asset=asset.id,
            own_asset=own_asset.id,
            suggestion=offered.id,
            collaborator=friend.user_id,
            collaborator_email=friend_email,
            invitation=invitation.id,
            conversation=conversation,
            public_world=reef.id,
            public_story=reef_story.id,
            public_segment=reef_segment.id,
            public_asset=reef_asset.id,
            entry=entry.id,
            other_entry=other_entry.id,
            suggested_entry=suggested.id,
            link=link.id,
            public_entry=reef_entry.id,
            public_link=reef_link.id,
            run=run.id,
            confirmation=asked.id,
            progression=progression.id,
            public_progression=reef_progression.id,
            source=stored_source(session, world.id, f"{SECRET} notes", f"{SECRET} text"),
            public_source=stored_source(session, reef.id, "Reef notes", "Coral grows."),
        )
    # Embedded as a search embeds them: the victim's worlds, parts and Codex entries.
    search.search_everything(victim.actor, QUERY)
    return victim


@pytest.fixture(scope="module")
def intruder(victim: Victim, app_url: str) -> Intruder:
    account = new_account("Intruder")
    token = sign_up_over_http(app_url, account)
    with session_scope() as session:
        user = users.get_by_email(session, account.email)
        assert user is not None
        actor = Actor(user.id)
        world = worlds.create_world(session, actor, "Intruder's own world")
        story = stories.create_story(session, actor, world.id, "Intruder's story")
        stories.add_segment(session, actor, story.id, "Mine", "My own words.")
    return Intruder(email=account.email, world=world.id, story=story.id, token=token)


@pytest.fixture
def tab(app_url: str, intruder: Intruder) -> Iterator[ReflexSocket]:
    """A tab of the intruder's own for each test: no case sees what another left."""
    with reflex_socket(app_url, intruder.token) as opened:
        yield opened


@pytest.fixture
def victims_tab(app_url: str, victim: Victim) -> Iterator[ReflexSocket]:
    with session_scope() as session:
        token = create_session(session, users.get_user(session, victim.actor.user_id))
    with reflex_socket(app_url, token) as opened:
        yield opened


@dataclass(frozen=True)
class Step:
    handler: Handler
    where: Callable[[Victim, Intruder], str]
    payload: Callable[[Victim, Intruder], dict[str, Any]] = lambda v, i: {}


@dataclass(frozen=True)
class Case:
    """The events a tampered browser sends, in order, and what the intruder is told: the
    refusal (a toast, the page's "not found", a line beside a form), or for a case whose
    events are all allowed, the page showing none of the victim's."""

    told: str | Callable[[Victim], str]
    steps: list[Step] = field(default_factory=list)

    def told_to(self, v: Victim) -> str:
        return self.told(v) if callable(self.told) else self.told


NOT_VISIBLE = "That {} does not exist or is not visible to you."
# What a browser reports of an upload's bytes sent: it changes only the tab's own progress bar.
UPLOAD_PROGRESS = {"loaded": 512, "total": 1024, "progress": 0.5}
READ_ONLY = (
    "You can read this {} but not change it; ask the owner of the world “Open Reef” to make "
    "you an editor."
)


def shows(state: type[BaseState], var: str, value: Any) -> str:
    """What an update shows when it gives `state`'s `var` the value `value` (as `readable`)."""
    return json.dumps({f"{var}_rx_state_": value}, ensure_ascii=False)[1:-1]


def at_world(v: Victim, i: Intruder) -> str:
    return v.world_path


def at_story(v: Victim, i: Intruder) -> str:
    return v.story_path


def at_gallery(v: Victim, i: Intruder) -> str:
    return f"{v.world_path}/gallery"


def at_own_world(v: Victim, i: Intruder) -> str:
    return i.world_path


def at_own_story(v: Victim, i: Intruder) -> str:
    return i.story_path


def at_missing_world(v: Victim, i: Intruder) -> str:
    """A world id nobody has: a forged URL."""
    return f"/worlds/{uuid.uuid5(v.world, 'missing')}"


def at_worlds(v: Victim, i: Intruder) -> str:
    return "/worlds"


def at_my_images(v: Victim, i: Intruder) -> str:
    return "/images"


def at_account(v: Victim, i: Intruder) -> str:
    return "/account"


def step(
    handler: Handler,
    where: Callable[[Victim, Intruder], str] = at_world,
    **payload: Callable[[Victim], Any],
) -> Step:
    return Step(handler, where, lambda v, i: {k: f(v) for k, f in payload.items()})


def world_id(v: Victim) -> str:
    return str(v.world)


def at_public(v: Victim, i: Intruder) -> str:
    return v.public_path


def at_public_story(v: Victim, i: Intruder) -> str:
    return f"{v.public_path}/stories/{v.public_story}"


def at_public_gallery(v: Victim, i: Intruder) -> str:
    return f"{v.public_path}/gallery"


def last_month() -> dict[str, str]:
    """The analytics filters' dates: the last 30 days, today included."""
    today = datetime.now(UTC).date()
    return {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()}


def at_entry(v: Victim, i: Intruder) -> str:
    return v.entry_path


def at_source(v: Victim, i: Intruder) -> str:
    return v.source_path


def at_public_entry(v: Victim, i: Intruder) -> str:
    return v.public_entry_path


ENTRY_FORM = {"name": "pwned", "kind": "character", "summary": "pwned", "reason": "pwned"}


def codex_writes(
    where: Callable[[Victim, Intruder], str],
    entry: Callable[[Victim], str],
    suggestion: Callable[[Victim], str],
) -> list[Step]:
    """Open the editor on an entry, save it, pin, exclude, accept, reject and delete."""
    return [
        step(CodexState.load, where),
        step(CodexEditorState.open_edit, where, entry_id=entry),
        step(CodexEditorState.set_editor_open, where, value=lambda v: True),
        step(CodexEditorState.save_entry, where, form=lambda v: ENTRY_FORM),
        step(CodexState.toggle_pin, where, entry_id=entry),
        step(CodexState.toggle_exclude, where, entry_id=entry),
        step(CodexState.toggle_selected, where, entry_id=entry),
        step(CodexState.change_kind, where, kind=lambda v: "place"),
        step(CodexState.accept, where, entry_id=suggestion),
        step(CodexState.reject, where, entry_id=suggestion),
        step(CodexDeletionState.ask_delete, where, entry_id=entry, name=lambda v: "x"),
        step(CodexDeletionState.confirm_delete, where),
        step(CodexEditorState.open_new, where),
        step(CodexEditorState.save_entry, where, form=lambda v: ENTRY_FORM),
        step(CodexState.embed_pending, where),
        step(CodexDeletionState.cancel_delete, where),
    ]


FORM = {"reason": "pwned", "text": "pwned", "lines": "pwned", "statement": "pwned"}
SEGMENT_FORM = {"title": "pwned", "content": "pwned"}


def edits_of_the_foundation(where: Callable[[Victim, Intruder], str]) -> list[Step]:
    """Open each kind of editor on the page's world and submit it."""
    return [
        step(WorldPageState.load, where),
        step(FoundationEditorState.edit_text, where, section=lambda v: "core_premise"),
        step(FoundationEditorState.save_edit, where, form=lambda v: FORM),
        step(FoundationEditorState.edit_lines, where, section=lambda v: "constraints"),
        step(FoundationEditorState.save_edit, where, form=lambda v: FORM),
        step(FoundationEditorState.edit_item, where, section=lambda v: "rules", index=lambda v: 0),
        step(FoundationEditorState.save_edit, where, form=lambda v: FORM),
        step(FoundationEditorState.edit_item, where, section=lambda v: "rules", index=lambda v: 0),
        step(FoundationEditorState.mark_remove, where),
        step(FoundationEditorState.save_edit, where, form=lambda v: FORM),
        step(FoundationEditorState.set_editor_open, where, value=lambda v: False),
    ]


def sharing(where: Callable[[Victim, Intruder], str]) -> list[Step]:
    """Make the page's world public, add oneself as its editor, remove its viewer."""
    return [
        step(WorldPageState.load, where),
        step(WorldSharingState.set_visibility, where, value=lambda v: "public"),
        step(
            WorldSharingState.add_collaborator,
            where,
            form=lambda v: {"email": "", "role": "editor"},
        ),
        Step(
            WorldSharingState.add_collaborator,
            where,
            lambda v, i: {"form": {"email": i.email, "role": "editor"}},
        ),
        step(WorldSharingState.remove_collaborator, where, user_id=lambda v: str(v.collaborator)),
        step(WorldSharingState.revoke_invitation, where, invitation_id=lambda v: str(v.invitation)),
        step(WorldSharingState.set_visibility, where, value=lambda v: "private"),
    ]


# Each case: the events a tampered browser sends, in order, as the intruder.
CASES: dict[str, Case] = {
    "worlds: list, search, tabs, pages, create": Case(
        "Created “Mine”.",
        [
            step(WorldsPageState.load, at_worlds),
            step(WorldsPageState.reload, at_worlds),
            step(WorldsPageState.search_for, at_worlds, text=lambda v: SECRET.split()[0]),
            step(WorldsPageState.choose_tab, at_worlds, tab=lambda v: "explore"),
            step(WorldsPageState.next_page, at_worlds),
            step(WorldsPageState.previous_page, at_worlds),
            step(WorldsPageState.upload_progress, at_worlds, progress=lambda v: UPLOAD_PROGRESS),
            step(WorldsPageState.set_create_open, at_worlds, value=lambda v: True),
            step(
                WorldsPageState.create, at_worlds, form=lambda v: {"name": "Mine", "premise": "x"}
            ),
        ],
    ),
    "worlds: delete another's worlds": Case(
        lambda v: not_visible("world", v.world),
        [
            step(WorldsPageState.ask_delete, at_worlds, world_id=world_id, name=lambda v: "x"),
            step(WorldsPageState.confirm_delete, at_worlds),
            step(
                WorldsPageState.ask_delete,
                at_worlds,
                world_id=lambda v: str(v.public_world),
                name=lambda v: "x",
            ),
            step(WorldsPageState.confirm_delete, at_worlds),
            step(WorldsPageState.ask_delete, at_worlds, world_id=lambda v: "", name=lambda v: "x"),
            step(WorldsPageState.confirm_delete, at_worlds),
            step(WorldsPageState.cancel_delete, at_worlds),
        ],
    ),
    "world page: a private world": Case(
        NOT_VISIBLE.format("world"),
        [
            step(WorldPageState.load),
            step(WorldPageState.reload),
            step(WorldVersionsState.show_more_changes),
            step(WorldPageState.set_diff_left, value=lambda v: "1"),
            step(WorldPageState.set_diff_right, value=lambda v: "1"),
            step(WorldPageState.compare),
            step(WorldPageState.export_json),
        ],
    ),
    "world page: edit a private world": Case(
        NOT_VISIBLE.format("world"),
        edits_of_the_foundation(at_world),
    ),
    "world page: share a private world": Case(
        NOT_VISIBLE.format("world"),
        sharing(at_world),
    ),
    "world page: edit a public world": Case(
        READ_ONLY.format("world"),
        edits_of_the_foundation(at_public),
    ),
    "world page: another's stories and versions": Case(
        NOT_VISIBLE.format("story"),
        [
            step(WorldPageState.load),
            step(WorldStoriesState.edit_story, story_id=lambda v: str(v.story)),
            step(WorldStoriesState.set_story_edit_open, value=lambda v: True),
            step(WorldStoriesState.save_story, form=lambda v: SEGMENT_FORM),
            step(WorldStoriesState.set_story_edit_open, value=lambda v: False),
            step(WorldStoriesState.ask_delete_story, story_id=lambda v: str(v.story)),
            step(WorldStoriesState.confirm_delete_story),
            step(WorldStoriesState.cancel_delete_story),
            step(WorldPageState.set_diff_left, value=lambda v: "1"),
            step(WorldVersionsState.ask_restore),
            step(WorldVersionsState.set_restore_open, value=lambda v: True),
            step(WorldVersionsState.restore, form=lambda v: FORM),
            step(WorldVersionsState.set_restore_open, value=lambda v: False),
        ],
    ),
    "world page: another's story from one's own world": Case(
        NOT_VISIBLE.format("story"),
        [
            step(WorldPageState.load, at_own_world),
            step(WorldStoriesState.edit_story, at_own_world, story_id=lambda v: str(v.story)),
            step(WorldStoriesState.save_story, at_own_world, form=lambda v: SEGMENT_FORM),
            step(WorldStoriesState.ask_delete_story, at_own_world, story_id=lambda v: str(v.story)),
            step(WorldStoriesState.confirm_delete_story, at_own_world),
        ],
    ),
    "world page: a public world's stories and versions": Case(
        READ_ONLY.format("story"),
        [
            step(WorldPageState.load, at_public),
            step(WorldStoriesState.edit_story, at_public, story_id=lambda v: str(v.public_story)),
            step(WorldStoriesState.save_story, at_public, form=lambda v: SEGMENT_FORM),
            step(
                WorldStoriesState.ask_delete_story,
                at_public,
                story_id=lambda v: str(v.public_story),
            ),
            step(WorldStoriesState.confirm_delete_story, at_public),
            step(WorldPageState.set_diff_left, at_public, value=lambda v: "1"),
            step(WorldVersionsState.ask_restore, at_public),
            step(WorldVersionsState.restore, at_public, form=lambda v: FORM),
        ],
    ),
    "world page: another's invitation from one's own world": Case(
        lambda v: f"No open invitation with id {v.invitation} on “Intruder's own world”.",
        [
            step(WorldPageState.load, at_own_world),
            step(
                WorldSharingState.revoke_invitation,
                at_own_world,
                invitation_id=lambda v: str(v.invitation),
            ),
        ],
    ),
    "world page: share a public world": Case(
        "Only the owner of the world “Open Reef” can delete it, change who can see it or manage its collaborators.",
        sharing(at_public),
    ),
    "story page: a private story": Case(
        NOT_VISIBLE.format("story"),
        [
            step(StoryPageState.load, at_story),
            step(StoryPageState.reload, at_story),
            step(StoryPageState.choose, at_story, option_id=lambda v: str(v.branch)),
            step(StoryPageState.next_page, at_story),
            step(StoryPageState.previous_page, at_story),
            step(StoryPageState.export_markdown, at_story),
            step(StoryPageState.export_epub, at_story),
            step(StoryPartsState.open_edit, at_story, segment_id=lambda v: str(v.opening)),
            step(StoryPartsState.set_edit_open, at_story, value=lambda v: True),
            step(StoryPartsState.save_edit, at_story, form=lambda v: SEGMENT_FORM),
            step(StoryPartsState.ask_delete_segment, at_story, segment_id=lambda v: str(v.opening)),
            step(StoryPartsState.set_drop_open, at_story, value=lambda v: True),
            step(StoryPartsState.delete_segment, at_story, with_branch=lambda v: True),
            step(StoryPartsState.delete_segment, at_story, with_branch=lambda v: False),
            step(StoryPartsState.cancel_delete_segment, at_story),
            step(StoryPageState.regenerate_segment, at_story, segment_id=lambda v: str(v.branch)),
            step(StoryDetailsState.open_details, at_story),
            step(StoryDetailsState.set_details_open, at_story, value=lambda v: True),
            step(StoryDetailsState.save_details, at_story, form=lambda v: SEGMENT_FORM),
            step(StoryDetailsState.set_delete_story_open, at_story, value=lambda v: True),
            step(StoryDetailsState.confirm_delete_story, at_story),
        ],
    ),
    "story page: another's ids on one's own story": Case(
        NOT_VISIBLE.format("segment"),
        [
            step(StoryPageState.load, at_own_story),
            step(StoryPageState.choose, at_own_story, option_id=lambda v: str(v.branch)),
            step(StoryPartsState.open_edit, at_own_story, segment_id=lambda v: str(v.opening)),
            step(StoryPartsState.save_edit, at_own_story, form=lambda v: SEGMENT_FORM),
            step(
                StoryPartsState.ask_delete_segment,
                at_own_story,
                segment_id=lambda v: str(v.opening),
            ),
            step(StoryPartsState.delete_segment, at_own_story, with_branch=lambda v: True),
            step(
                StoryPageState.regenerate_segment, at_own_story, segment_id=lambda v: str(v.branch)
            ),
        ],
    ),
    "story page: edit a public story": Case(
        READ_ONLY.format("segment"),
        [
            step(StoryPageState.load, at_public_story),
            step(
                StoryPartsState.open_edit,
                at_public_story,
                segment_id=lambda v: str(v.public_segment),
            ),
            step(StoryPartsState.save_edit, at_public_story, form=lambda v: SEGMENT_FORM),
            step(
                StoryPartsState.ask_delete_segment,
                at_public_story,
                segment_id=lambda v: str(v.public_segment),
            ),
            step(StoryPartsState.delete_segment, at_public_story, with_branch=lambda v: True),
            step(
                StoryPartsState.ask_delete_segment,
                at_public_story,
                segment_id=lambda v: str(v.public_segment),
            ),
            step(StoryPartsState.delete_segment, at_public_story, with_branch=lambda v: False),
            step(StoryDetailsState.save_details, at_public_story, form=lambda v: SEGMENT_FORM),
            step(StoryDetailsState.confirm_delete_story, at_public_story),
            step(
                StoryPageState.regenerate_segment,
                at_public_story,
                segment_id=lambda v: str(v.public_segment),
            ),
        ],
    ),
    "gallery: another's images": Case(
        READ_ONLY.format("asset"),
        [
            step(GalleryState.load, at_gallery),
            step(GalleryState.reload, at_gallery),
            step(GalleryState.next_page, at_gallery),
            step(GalleryState.previous_page, at_gallery),
            step(GalleryState.view, at_gallery, index=lambda v: 0),
            step(GalleryState.step, at_gallery, by=lambda v: 1),
            step(GalleryState.set_lightbox_open, at_gallery, value=lambda v: False),
            step(GalleryState.ask_delete, at_gallery, asset_id=lambda v: str(v.asset)),
            step(GalleryState.set_delete_open, at_gallery, value=lambda v: True),
            step(GalleryState.confirm_delete, at_gallery),
            step(GalleryState.upload_progress, at_gallery, progress=lambda v: UPLOAD_PROGRESS),
            step(GalleryState.load, lambda v, i: f"{i.world_path}/gallery"),
            step(GalleryState.ask_delete, at_own_world, asset_id=lambda v: str(v.asset)),
            step(GalleryState.confirm_delete, at_own_world),
            step(GalleryState.cancel_delete, at_own_world),
            step(GalleryState.load, at_public_gallery),
            step(
                GalleryState.ask_delete, at_public_gallery, asset_id=lambda v: str(v.public_asset)
            ),
            step(GalleryState.confirm_delete, at_public_gallery),
        ],
    ),
    "my images: another's own images": Case(
        shows(GalleryState, "items", []),
        [
            step(GalleryState.load, at_my_images),
            step(GalleryState.reload, at_my_images),
            step(GalleryState.next_page, at_my_images),
            step(GalleryState.view, at_my_images, index=lambda v: 0),
            step(GalleryState.ask_delete, at_my_images, asset_id=lambda v: str(v.own_asset)),
            step(GalleryState.confirm_delete, at_my_images),
            step(GalleryState.upload_progress, at_my_images, progress=lambda v: UPLOAD_PROGRESS),
        ],
    ),
    "account: another's account": Case(
        "That is not your current password, so nothing was changed; check it and try again.",
        [
            step(AccountState.load, at_account),
            step(AccountState.save_name, at_account, form=lambda v: {"name": "Intruder, renamed"}),
            step(
                AccountState.change_password,
                at_account,
                form=lambda v: {"current": "a guess", "new": "pwned-pwned-pwned"},
            ),
            step(AccountState.set_delete_open, at_account, value=lambda v: True),
            step(AccountState.delete_account, at_account, form=lambda v: {"email": v.email}),
            step(AccountState.set_delete_open, at_account, value=lambda v: False),
        ],
    ),
    "suggestions: another's, accepted and dismissed": Case(
        lambda v: not_visible("suggestion", v.suggestion),
        [
            step(SuggestionsState.load),
            step(SuggestionsState.reload),
            step(SuggestionsState.accept, suggestion_id=lambda v: str(v.suggestion)),
            step(SuggestionsState.dismiss, suggestion_id=lambda v: str(v.suggestion)),
            step(SuggestionsState.accept, at_own_world, suggestion_id=lambda v: str(v.suggestion)),
            step(SuggestionsState.dismiss, at_own_world, suggestion_id=lambda v: "not-an-id"),
        ],
    ),
    "canvas: another's world": Case(
        lambda v: not_visible("world", v.world),
        [
            step(CanvasState.load),
            step(CanvasState.reload),
            step(
                CanvasState.interact,
                target=lambda v: "main",
                component_id=lambda v: COMPONENT,
                interaction_type=lambda v: "click",
                data=lambda v: {},
            ),
            step(
                CanvasState.dialog_changed,
                target=lambda v: "main",
                component_id=lambda v: COMPONENT,
                is_open=lambda v: True,
            ),
            step(CanvasState.dismiss, target=lambda v: "main"),
            step(CanvasState.dismiss_overlays, is_open=lambda v: False),
        ],
    ),
    "canvas: a world that does not exist": Case(
        lambda v: not_visible("world", uuid.uuid5(v.world, "missing")),
        [
            step(
                CanvasState.interact,
                at_missing_world,
                target=lambda v: "main",
                component_id=lambda v: COMPONENT,
                interaction_type=lambda v: "click",
                data=lambda v: {},
            ),
            step(
                CanvasState.dialog_changed,
                at_missing_world,
                target=lambda v: "main",
                component_id=lambda v: COMPONENT,
                is_open=lambda v: False,
            ),
            step(CanvasState.dismiss, at_missing_world, target=lambda v: "main"),
        ],
    ),
    "codex: a private world": Case(
        NOT_VISIBLE.format("world"),
        [
            step(CodexState.load),
            step(CodexState.reload),
            step(CodexSearchState.search, form=lambda v: {"query": "keeper lore"}),
            step(CodexSearchState.clear_search),
            step(CodexState.export_lorebook),
            step(CodexState.upload_progress, progress=lambda v: UPLOAD_PROGRESS),
            *codex_writes(at_world, lambda v: str(v.entry), lambda v: str(v.suggested_entry)),
        ],
    ),
    "codex: another's entries from one's own world": Case(
        lambda v: not_visible("codex entry", v.entry),
        codex_writes(at_own_world, lambda v: str(v.entry), lambda v: str(v.suggested_entry)),
    ),
    "codex: change a public world's entries": Case(
        READ_ONLY.format("world"),
        [
            step(CodexState.export_lorebook, at_public),
            *codex_writes(at_public, lambda v: str(v.public_entry), lambda v: str(v.public_entry)),
        ],
    ),
    "codex entry page: a private entry": Case(
        lambda v: not_visible("codex entry", v.entry),
        [
            step(CodexEntryState.load, at_entry),
            step(CodexEntryState.reload, at_entry),
            step(CodexEntryState.export_card, at_entry),
            step(CodexEntryState.add_link, at_entry, form=lambda v: {"to": str(v.other_entry)}),
            step(CodexEntryState.remove_link, at_entry, link_id=lambda v: str(v.link)),
            step(CodexEntryState.upload_progress, at_entry, progress=lambda v: UPLOAD_PROGRESS),
            step(CodexEntryState.load, at_own_world),
            step(CodexEntryState.remove_link, at_own_world, link_id=lambda v: str(v.link)),
            step(
                CodexProgressionsState.add_progression,
                at_entry,
                form=lambda v: {
                    "part": str(v.opening),
                    "field": "body",
                    "mode": "add",
                    "value": "x",
                },
            ),
            step(
                CodexProgressionsState.remove_progression,
                at_entry,
                progression_id=lambda v: str(v.progression),
            ),
            step(
                CodexProgressionsState.remove_progression,
                at_own_world,
                progression_id=lambda v: str(v.progression),
            ),
        ],
    ),
    "codex entry page: a public entry": Case(
        READ_ONLY.format("codex entry"),
        [
            step(CodexEntryState.load, at_public_entry),
            step(
                CodexEntryState.add_link,
                at_public_entry,
                form=lambda v: {"to": str(v.public_entry), "relation": "pwned"},
            ),
            step(
                CodexEntryState.remove_link, at_public_entry, link_id=lambda v: str(v.public_link)
            ),
            step(
                CodexProgressionsState.add_progression,
                at_public_entry,
                form=lambda v: {
                    "part": str(v.public_segment),
                    "field": "summary",
                    "mode": "replace",
                    "value": "pwned",
                },
            ),
            step(
                CodexProgressionsState.remove_progression,
                at_public_entry,
                progression_id=lambda v: str(v.public_progression),
            ),
        ],
    ),
    "sources: a private world's": Case(
        lambda v: not_visible("world", v.world),
        [
            step(WorldSourcesState.show_sources),
            step(WorldSourcesState.ask_delete_source, source_id=lambda v: str(v.source)),
            step(WorldSourcesState.confirm_delete_source),
            step(WorldSourcesState.cancel_delete_source),
            step(WorldSourcesState.show_sources, at_own_world),
            step(
                WorldSourcesState.ask_delete_source, at_own_world, source_id=lambda v: str(v.source)
            ),
            step(WorldSourcesState.confirm_delete_source, at_own_world),
        ],
    ),
    "sources: delete a public world's": Case(
        READ_ONLY.format("source"),
        [
            step(WorldSourcesState.show_sources, at_public),
            step(
                WorldSourcesState.ask_delete_source,
                at_public,
                source_id=lambda v: str(v.public_source),
            ),
            step(WorldSourcesState.confirm_delete_source, at_public),
        ],
    ),
    "source reader: a private source": Case(
        lambda v: not_visible("source", v.source),
        [
            step(SourceReaderState.load, at_source),
            step(SourceReaderState.reload, at_source),
            step(SourceReaderState.show_earlier, at_source),
            step(SourceReaderState.show_later, at_source),
        ],
    ),
    "search: by meaning": Case(
        shows(SearchState, "searched", QUERY),
        [
            step(SearchState.search, at_worlds, form=lambda v: {"query": ""}),
            step(SearchState.search, at_worlds, form=lambda v: {"query": QUERY}),
        ],
    ),
    "chat: another's world agent": Case(
        lambda v: not_visible("world", v.world),
        [
            step(ChatState.load),
            step(ChatState.set_draft, value=lambda v: "hello"),
            step(ChatState.cancel),
            step(ChatState.retry),
            step(ChatState.send, form_data=lambda v: {"message": "Tell me the premise."}),
            step(ChatState.new_conversation),
            step(ChatState.show_conversation, conversation_id=lambda v: str(v.conversation)),
            step(ChatState.regenerate),
            step(ChatState.edit_last),
            step(ChatState.cancel_edit),
            step(
                ChatState.answer,
                confirmation_id=lambda v: str(v.confirmation),
                approve=lambda v: True,
            ),
        ],
    ),
    "chat: another's conversation from one's own": Case(
        lambda v: not_visible("confirmation", v.confirmation),
        [
            step(
                ChatState.show_conversation,
                at_worlds,
                conversation_id=lambda v: str(v.conversation),
            ),
            step(
                ChatState.show_conversation,
                at_own_world,
                conversation_id=lambda v: str(v.conversation),
            ),
            step(ChatState.new_conversation, at_worlds),
            step(
                ChatState.answer,
                at_own_world,
                confirmation_id=lambda v: str(v.confirmation),
                approve=lambda v: False,
            ),
        ],
    ),
    "evaluations: another's story and world": Case(
        lambda v: not_visible("segment", v.opening),
        [
            step(StoryEvaluationsState.load, at_story),
            step(StoryEvaluationsState.reload, at_story),
            step(
                StoryEvaluationsState.evaluate,
                at_story,
                segment_id=lambda v: str(v.opening),
                kind=lambda v: "consistency",
            ),
            step(
                StoryEvaluationsState.evaluate,
                at_own_story,
                segment_id=lambda v: str(v.opening),
                kind=lambda v: "quality",
            ),
            step(VersionComparisonState.load),
            step(VersionComparisonState.reload),
            step(
                VersionComparisonState.explain, from_version=lambda v: "1", to_version=lambda v: "2"
            ),
            # Versions their own world never had (a real comparison would ask the model).
            step(
                VersionComparisonState.explain,
                at_own_world,
                from_version=lambda v: "1",
                to_version=lambda v: "99",
            ),
        ],
    ),
    "trajectory and analytics": Case(
        shows(TrajectoryState, "found", False),
        [
            step(TrajectoryState.load, lambda v, i: f"/runs/{v.run}"),
            step(TrajectoryState.reload, lambda v, i: f"/runs/{v.run}"),
            step(AnalyticsState.load, at_worlds),
            step(
                AnalyticsState.apply,
                at_worlds,
                form=lambda v: {"world": str(v.world), **last_month()},
            ),
        ],
    ),
    "runs and account": Case(
        shows(RunsState, "rows", []),
        [
            step(RunsState.load, at_worlds),
            step(RunsState.load_more, at_worlds),
            # Lower case: the same search to the model (it lowercases), and the page's echo of the
            # intruder's own words is not taken for a leak.
            step(RunsState.search, at_worlds, form=lambda v: {"query": QUERY}),
            step(RunsState.search, at_worlds, form=lambda v: {"query": ""}),
            step(RunsState.load_more, at_worlds),
            step(RunsState.clear_search, at_worlds),
            step(AuthState.require_session),
            step(AuthState.prepare_signin),
            step(AuthState.choose_tab, tab=lambda v: "signup"),
            # The intruder's resend mails the intruder's own address, whoever's page it names.
            step(VerificationState.resend, at_worlds),
            # A notice the browser asks for is shown to that tab alone, as text.
            step(FeedbackState.show, at_worlds, level=lambda v: "error", message=lambda v: "hi"),
        ],
    ),
}

# Handlers no websocket event can reach: uploads go over HTTP (tests/test_world_import_http.py
# sends them signed out and oversized; tests/test_lorebook.py checks what a lorebook import may
# create, and into which world).
NOT_WEBSOCKET = {
    event_name(WorldsPageState.import_world),
    event_name(CodexState.import_lorebook),
    # A source's upload: tests/test_sources.py refuses another person's (require_writable).
    event_name(WorldSourcesState.upload_source),
    # Image uploads: tests/test_image_uploads.py refuses an intruder's (check_target), and the
    # world they go to is the one the page loaded, never a browser's word.
    event_name(GalleryState.upload_image),
    event_name(GalleryState.upload_cover),
    event_name(CodexEntryState.upload_portrait),
}


def _dsf_states(state: type[BaseState] = State) -> Iterator[type[BaseState]]:
    if state.__module__.startswith("dsf_app."):
        yield state
    # Reflex keeps substates in a set: sorted, so every pytest-xdist worker collects one order.
    for substate in sorted(state.get_substates(), key=lambda sub: sub.get_full_name()):
        yield from _dsf_states(substate)


def _handlers() -> dict[str, Handler]:
    """Every event handler of every DSF state the websocket can reach, by event name."""
    every = {
        event_name(handler): handler
        for state in _dsf_states()
        for handler in state.event_handlers.values()
    }
    return {name: handler for name, handler in every.items() if name not in NOT_WEBSOCKET}


# ---- when a background handler is done ------------------------------------------------------
# Each signal reads the vars of the handler's own state (`EventHandler.state`), so it follows the
# handler wherever it moves.


def flag_back(handler: Handler, flag: str, idle: Any) -> tuple[str, Finished]:
    """Done when the handler's running flag came back to `idle` (its last delta), or when it
    was refused with a toast before it raised the flag."""
    state = state_of(handler)
    return event_name(handler), lambda ex: bool(ex.notices or ex.set_at(state, flag, idle))


def shown_after(handler: Handler, flag: str, idle: Any, last: str) -> tuple[str, Finished]:
    """Done when `last` was shown after the running flag came back to `idle` (the handler's
    last delta), or when it was refused with a toast."""
    state = state_of(handler)

    def finished(ex: Exchange) -> bool:
        cleared = ex.set_at(state, flag, idle)
        shown = ex.set_at(state, last)
        return bool(ex.notices) or bool(cleared and shown and shown[-1] > cleared[0])

    return event_name(handler), finished


def chat_turn(handler: Handler, acts: Callable[[Exchange], bool]) -> tuple[str, Finished]:
    """A chat handler: done at once when its guard (`acts`, read from the tab's vars as they
    were when it was sent) lets it do nothing, else when `busy` is down again or it was
    refused."""
    name, busy_back = flag_back(handler, "busy", False)
    return name, lambda ex: not acts(ex) or busy_back(ex)


def _redoable(ex: Exchange) -> bool:
    return bool(ex.knew(ChatState, "last_run")) and not ex.knew(ChatState, "busy")


def _retryable(ex: Exchange) -> bool:
    return bool(ex.knew(ChatState, "retry_run")) and not ex.knew(ChatState, "busy")


def embedded(handler: Handler) -> tuple[str, Finished]:
    """Done when refused, or when no active entry of the page's world lacks its embedding
    (the handler's only effect: it shows nothing when it worked)."""

    def finished(ex: Exchange) -> bool:
        world_id = route_ids(ex.path)[0]
        if ex.notices or world_id is None:
            return bool(ex.notices)
        with session_scope() as session:
            missing = session.exec(
                select(CodexEntry.id).where(
                    CodexEntry.world_id == world_id,
                    CodexEntry.status == CodexStatus.ACTIVE,
                    col(CodexEntry.embedding).is_(None),
                )
            ).first()
        return missing is None

    return event_name(handler), finished


FINISHED: dict[str, Finished] = dict(
    [
        flag_back(ChatState.send, "busy", False),
        chat_turn(ChatState.retry, _retryable),
        chat_turn(ChatState.regenerate, _redoable),
        chat_turn(ChatState.answer, lambda ex: not ex.knew(ChatState, "busy")),
        flag_back(CodexSearchState.search, "searching", False),
        embedded(CodexState.embed_pending),
        flag_back(SearchState.search, "searching", False),
        flag_back(RunsState.search, "loading", False),
        shown_after(StoryEvaluationsState.evaluate, "running", [], "items"),
        shown_after(VersionComparisonState.explain, "running", False, "items"),
    ]
)


# ---- what of the victim's may not change, nor reach the intruder ---------------------------


def _fingerprint(v: Victim) -> dict[str, list[str]]:
    """Every row of the victim's, in every table (their worlds' rows included)."""
    with session_scope() as session:
        return rows_of(session, v.actor.user_id, v.email)


def _leaks(exchange: Exchange, v: Victim) -> list[str]:
    text = exchange.text
    found = [s for s in (SECRET, v.email, v.collaborator_email, INVITEE) if s in text]
    # The intruder never took a turn: any figure of runs they are shown is someone else's.
    figures = {var: exchange.values_in(AnalyticsState, var) for var in ANALYTICS_FIGURES}
    found += [f"{var}: {values}" for var, values in figures.items() if any(values)]
    return found


ANALYTICS_FIGURES = ("turns", "latency", "tokens", "tools", "scores")


@pytest.mark.parametrize("case", sorted(CASES))
def test_another_persons_ids_are_refused_without_a_leak(
    case: str, victim: Victim, intruder: Intruder, tab: ReflexSocket
) -> None:
    before = _fingerprint(victim)
    shown: list[str] = []
    for sent in CASES[case].steps:
        name = event_name(sent.handler)
        exchange = tab.send(
            sent.handler,
            sent.where(victim, intruder),
            finished=FINISHED.get(name),
            **sent.payload(victim, intruder),
        )
        assert not _leaks(exchange, victim), (name, _leaks(exchange, victim), exchange.text[:2000])
        assert BACKEND_ERROR not in exchange.text, f"{name} crashed"
        assert SIGNED_OUT not in exchange.text, f"{name} took the intruder for signed out"
        shown.append(exchange.readable)
    assert CASES[case].told_to(victim) in "\n".join(shown), "the intruder was not told why"
    assert _fingerprint(victim) == before
    # Still signed in, and their own pages still work: the refusals were refusals.
    own = tab.send(WorldPageState.load, intruder.world_path)
    assert "Intruder's own world" in own.text


def _settable(state: type[BaseState], names: str) -> dict[str, Any]:
    """The state's own vars (backend ones too) that no `set_<var>` handler sets, each with a
    value of its type that differs from its default (a text names `names`: a victim's id)."""
    inherited = state.get_parent_state()
    own = {
        name: var
        for name, var in state.get_fields().items()
        if inherited is None or name not in inherited.get_fields()
    }
    return {
        name: _other_value(var.default_value(), names)
        for name, var in own.items()
        if f"set_{name}" not in state.event_handlers
    }


def _other_value(default: Any, names: str) -> Any:
    """A value of the default's type that is not the default: a bool the other way, a text
    naming `names`."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, int | float):
        return default + 424242
    if isinstance(default, list):
        return [*default, names]
    if isinstance(default, dict):
        return {**default, "forged": names}
    return names


STATES_WITH_VARS = [state for state in _dsf_states() if _settable(state, "any")]


@pytest.mark.parametrize("state", STATES_WITH_VARS, ids=lambda state: state.__name__)
def test_vars_without_a_handler_cannot_be_set_from_the_browser(
    state: type[State], victim: Victim, tab: ReflexSocket
) -> None:
    """Reflex 0.10 makes no setters by default: `setvar` fails for every var without its own
    `set_<var>` handler, with the toast every unexpected failure gets."""
    for var, value in _settable(state, world_id(victim)).items():
        exchange = tab.send(state.setvar, victim.world_path, var_name=var, value=value)
        assert value not in exchange.values_in(state, var), f"{state.__name__}.{var} was set"
        assert UNEXPECTED in exchange.notices, f"{state.__name__}.{var}: no refusal shown"


def test_vars_with_a_handler_can_be_set_so_the_refusals_above_mean_something(
    victim: Victim, tab: ReflexSocket
) -> None:
    exchange = tab.send(ChatState.setvar, "/worlds", var_name="draft", value="typed")
    assert exchange.values_in(ChatState, "draft")[0] == "typed"


def test_the_victim_finds_their_own_so_the_refusals_above_mean_something(
    victim: Victim, victims_tab: ReflexSocket
) -> None:
    """The refusals are refusals for the intruder, not a broken page or an empty index: the
    same events from the victim's own tab show their world, find their embedded world,
    entries, parts and run by meaning, and count their turn."""
    world = victims_tab.send(WorldPageState.load, victim.world_path)
    assert SECRET in world.text
    found = victims_tab.send(
        SearchState.search,
        "/search",
        finished=FINISHED[event_name(SearchState.search)],
        form={"query": QUERY},
    )
    for group in ("worlds", "entries", "segments"):
        (hits,) = [h for h in found.values_in(SearchState, group) if h]
        assert any(SECRET in hit["title"] + hit["snippet"] for hit in hits), group
    runs_found = victims_tab.send(
        RunsState.search,
        "/runs",
        finished=FINISHED[event_name(RunsState.search)],
        form={"query": QUERY},
    )
    assert any(r and str(victim.run) in str(r) for r in runs_found.values_in(RunsState, "rows"))
    figures = victims_tab.send(AnalyticsState.load, "/analytics")
    (turns,) = [rows for rows in figures.values_in(AnalyticsState, "turns") if rows]
    assert sum(row["turns"] for row in turns) == 1
    assert str(VICTIM_TOKENS) in str(figures.values_in(AnalyticsState, "tokens"))


def _made_up(kind: type[Victim] | type[Intruder]) -> Any:
    """A Victim or Intruder whose ids are made up: what each case sends, without a database."""
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.type == "uuid.UUID":
            values[f.name] = uuid.uuid4()
        elif f.type == "Actor":
            values[f.name] = Actor(uuid.uuid4())
        else:
            values[f.name] = f"{f.name}-{uuid.uuid4().hex[:6]}@example.test"
    return kind(**values)


def test_every_state_event_is_sent_with_each_id_it_takes() -> None:
    """One case at least for every handler, and for every parameter that names something by
    id (`…_id`), one that sends a victim's id in it."""
    v, i = _made_up(Victim), _made_up(Intruder)
    theirs = {str(getattr(v, f.name)) for f in fields(Victim) if f.type == "uuid.UUID"}
    theirs.add(COMPONENT)
    sent: dict[str, set[str]] = {}
    for case in CASES.values():
        for s in case.steps:
            payload = s.payload(v, i)
            named = {k for k, value in payload.items() if str(value) in theirs}
            sent.setdefault(event_name(s.handler), set()).update(named)
    # setvar reaches a var only through its `set_<var>` handler (sent by cases of its own), or
    # fails: test_vars_without_a_handler_cannot_be_set_from_the_browser.
    sent |= {event_name(state.setvar): set() for state in _dsf_states()}
    handlers = _handlers()
    missing = sorted(set(handlers) - set(sent))
    assert not missing, f"add a forged-id case for {missing}"
    wanted = {
        (name, parameter)
        for name, handler in handlers.items()
        for parameter in inspect.signature(handler.fn).parameters
        if parameter.endswith("_id")
    }
    unsent = sorted((name, p) for name, p in wanted if p not in sent.get(name, set()))
    assert not unsent, f"send a victim's id in {unsent}"


def test_every_background_handler_names_its_completion_signal() -> None:
    background = {name for name, handler in _handlers().items() if is_background(handler)}
    assert background == set(FINISHED), "say in FINISHED when each background handler is done"


def test_the_runs_export_holds_only_the_persons_own_runs(
    victim: Victim, intruder: Intruder, app_url: str
) -> None:
    """The JSONL export is plain HTTP, not an event: another's run is not found, the whole
    export holds none of theirs, and nobody signed out gets anything."""
    cookies = {SESSION_COOKIE: intruder.token}
    theirs = httpx.get(
        f"{app_url}/export/runs.jsonl", params={"run": str(victim.run)}, cookies=cookies
    )
    assert theirs.status_code == 404 and SECRET not in theirs.text
    everything = httpx.get(
        f"{app_url}/export/runs.jsonl", params={"world": str(victim.world)}, cookies=cookies
    )
    assert everything.status_code == 200 and everything.text == ""
    assert SECRET not in httpx.get(f"{app_url}/export/runs.jsonl", cookies=cookies).text
    assert httpx.get(f"{app_url}/export/runs.jsonl").status_code == 401
