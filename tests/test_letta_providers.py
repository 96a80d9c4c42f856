"""A restart with another OPENAI_BASE_URL reaches the new model server: the Letta server's stored
provider and an agent made before the change both follow the setting."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import Notice, TextDelta, TurnEvent
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.db import session_scope
from dsf_app.devstack import letta, postgres, processes, stack
from dsf_app.letta.connection import connect
from dsf_app.letta.model_choice import forget_offered
from dsf_app.models import AgentKind
from dsf_app.services import turns
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.conftest import OPENAI_TEST_KEY
from tests.fakes.llm_server import Reply, ScriptedLLM

DEFAULT = "openai-proxy/dsf-fake-model"  # the stack's DSF_AGENT_MODEL
OTHER = "openai-proxy/other-fake-model"


class LettaServer:
    """A Letta server of its own (own database, port and files), restartable with new env."""

    def __init__(self, settings: Settings, cluster: postgres.PostgresCluster, home: Path) -> None:
        self.install = stack.letta_install(settings)
        self.cluster = cluster
        self.database = f"letta_providers_{uuid.uuid4().hex[:8]}"
        self.home = home
        self.files = processes.ProcessFiles("letta-providers", home / "run", home / "logs")
        self.port = processes.free_port()
        postgres.ensure_database(cluster.admin_uri, cluster.uri(self.database), self.database)

    def start(self, base_url: str) -> None:
        env = letta.server_env(
            self.cluster.uri(self.database),
            self.home / "letta",
            {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": OPENAI_TEST_KEY},
        )
        letta.migrate(self.install, env, self.home / "logs" / "migrate.log")
        letta.start(self.install, self.files, self.port, env)

    def stop(self) -> None:
        processes.stop_recorded(self.files)

    def drop(self) -> None:
        with psycopg.connect(self.cluster.admin_uri, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )


@pytest.fixture
def own_letta(
    test_settings: Settings, pg_cluster: postgres.PostgresCluster, tmp_path: Path
) -> Iterator[LettaServer]:
    tmp_path.chmod(0o755)
    server = LettaServer(test_settings, pg_cluster, tmp_path)
    yield server
    server.stop()
    server.drop()


@dataclass(frozen=True)
class Said:
    """What a turn showed in the chat: the agent's reply and the sentences that were not its."""

    reply: str
    notices: list[str]


async def _turn(settings: Settings, person: Actor, text: str) -> Said:
    """A User Agent turn through DSF, as a freshly started app would run it."""
    forget_offered(settings.letta_base_url)  # a new app chooses afresh
    reply: list[str] = []
    notices: list[str] = []

    async def keep(event: TurnEvent) -> None:
        if isinstance(event, TextDelta) and event.kind == "assistant":
            reply.append(event.text)
        elif isinstance(event, Notice):
            notices.append(event.text)

    async with connect(settings) as client:
        finished = await Orchestrator(client, AgentDirectory(client, settings)).run_turn(
            TurnRequest(person, AgentKind.USER, None, None, text), keep
        )
    assert finished.error is None, finished.error
    return Said("".join(reply), notices)


def _asked(llm: ScriptedLLM, phrase: str) -> bool:
    return phrase in str(llm.requests)


async def test_a_restart_with_a_new_base_url_reaches_the_new_model_server(
    own_letta: LettaServer, dsf_in_process: Settings
) -> None:
    with session_scope() as session:
        person = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Ada").id)
    settings = dsf_in_process.model_copy(update={"letta_port": own_letta.port})
    with ScriptedLLM() as first, ScriptedLLM() as second:
        own_letta.start(first.base_url)
        hello = f"hello first {uuid.uuid4().hex[:6]}"
        first.on_user(hello, then=[Reply("From the first server.")])
        assert (await _turn(settings, person, hello)).reply == "From the first server."

        own_letta.stop()
        own_letta.start(second.base_url)
        async with connect(settings) as client:
            endpoints = {m.handle: m.api_model_endpoint for m in await client.models.list()}
        assert endpoints["openai-proxy/dsf-fake-model"] == second.base_url

        again = f"hello second {uuid.uuid4().hex[:6]}"
        second.on_user(again, then=[Reply("From the second server.")])
        first.on_user(again, then=[Reply("From the old server.")])
        assert await _turn(settings, person, again) == Said("From the second server.", [])
        assert _asked(second, again) and not _asked(first, again)


async def _handles(settings: Settings) -> set[str]:
    async with connect(settings) as client:
        return {m.handle for m in await client.models.list() if m.handle}


async def test_switching_model_servers_there_and_back_keeps_every_model_usable(
    own_letta: LettaServer, dsf_in_process: Settings
) -> None:
    """A -> B -> A, each with a restart, B offering another model: after each switch the
    configured server's models are listed and a turn completes on them; when the agent's model
    went away, the chat says which one it uses now (live, and after a reload)."""
    with session_scope() as session:
        person = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Ada").id)
    settings = dsf_in_process.model_copy(update={"letta_port": own_letta.port})
    with ScriptedLLM() as a, ScriptedLLM(models=("other-fake-model",)) as b:
        switches = ((a, "a1", None, DEFAULT), (b, "b", DEFAULT, OTHER), (a, "a2", OTHER, DEFAULT))
        for server, phase, gone, model in switches:
            own_letta.stop()
            own_letta.start(server.base_url)
            assert model in await _handles(settings), phase
            text = f"hello {phase} {uuid.uuid4().hex[:6]}"
            server.on_user(text, then=[Reply(f"From {phase}.")])
            said = await _turn(settings, person, text)
            assert said.reply == f"From {phase}."
            assert server.requests[-1]["model"] == model.removeprefix("openai-proxy/")
            moved = [] if gone is None else [_moved(gone, model)]
            assert said.notices == moved, phase
            assert _stored_notices(person) == [
                *([_moved(DEFAULT, OTHER)] if phase != "a1" else []),
                *([_moved(OTHER, DEFAULT)] if phase == "a2" else []),
            ]


def _moved(gone: str, now: str) -> str:
    return (
        f"The model “{gone}” is no longer offered by the configured model servers; "
        f"this agent now uses “{now}”."
    )


def _stored_notices(person: Actor) -> list[str]:
    """The sentences about the turns that the chat shows after a reload."""
    return [
        message.content
        for message in turns.conversation(person, None, limit=50).messages
        if message.message_type == turns.NOTICE
    ]
