"""The scripted fake LLM, exercised through the official openai SDK as Letta would use it."""

# The messages here are plain JSON on purpose (what any client sends), not the SDK's TypedDicts.
# pyright: reportArgumentType=false, reportCallIssue=false

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessage, ChatCompletionMessageFunctionToolCall

from tests.fakes.llm_server import DEFAULT_MODEL, Reply, ScriptedLLM, ToolCall, ToolCalls

WORLD_ARGS = {"operation": "create", "name": "Aurora", "tags": ["ice", "dawn"]}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "world_manager",
            "parameters": {"type": "object", "properties": {"operation": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def client(llm: ScriptedLLM) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.base_url, api_key="test", max_retries=0)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def tool_round(calls: list[dict[str, Any]], results: list[str]) -> list[dict[str, Any]]:
    """The assistant's tool-call message and one tool result per call, as a client sends back."""
    assistant = {"role": "assistant", "content": None, "tool_calls": calls}
    tool_messages = [
        {"role": "tool", "tool_call_id": call["id"], "content": result}
        for call, result in zip(calls, results, strict=True)
    ]
    return [assistant, *tool_messages]


def function_calls(message: ChatCompletionMessage) -> list[ChatCompletionMessageFunctionToolCall]:
    """The message's tool calls, which must be there and be function calls."""
    calls = message.tool_calls or []
    assert calls, "expected tool calls"
    assert all(isinstance(call, ChatCompletionMessageFunctionToolCall) for call in calls)
    return [call for call in calls if isinstance(call, ChatCompletionMessageFunctionToolCall)]


def as_dicts(tool_calls: list[Any]) -> list[dict[str, Any]]:
    return [call.model_dump(exclude_none=True) for call in tool_calls]


def test_tool_call_then_reply(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(
        r"make me a world",
        then=[ToolCall("world_manager", WORLD_ARGS), Reply("Your world is ready.")],
    )
    messages = [{"role": "system", "content": "You are DSF."}, user("Please make me a world")]

    first = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, tools=TOOLS)
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = function_calls(choice.message)
    assert call.id.startswith("call_")
    assert call.type == "function"
    assert call.function.name == "world_manager"
    assert json.loads(call.function.arguments) == WORLD_ARGS
    assert first.usage is not None and first.usage.total_tokens > 0

    messages += tool_round(as_dicts(choice.message.tool_calls), ['{"status": "created"}'])
    second = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, tools=TOOLS)
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "Your world is ready."
    assert second.choices[0].message.tool_calls is None

    assert len(llm.requests) == 2
    assert llm.requests[0]["tools"] == TOOLS
    assert llm.requests[1]["messages"][-1]["content"] == '{"status": "created"}'


async def test_streaming_tool_call_then_reply(llm: ScriptedLLM) -> None:
    llm.on_user(
        r"make me a world",
        then=[ToolCall("world_manager", WORLD_ARGS), Reply("Your world is ready, explorer.")],
    )
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="test", max_retries=0)
    messages = [user("make me a world")]

    stream = await client.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=messages,
        tools=TOOLS,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    deltas = [
        call
        for chunk in chunks
        if chunk.choices
        for call in chunk.choices[0].delta.tool_calls or []
    ]
    assert len(deltas) > 2, "arguments should arrive in several pieces"
    assert {delta.index for delta in deltas} == {0}
    call_id, name = deltas[0].id, deltas[0].function.name
    arguments = "".join(delta.function.arguments or "" for delta in deltas)
    assert name == "world_manager"
    assert json.loads(arguments) == WORLD_ARGS
    finish_reasons = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finish_reasons[-1] == "tool_calls"

    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    messages += tool_round([call], ["created"])
    stream = await client.chat.completions.create(
        model=DEFAULT_MODEL, messages=messages, tools=TOOLS, stream=True
    )
    chunks = [chunk async for chunk in stream]
    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(pieces) > 1, "text should arrive in several tokens"
    assert "".join(pieces) == "Your world is ready, explorer."
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(chunk.usage is None for chunk in chunks)


@pytest.mark.parametrize("stream", [False, True])
def test_malformed_arguments_pass_through(
    llm: ScriptedLLM, client: openai.OpenAI, stream: bool
) -> None:
    raw = '{"operation": "create", "name": '
    llm.on_user(r"break", then=[ToolCall("world_manager", raw)])

    if stream:
        chunks = client.chat.completions.create(
            model=DEFAULT_MODEL, messages=[user("break it")], stream=True
        )
        arguments = "".join(
            call.function.arguments or ""
            for chunk in chunks
            for call in chunk.choices[0].delta.tool_calls or []
        )
    else:
        response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("break")])
        arguments = function_calls(response.choices[0].message)[0].function.arguments

    assert arguments == raw


def test_parallel_tool_calls_then_reply(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(
        r"two things",
        then=[ToolCalls([ToolCall("a", {"n": 1}), ToolCall("b", {"n": 2})]), Reply("Both done.")],
    )
    messages = [user("do two things")]
    first = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages)
    calls = as_dicts(first.choices[0].message.tool_calls)
    assert [call["function"]["name"] for call in calls] == ["a", "b"]
    assert len({call["id"] for call in calls}) == 2

    together = messages + tool_round(calls, ["1", "2"])
    # A client may also record parallel calls as one assistant message per call.
    split = messages + tool_round(calls[:1], ["1"]) + tool_round(calls[1:], ["2"])
    for history in (together, split):
        reply = client.chat.completions.create(model=DEFAULT_MODEL, messages=history)
        assert reply.choices[0].message.content == "Both done."


def test_step_comes_from_the_messages_so_retries_repeat_it(
    llm: ScriptedLLM, client: openai.OpenAI
) -> None:
    llm.on_user(r"world", then=[ToolCall("world_manager", WORLD_ARGS), Reply("Done.")])
    for _ in range(2):
        response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("world")])
        assert function_calls(response.choices[0].message)[0].function.name == "world_manager"


def test_user_text_in_content_parts_or_json_wrapper(
    llm: ScriptedLLM, client: openai.OpenAI
) -> None:
    llm.on_user(r"it's a world", then=[Reply("Matched.")])
    parts = {"role": "user", "content": [{"type": "text", "text": "so it's a world"}]}
    wrapped = user(json.dumps({"type": "user_message", "message": "now it's a world"}))
    for message in (parts, wrapped):
        response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[message])
        assert response.choices[0].message.content == "Matched."


def test_first_registered_rule_wins(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(r"world", then=[Reply("first")])
    llm.on_user(r"world", then=[Reply("second")])
    response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("world")])
    assert response.choices[0].message.content == "first"


def test_default_reply_when_nothing_matches(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(r"make me a world", then=[Reply("Your world is ready.")])
    response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("hello")])
    assert response.choices[0].message.content == "OK."
    assert response.choices[0].finish_reason == "stop"

    llm.default_reply = Reply("Nothing scripted.")
    response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("hello")])
    assert response.choices[0].message.content == "Nothing scripted."


def test_default_reply_once_the_script_is_used_up(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(r"world", then=[ToolCall("world_manager", WORLD_ARGS)])
    first = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("world")])
    history = [user("world"), *tool_round(as_dicts(first.choices[0].message.tool_calls), ["ok"])]
    response = client.chat.completions.create(model=DEFAULT_MODEL, messages=history)
    assert response.choices[0].message.content == "OK."


def test_reset_forgets_rules_and_requests(llm: ScriptedLLM, client: openai.OpenAI) -> None:
    llm.on_user(r"world", then=[Reply("Scripted.")])
    client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("world")])
    llm.reset()
    assert llm.requests == []
    response = client.chat.completions.create(model=DEFAULT_MODEL, messages=[user("world")])
    assert response.choices[0].message.content == "OK."


def test_delay_holds_the_answer_and_survives_a_client_hanging_up(llm: ScriptedLLM) -> None:
    llm.on_user(r"slow", then=[Reply("Finally.", delay=0.5)])
    impatient = openai.OpenAI(base_url=llm.base_url, api_key="test", max_retries=0, timeout=0.1)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model=DEFAULT_MODEL, messages=[user("slow")])

    patient = openai.OpenAI(base_url=llm.base_url, api_key="test", max_retries=0)
    started = time.monotonic()
    response = patient.chat.completions.create(model=DEFAULT_MODEL, messages=[user("slow")])
    assert time.monotonic() - started >= 0.5
    assert response.choices[0].message.content == "Finally."


def test_embeddings_are_deterministic_with_the_requested_dimension(
    client: openai.OpenAI,
) -> None:
    first = client.embeddings.create(model="text-embedding-3-small", input="a frozen world")
    again = client.embeddings.create(model="text-embedding-3-small", input="a frozen world")
    assert len(first.data[0].embedding) == 1536
    assert first.data[0].embedding == again.data[0].embedding

    both = client.embeddings.create(
        model="text-embedding-3-small", input=["a frozen world", "a desert world"], dimensions=64
    )
    vectors = [item.embedding for item in both.data]
    assert [len(vector) for vector in vectors] == [64, 64]
    assert vectors[0] != vectors[1]


def test_embedding_dimension_is_configurable() -> None:
    with ScriptedLLM(embedding_dim=8) as llm:
        client = openai.OpenAI(base_url=llm.base_url, api_key="test")
        response = client.embeddings.create(model="text-embedding-3-small", input="x")
        assert len(response.data[0].embedding) == 8


def test_models_lists_the_model(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == [DEFAULT_MODEL]


def test_models_are_configurable_and_unknown_paths_404() -> None:
    with ScriptedLLM(models=["m1", "m2"]) as llm:
        client = openai.OpenAI(base_url=llm.base_url, api_key="test")
        assert [model.id for model in client.models.list()] == ["m1", "m2"]
        assert httpx.post(f"{llm.base_url}/responses", json={}).status_code == 404
