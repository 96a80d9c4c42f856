"""Conversations, regenerate and edit-and-resend: the stored turns (every one kept), and what
the agent really has in its context on the Letta server — checked in the requests the scripted
model receives."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.events import TurnEvent
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind
from dsf_app.services import conversations, turns
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.fakes.llm_server import Reply, ScriptedLLM, message_text


def _person() -> Actor:
    with session_scope() as session:
        return Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Ada").id)


@pytest.fixture
def person(dsf_in_process: Settings) -> Actor:
    return _person()


async def _ignore(event: TurnEvent) -> None:
    return None


async def _turn(
    orchestrator: Orchestrator,
    person: Actor,
    text: str,
    *,
    replaces: uuid.UUID | None = None,
    kind: turns.MessageKind = "user",
) -> uuid.UUID:
    record = turns.start(
        person, AgentKind.USER, None, None, text, replaces_run_id=replaces, message_kind=kind
    )
    finished = await orchestrator.run(person, record, _ignore)
    assert finished.stop_reason == "end_turn", finished.error
    return record.run_id


def _said(llm: ScriptedLLM) -> list[str]:
    """What the agent had in its context in the model's last request (system prompt aside)."""
    messages: list[dict[str, Any]] = llm.requests[-1]["messages"]
    return [message_text(m) for m in messages if m.get("role") in ("user", "assistant")]


def _contents(person: Actor, conversation_id: uuid.UUID | None = None) -> list[str]:
    stored = turns.conversation(person, None, limit=50, conversation_id=conversation_id)
    return [m.content for m in stored.messages]


async def test_a_new_conversation_leaves_the_old_messages_out_of_the_agents_context(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"kelp {tag}", then=[Reply(f"Kelp noted {tag}.")])
    llm.on_user(f"tides {tag}", then=[Reply("Tides it is.")])
    await _turn(orchestrator, person, f"remember the kelp {tag}")
    with session_scope() as session:
        first = conversations.current(session, person, None).id
        fresh = conversations.start_new(session, person, None)
    assert fresh != first
    await _turn(orchestrator, person, f"now the tides {tag}")

    context = "\n".join(_said(llm))
    assert f"now the tides {tag}" in context
    assert "kelp" not in context  # neither the old message nor the old reply
    assert _contents(person) == [f"now the tides {tag}", "Tides it is."]
    assert _contents(person, first) == [f"remember the kelp {tag}", f"Kelp noted {tag}."]
    with session_scope() as session:
        listed = conversations.list_conversations(session, person, None)
        # Nothing said yet in a new conversation: asking again gives the same one.
        assert conversations.start_new(session, person, None) != fresh
    assert [(c.id, c.current, c.messages) for c in listed] == [(fresh, True, 2), (first, False, 2)]
    assert listed[1].title == f"remember the kelp {tag}"


async def test_regenerate_and_edit_replace_the_last_turn_in_context_and_keep_it_stored(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"before {tag}", then=[Reply("Earlier reply.")])
    llm.on_user(f"ask {tag}", then=[Reply(f"Reply {tag}.")])
    llm.on_user(f"edited {tag}", then=[Reply("Answer to the edit.")])
    await _turn(orchestrator, person, f"before {tag}")
    asked = await _turn(orchestrator, person, f"ask {tag}")
    assert turns.conversation(person, None, limit=50).last_run == asked

    again = await _turn(orchestrator, person, f"ask {tag}", replaces=asked, kind="regenerate")
    context = _said(llm)
    assert context.count(f"ask {tag}") == 1  # the message once, the old reply gone
    assert f"Reply {tag}." not in context
    assert "Earlier reply." in context  # the turn before stays

    # Only the last turn can be replaced.
    with pytest.raises(Invalid):
        turns.start(person, AgentKind.USER, None, None, "x", replaces_run_id=asked)
    await _turn(orchestrator, person, f"edited {tag}", replaces=again, kind="edit")
    context = _said(llm)
    assert f"edited {tag}" in context and f"ask {tag}" not in context
    stored = turns.conversation(person, None, limit=50).messages
    assert [(m.message_type, m.content) for m in stored if m.role != "system"] == [
        ("user", f"before {tag}"),
        ("assistant", "Earlier reply."),
        ("user", f"ask {tag}"),
        ("assistant", f"Reply {tag}."),
        ("regenerate", f"ask {tag}"),
        ("assistant", f"Reply {tag}."),
        ("edit", f"edited {tag}"),
        ("assistant", "Answer to the edit."),
    ]


def test_conversations_are_the_persons_own(dsf_in_process: Settings) -> None:
    ada, bob = _person(), _person()
    with session_scope() as session:
        mine = conversations.current(session, ada, None).id
    with pytest.raises(NotFound):
        turns.conversation(bob, None, limit=10, conversation_id=mine)
    with session_scope() as session, pytest.raises(NotFound):
        conversations.context_cleared(session, bob, mine)
