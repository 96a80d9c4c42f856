"""A second person sends every event of every DSF page state over the app's websocket — as a
tampered browser could — with the first person's ids in the URL, the payload and vars set by
hand. All refused: nothing of the first person's reaches the second's browser, and nothing of
theirs changes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    AgentRun,
    Asset,
    CanvasInteraction,
    CanvasSurface,
    ChatConversation,
    ChatMessage,
    CodexEntry,
    CodexEntryVersion,
    CodexLink,
    CodexStatus,
    Evaluation,
    EvaluationKind,
    EvaluationSource,
    RunStep,
    StepKind,
    Story,
    StorySegment,
    Suggestion,
    ToolConfirmation,
    User,
    World,
    WorldCollaborator,
    WorldInvitation,
)
from dsf_app.services import (
    assets,
    canvas,
    chat,
    codex,
    codex_links,
    confirmations,
    conversations,
    evaluations,
    interactions,
    invitations,
    runs,
    stories,
    suggestions,
    users,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.settings import Settings
from dsf_app.state.account import AccountState
from dsf_app.state.analytics import AnalyticsState
from dsf_app.state.auth import AuthState
from dsf_app.state.canvas import CanvasState
from dsf_app.state.chat import ChatState
from dsf_app.state.codex import CodexState
from dsf_app.state.codex_deletion import CodexDeletionState
from dsf_app.state.codex_editor import CodexEditorState
from dsf_app.state.codex_entry import CodexEntryState
from dsf_app.state.codex_lookup import CodexSearchState
from dsf_app.state.evaluations import StoryEvaluationsState, VersionComparisonState
from dsf_app.state.feedback import UNEXPECTED, FeedbackState
from dsf_app.state.gallery import GalleryState
from dsf_app.state.runs import RunsState
from dsf_app.state.search import SearchState
from dsf_app.state.signin import SignInPageState
from dsf_app.state.story import StoryPageState
from dsf_app.state.story_details import StoryDetailsState
from dsf_app.state.story_parts import StoryPartsState
from dsf_app.state.suggestions import SuggestionsState
from dsf_app.state.tab_owner import TabOwner
from dsf_app.state.trajectory import TrajectoryState
from dsf_app.state.verification import VerificationState
from dsf_app.state.world import WorldPageState
from dsf_app.state.world_foundation import FoundationEditorState
from dsf_app.state.world_sharing import WorldSharingState
from dsf_app.state.world_stories import WorldStoriesState
from dsf_app.state.world_versions import WorldVersionsState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import SESSION_COOKIE, new_account, sign_up_over_http
from tests.reflex_socket import Exchange, Handler, ReflexSocket, event_name, reflex_socket

SECRET = "Abyssal Ledger"
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

    @property
    def public_path(self) -> str:
        return f"/worlds/{self.public_world}"

    @property
    def entry_path(self) -> str:
        return f"{self.world_path}/codex/{self.entry}"

    @property
    def public_entry_path(self) -> str:
        return f"{self.public_path}/codex/{self.public_entry}"


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
            {"type": "Text", "id": "t1", "props": {"content": f"{SECRET} scene"}}
        )
        canvas.show(session, actor, world.id, "main", "inline", spec)
        interactions.record(session, actor, world.id, "main", "t1", "click", {})
        chat.append_message(session, actor, world.id, "user", f"{SECRET} message")
        conversation = conversations.current(session, actor, world.id).id
        run = runs.start_run(session, actor, "world", world.id, "agent-victim")
        runs.finish_run(session, actor, run.id, "end_turn", error=f"{SECRET} failure")
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
        return Victim(
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
        )


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


@pytest.fixture(scope="module")
def socket(app_url: str, intruder: Intruder) -> Iterator[ReflexSocket]:
    with reflex_socket(app_url, intruder.token) as opened:
        yield opened


@dataclass(frozen=True)
class Step:
    handler: Handler
    where: Callable[[Victim, Intruder], str]
    payload: Callable[[Victim, Intruder], dict[str, Any]] = lambda v, i: {}


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


def at_entry(v: Victim, i: Intruder) -> str:
    return v.entry_path


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
CASES: dict[str, list[Step]] = {
    "worlds: list, search, tabs, pages, create": [
        step(WorldsPageState.load, at_worlds),
        step(WorldsPageState.reload, at_worlds),
        step(WorldsPageState.search_for, at_worlds, text=lambda v: SECRET.split()[0]),
        step(WorldsPageState.choose_tab, at_worlds, tab=lambda v: "explore"),
        step(WorldsPageState.next_page, at_worlds),
        step(WorldsPageState.previous_page, at_worlds),
        step(WorldsPageState.set_create_open, at_worlds, value=lambda v: True),
        step(WorldsPageState.create, at_worlds, form=lambda v: {"name": "Mine", "premise": "x"}),
    ],
    "worlds: delete another's worlds": [
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
    "world page: a private world": [
        step(WorldPageState.load),
        step(WorldPageState.reload),
        step(WorldVersionsState.show_more_changes),
        step(WorldPageState.set_diff_left, value=lambda v: "1"),
        step(WorldPageState.set_diff_right, value=lambda v: "1"),
        step(WorldPageState.compare),
        step(WorldPageState.export_json),
    ],
    "world page: edit a private world": edits_of_the_foundation(at_world),
    "world page: share a private world": sharing(at_world),
    "world page: edit a public world": edits_of_the_foundation(at_public),
    "world page: another's stories and versions": [
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
    "world page: another's story from one's own world": [
        step(WorldPageState.load, at_own_world),
        step(WorldStoriesState.edit_story, at_own_world, story_id=lambda v: str(v.story)),
        step(WorldStoriesState.save_story, at_own_world, form=lambda v: SEGMENT_FORM),
        step(WorldStoriesState.ask_delete_story, at_own_world, story_id=lambda v: str(v.story)),
        step(WorldStoriesState.confirm_delete_story, at_own_world),
    ],
    "world page: a public world's stories and versions": [
        step(WorldPageState.load, at_public),
        step(WorldStoriesState.edit_story, at_public, story_id=lambda v: str(v.public_story)),
        step(WorldStoriesState.save_story, at_public, form=lambda v: SEGMENT_FORM),
        step(WorldStoriesState.ask_delete_story, at_public, story_id=lambda v: str(v.public_story)),
        step(WorldStoriesState.confirm_delete_story, at_public),
        step(WorldPageState.set_diff_left, at_public, value=lambda v: "1"),
        step(WorldVersionsState.ask_restore, at_public),
        step(WorldVersionsState.restore, at_public, form=lambda v: FORM),
    ],
    "world page: another's invitation from one's own world": [
        step(WorldPageState.load, at_own_world),
        step(
            WorldSharingState.revoke_invitation,
            at_own_world,
            invitation_id=lambda v: str(v.invitation),
        ),
    ],
    "world page: share a public world": sharing(at_public),
    "story page: a private story": [
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
    "story page: another's ids on one's own story": [
        step(StoryPageState.load, at_own_story),
        step(StoryPageState.choose, at_own_story, option_id=lambda v: str(v.branch)),
        step(StoryPartsState.open_edit, at_own_story, segment_id=lambda v: str(v.opening)),
        step(StoryPartsState.save_edit, at_own_story, form=lambda v: SEGMENT_FORM),
        step(StoryPartsState.ask_delete_segment, at_own_story, segment_id=lambda v: str(v.opening)),
        step(StoryPartsState.delete_segment, at_own_story, with_branch=lambda v: True),
        step(StoryPageState.regenerate_segment, at_own_story, segment_id=lambda v: str(v.branch)),
    ],
    "story page: edit a public story": [
        step(StoryPageState.load, at_public_story),
        step(
            StoryPartsState.open_edit, at_public_story, segment_id=lambda v: str(v.public_segment)
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
    "gallery: another's images": [
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
        step(GalleryState.load, lambda v, i: f"{i.world_path}/gallery"),
        step(GalleryState.ask_delete, at_own_world, asset_id=lambda v: str(v.asset)),
        step(GalleryState.confirm_delete, at_own_world),
        step(GalleryState.cancel_delete, at_own_world),
        step(GalleryState.load, at_public_gallery),
        step(GalleryState.ask_delete, at_public_gallery, asset_id=lambda v: str(v.public_asset)),
        step(GalleryState.confirm_delete, at_public_gallery),
    ],
    "my images: another's own images": [
        step(GalleryState.load, at_my_images),
        step(GalleryState.reload, at_my_images),
        step(GalleryState.next_page, at_my_images),
        step(GalleryState.view, at_my_images, index=lambda v: 0),
        step(GalleryState.ask_delete, at_my_images, asset_id=lambda v: str(v.own_asset)),
        step(GalleryState.confirm_delete, at_my_images),
    ],
    "account: another's account": [
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
    "suggestions: another's, accepted and dismissed": [
        step(SuggestionsState.load),
        step(SuggestionsState.reload),
        step(SuggestionsState.accept, suggestion_id=lambda v: str(v.suggestion)),
        step(SuggestionsState.dismiss, suggestion_id=lambda v: str(v.suggestion)),
        step(SuggestionsState.accept, at_own_world, suggestion_id=lambda v: str(v.suggestion)),
        step(SuggestionsState.dismiss, at_own_world, suggestion_id=lambda v: "not-an-id"),
    ],
    "canvas: another's world": [
        step(CanvasState.load),
        step(CanvasState.reload),
        step(
            CanvasState.interact,
            target=lambda v: "main",
            component_id=lambda v: "t1",
            interaction_type=lambda v: "click",
            data=lambda v: {},
        ),
        step(
            CanvasState.dialog_changed,
            target=lambda v: "main",
            component_id=lambda v: "t1",
            is_open=lambda v: True,
        ),
        step(CanvasState.dismiss, target=lambda v: "main"),
        step(CanvasState.dismiss_overlays, is_open=lambda v: False),
    ],
    "canvas: a world that does not exist": [
        step(
            CanvasState.interact,
            at_missing_world,
            target=lambda v: "main",
            component_id=lambda v: "t1",
            interaction_type=lambda v: "click",
            data=lambda v: {},
        ),
        step(
            CanvasState.dialog_changed,
            at_missing_world,
            target=lambda v: "main",
            component_id=lambda v: "t1",
            is_open=lambda v: False,
        ),
        step(CanvasState.dismiss, at_missing_world, target=lambda v: "main"),
    ],
    "codex: a private world": [
        step(CodexState.load),
        step(CodexState.reload),
        step(CodexSearchState.search, form=lambda v: {"query": "keeper lore"}),
        step(CodexSearchState.clear_search),
        step(CodexState.export_lorebook),
        *codex_writes(at_world, lambda v: str(v.entry), lambda v: str(v.suggested_entry)),
    ],
    "codex: another's entries from one's own world": codex_writes(
        at_own_world, lambda v: str(v.entry), lambda v: str(v.suggested_entry)
    ),
    "codex: change a public world's entries": [
        step(CodexState.export_lorebook, at_public),
        *codex_writes(at_public, lambda v: str(v.public_entry), lambda v: str(v.public_entry)),
    ],
    "codex entry page: a private entry": [
        step(CodexEntryState.load, at_entry),
        step(CodexEntryState.reload, at_entry),
        step(CodexEntryState.add_link, at_entry, form=lambda v: {"to": str(v.other_entry)}),
        step(CodexEntryState.remove_link, at_entry, link_id=lambda v: str(v.link)),
        step(CodexEntryState.load, at_own_world),
        step(CodexEntryState.remove_link, at_own_world, link_id=lambda v: str(v.link)),
    ],
    "codex entry page: a public entry": [
        step(CodexEntryState.load, at_public_entry),
        step(
            CodexEntryState.add_link,
            at_public_entry,
            form=lambda v: {"to": str(v.public_entry), "relation": "pwned"},
        ),
        step(CodexEntryState.remove_link, at_public_entry, link_id=lambda v: str(v.public_link)),
    ],
    "search: by meaning": [
        step(SearchState.search, at_worlds, form=lambda v: {"query": "abyssal ledger keeper"}),
        step(SearchState.search, at_worlds, form=lambda v: {"query": ""}),
    ],
    "chat: another's world agent": [
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
            ChatState.answer, confirmation_id=lambda v: str(v.confirmation), approve=lambda v: True
        ),
    ],
    "chat: another's conversation from one's own": [
        step(ChatState.show_conversation, at_worlds, conversation_id=lambda v: str(v.conversation)),
        step(
            ChatState.show_conversation, at_own_world, conversation_id=lambda v: str(v.conversation)
        ),
        step(ChatState.new_conversation, at_worlds),
        step(
            ChatState.answer,
            at_own_world,
            confirmation_id=lambda v: str(v.confirmation),
            approve=lambda v: False,
        ),
    ],
    "evaluations: another's story and world": [
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
        step(VersionComparisonState.explain, from_version=lambda v: "1", to_version=lambda v: "2"),
        step(
            VersionComparisonState.explain,
            at_own_world,
            from_version=lambda v: "1",
            to_version=lambda v: "2",
        ),
    ],
    "trajectory and analytics": [
        step(TrajectoryState.load, lambda v, i: f"/runs/{v.run}"),
        step(TrajectoryState.reload, lambda v, i: f"/runs/{v.run}"),
        step(AnalyticsState.load, at_worlds),
        step(
            AnalyticsState.apply,
            at_worlds,
            form=lambda v: {"world": str(v.world), "since": "2026-01-01", "until": "2026-12-31"},
        ),
    ],
    "runs and account": [
        step(RunsState.load, at_worlds),
        step(RunsState.load_more, at_worlds),
        # Lower case: the same search to the model (it lowercases), and the page's echo of the
        # intruder's own words is not taken for a leak.
        step(RunsState.search, at_worlds, form=lambda v: {"query": f"{SECRET.lower()} failure"}),
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
}

# Vars that name what a page acts on. The browser can only set vars through a handler
# (Reflex 0.10 makes no setters by default), so `setvar` must fail for each.
ID_VARS: dict[type[State], list[str]] = {
    WorldsPageState: ["delete_id"],
    WorldPageState: [
        "world_key",
        "can_edit",
        "is_owner",
        "version",
    ],
    FoundationEditorState: ["editor_section"],
    WorldStoriesState: ["story_edit_id", "story_delete_id"],
    WorldVersionsState: ["restore_version"],
    WorldSharingState: ["world_key", "is_owner"],
    StoryPageState: ["story_key", "world_key", "awaited_parent"],
    StoryPartsState: ["edit_id", "drop_id"],
    StoryDetailsState: ["story_key", "world_key"],
    GalleryState: ["world_key", "delete_id", "can_delete"],
    SuggestionsState: ["items"],
    CanvasState: ["inline", "overlay", "fullscreen"],
    ChatState: ["loaded_for", "busy", "retry_run", "queued", "conversation_key", "last_run"],
    RunsState: ["rows"],
    CodexState: ["world_key", "can_edit"],
    CodexEditorState: ["editor_id", "editor_version", "editor_accepts"],
    CodexDeletionState: ["delete_id"],
    CodexSearchState: ["world_key"],
    CodexEntryState: ["entry_key", "world_key", "can_edit"],
    SearchState: ["worlds", "entries"],
    StoryEvaluationsState: ["items", "running"],
    VersionComparisonState: ["items"],
    TrajectoryState: ["run_key", "steps"],
    AnalyticsState: ["world", "turns"],
    AuthState: ["user_email", "signed_in", "email_verified"],
    AccountState: ["email", "has_password"],
    VerificationState: ["sending"],
    # What a reset or sign-in link's page shows comes from its URL, never from an event.
    SignInPageState: ["link_token", "offers_link", "notice"],
    # The session a tab was filled under is a backend var the browser never sees; setting it
    # is refused like every other var without a handler (Reflex 0.10 makes no setters).
    TabOwner: ["_session"],
    # Notices are shown as text, but only the app may say what happened.
    FeedbackState: ["notices"],
}

# Handlers no websocket event can reach: uploads go over HTTP (tests/test_world_import_http.py
# sends them signed out and oversized; tests/test_lorebook.py checks what a lorebook import may
# create, and into which world).
NOT_WEBSOCKET = {
    event_name(WorldsPageState.import_world),
    event_name(CodexState.import_lorebook),
}


def _fingerprint(v: Victim) -> dict[str, Any]:
    """Everything of the victim's that a page could change, in both their worlds."""
    both = [v.world, v.public_world]
    with session_scope() as session:

        def rows(model: type, *where: Any, without: frozenset[str] = frozenset()) -> list[tuple]:
            found = session.exec(select(model).where(*where)).all()
            # By their text: rows of JSON documents (changelogs of dicts) do not compare.
            return sorted(
                (
                    tuple(
                        sorted(
                            (k, v)
                            for k, v in row.model_dump(mode="json", warnings=False).items()
                            if k not in without
                        )
                    )
                    for row in found
                ),
                key=str,
            )

        story_ids = select(Story.id).where(col(Story.world_id).in_(both))
        return {
            "worlds": rows(World, col(World.id).in_(both)),
            "collaborators": rows(WorldCollaborator, col(WorldCollaborator.world_id).in_(both)),
            "invitations": rows(WorldInvitation, col(WorldInvitation.world_id).in_(both)),
            "stories": rows(Story, col(Story.world_id).in_(both)),
            "segments": rows(StorySegment, col(StorySegment.story_id).in_(story_ids)),
            "assets": rows(
                Asset, col(Asset.world_id).in_(both) | (col(Asset.owner_id) == v.actor.user_id)
            ),
            "person": rows(User, col(User.id) == v.actor.user_id),
            "suggestions": rows(Suggestion, col(Suggestion.user_id) == v.actor.user_id),
            "canvas": rows(CanvasSurface, col(CanvasSurface.user_id) == v.actor.user_id),
            "clicks": rows(CanvasInteraction, col(CanvasInteraction.user_id) == v.actor.user_id),
            "chat": rows(ChatMessage, col(ChatMessage.world_id).in_(both)),
            "runs": rows(AgentRun, col(AgentRun.world_id).in_(both)),
            # An entry's embedding is derived from its text: any reader's search may compute it.
            "codex": rows(
                CodexEntry, col(CodexEntry.world_id).in_(both), without=frozenset({"embedding"})
            ),
            "codex links": rows(CodexLink, col(CodexLink.world_id).in_(both)),
            "codex history": rows(CodexEntryVersion, col(CodexEntryVersion.world_id).in_(both)),
            "evaluations": rows(Evaluation, col(Evaluation.world_id).in_(both)),
            "conversations": rows(
                ChatConversation, col(ChatConversation.user_id) == v.actor.user_id
            ),
            "confirmations": rows(
                ToolConfirmation, col(ToolConfirmation.user_id) == v.actor.user_id
            ),
        }


def _leaks(exchange: Exchange, v: Victim) -> list[str]:
    text = exchange.text
    return [s for s in (SECRET, v.email, v.collaborator_email, INVITEE) if s in text]


@pytest.mark.parametrize("case", sorted(CASES))
def test_another_persons_ids_are_refused_without_a_leak(
    case: str, victim: Victim, intruder: Intruder, socket: ReflexSocket
) -> None:
    before = _fingerprint(victim)
    for sent in CASES[case]:
        settle = 2.0 if sent.handler is ChatState.send else 0.0
        exchange = socket.send(
            sent.handler,
            sent.where(victim, intruder),
            settle=settle,
            **sent.payload(victim, intruder),
        )
        assert not _leaks(exchange, victim), (event_name(sent.handler), exchange.text[:2000])
        assert BACKEND_ERROR not in exchange.text, f"{event_name(sent.handler)} crashed"
    assert _fingerprint(victim) == before


@pytest.mark.parametrize("state", list(ID_VARS), ids=lambda state: state.__name__)
def test_vars_without_a_handler_cannot_be_set_from_the_browser(
    state: type[State], victim: Victim, socket: ReflexSocket
) -> None:
    for var in ID_VARS[state]:
        exchange = socket.send(
            state.setvar, victim.world_path, var_name=var, value=world_id(victim)
        )
        # The refusal may itself change a var (FeedbackState's notices say an error happened),
        # so what counts is whether the value sent arrived.
        sent = world_id(victim)
        assert sent not in json.dumps(exchange.values_of(var)), f"{state.__name__}.{var} was set"


def test_vars_with_a_handler_can_be_set_so_the_refusals_above_mean_something(
    victim: Victim, socket: ReflexSocket
) -> None:
    exchange = socket.send(ChatState.setvar, "/worlds", var_name="draft", value="typed")
    assert exchange.values_of("draft")[0] == "typed"


def test_the_victim_still_sees_their_own(victim: Victim, app_url: str) -> None:
    """The refusals above are refusals for the intruder, not a broken page: the same events
    from the victim's own browser show their world."""
    with session_scope() as session:
        token = create_session(session, users.get_user(session, victim.actor.user_id))
    with reflex_socket(app_url, token) as own:
        exchange = own.send(WorldPageState.load, victim.world_path)
    assert SECRET in exchange.text


def test_every_state_event_is_sent_by_a_case() -> None:
    sent = {event_name(s.handler) for steps in CASES.values() for s in steps}
    sent |= {event_name(state.setvar) for state in ID_VARS}
    every = {
        f"{state.get_full_name()}.{name}"
        for state in _dsf_states(State)
        for name in state.event_handlers
    }
    missing = every - sent - NOT_WEBSOCKET
    assert not missing, f"add a forged-id case for {sorted(missing)}"


def _dsf_states(state: type[BaseState]) -> Iterator[type[BaseState]]:
    if state.__module__.startswith("dsf_app."):
        yield state
    for substate in state.get_substates():
        yield from _dsf_states(substate)


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
