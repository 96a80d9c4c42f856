"""The real Letta server answers, and an agent on the scripted fake model replies."""

from __future__ import annotations

import httpx

from dsf_app.letta.connection import connect
from dsf_app.settings import Settings
from tests.conftest import FAKE_MODEL
from tests.fakes.llm_server import Reply, ScriptedLLM


def test_letta_health(letta_url: str) -> None:
    assert httpx.get(f"{letta_url}/v1/health/").json()["status"] == "ok"


async def test_agent_on_fake_model_replies(
    test_settings: Settings, letta_url: str, llm: ScriptedLLM
) -> None:
    client = connect(test_settings)
    handles = [model.handle for model in await client.models.list()]
    assert f"openai-proxy/{FAKE_MODEL}" in handles

    agent = await client.agents.create(
        name="harness-check",
        model=f"openai-proxy/{FAKE_MODEL}",
        embedding="openai/text-embedding-3-small",
        memory_blocks=[{"label": "persona", "value": "A test agent."}],
        include_base_tools=False,
    )
    try:
        llm.on_user("ping the harness", then=[Reply("Harness is alive.")])
        response = await client.agents.messages.create(
            agent_id=agent.id, messages=[{"role": "user", "content": "ping the harness"}]
        )
        replies = [m.content for m in response.messages if m.message_type == "assistant_message"]
        assert replies == ["Harness is alive."]
        assert response.stop_reason.stop_reason == "end_turn"
    finally:
        await client.agents.delete(agent.id)
