"""A model provider that fails the way real ones do — rate limited (429 with Retry-After), broken
(500), sent too long a conversation (OpenAI's context-length 400) or cut off mid-stream — ends
the turn with a sentence the person can act on, in the chat, with their message kept; through
the real Letta server and DSF's orchestrator. And the scripted model's opt-in strict mode fails a
message no rule expects, instead of answering "OK."."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.models import AgentKind
from dsf_app.services import turns
from dsf_app.services.actor import Actor
from tests.fakes.llm_server import (
    Dropped,
    Reply,
    ScriptedLLM,
    Step,
    context_too_long,
    rate_limited,
    server_error,
)
from tests.turn_events import Recorder

# What a sentence for a person never holds: the provider's JSON as Letta passes it on, and
# Letta's own error codes.
RAW = ("Error code:", "{'error'", "RATE_LIMIT_EXCEEDED", "CONTEXT_WINDOW_EXCEEDED", "Letta")


@dataclass(frozen=True)
class Failure:
    step: Step
    says: tuple[str, ...]  # what the sentence must say, besides the model server's address


FAILURES = {
    "rate limited": Failure(
        rate_limited(retry_after=1),
        ("is taking no more requests for now (429: ", "try again in 1s", "wait a little"),
    ),
    "server error": Failure(
        server_error(),
        ("failed while answering (500: ", "The server had an error", "press Retry"),
    ),
    "context too long": Failure(
        context_too_long(limit=8192),
        ("grown too long for the model", "maximum context length is 8192 tokens"),
    ),
    "dropped mid-stream": Failure(
        Dropped("The tide came in over the salt flats and the lanterns went out one by one."),
        ("broke off its answer midway", "press Retry"),
    ),
}


@pytest.mark.parametrize("kind", sorted(FAILURES))
async def test_a_failing_model_ends_the_turn_with_a_sentence_the_person_can_act_on(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, kind: str
) -> None:
    failure = FAILURES[kind]
    message = f"tell me about the tides {uuid.uuid4().hex[:6]}"
    llm.on_user(message, then=[failure.step])

    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, message), Recorder()
    )

    sentence = failed.error or ""
    assert sentence.startswith(
        ("The model server at " + llm.base_url, "This conversation has grown too long")
    ), sentence
    assert llm.base_url in sentence
    for words in (*failure.says, "Your message is saved"):
        assert words in sentence, f"{words!r} not in {sentence!r}"
    assert not [raw for raw in RAW if raw in sentence], sentence
    conversation = turns.conversation(person, None, limit=50)
    shown = [(m.message_type, m.content) for m in conversation.messages]
    assert shown[0] == ("user", message)
    assert ("error", sentence) in shown
    assert conversation.retry_run == failed.run_id


async def test_the_model_is_asked_again_after_a_rate_limit_and_the_turn_goes_on(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    message = f"slow down {uuid.uuid4().hex[:6]}"
    llm.on_user(message, then=[rate_limited(retry_after=1)])
    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, message), Recorder()
    )
    assert failed.run_id is not None and "429" in (failed.error or "")

    llm.reset()
    llm.on_user(message, then=[Reply("The tide turns at six.")])
    retried = await orchestrator.resume(person, failed.run_id, Recorder())

    assert (retried.stop_reason, retried.error) == ("end_turn", None)
    replies = [
        m.content
        for m in turns.conversation(person, None, limit=50).messages
        if m.message_type == "assistant"
    ]
    assert replies == ["The tide turns at six."]


def _chat(server: ScriptedLLM, text: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/completions",
        json={"model": "dsf-fake-model", "messages": [{"role": "user", "content": text}]},
        timeout=10,
    )


def test_the_fake_sends_openai_error_shapes_and_retry_after() -> None:
    with ScriptedLLM() as server:
        server.on_user("busy", then=[rate_limited(retry_after=7)])
        server.on_user("long", then=[context_too_long()])
        busy, long = _chat(server, "busy"), _chat(server, "long")

    assert busy.status_code == 429 and busy.headers["retry-after"] == "7"
    assert busy.json()["error"]["code"] == "rate_limit_exceeded"
    assert long.status_code == 400
    assert long.json()["error"] | {"message": ""} == {
        "message": "",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }


def test_strict_mode_fails_a_message_no_rule_expects_and_names_it() -> None:
    with ScriptedLLM(strict=True) as strict, ScriptedLLM() as lenient:
        strict.on_user("expected", then=[Reply("Yes.")])
        answered, unexpected = _chat(strict, "expected"), _chat(strict, "somewhere else")
        default = _chat(lenient, "somewhere else")

    assert answered.json()["choices"][0]["message"]["content"] == "Yes."
    assert unexpected.status_code == 500
    assert "somewhere else" in unexpected.json()["error"]["message"]
    assert strict.unscripted == ["somewhere else"]
    assert default.json()["choices"][0]["message"]["content"] == "OK."
