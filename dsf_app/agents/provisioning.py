"""Get-or-create each person's agents on Letta, and keep each one following the code and data.

One User Agent and one Experience Agent per person (never shared between people), and one
World Agent per person per world, so two collaborators never talk over each other in one
Letta agent. Which Letta agent serves whom is kept in AgentRecord (`services/agent_records.py`),
with digests of what the agent was last brought to. When a turn looks an agent up, a changed
definition (system prompt, tools, blocks, model — definitions.py) is applied to it, and the
memory blocks DSF fills (memory.py) are rewritten if their data changed: the person's
preferences, or a new version of the world from any source. An agent that is up to date costs
no call to Letta. An agent whose model the configured servers no longer offer is moved to the
agents' model (`letta/model_choice.py`), and the look-up says so, for the chat.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from letta_client import AsyncLetta, omit
from letta_client.types import Tool
from letta_client.types.agents import Block
from sqlalchemy.exc import IntegrityError

from dsf_app.agents import follow_lock, memory
from dsf_app.agents.definitions import AgentDefinition, definition
from dsf_app.agents.registry import TOOLS
from dsf_app.db import session_scope
from dsf_app.letta.model_choice import ModelChoice, OfferedModels, offered_models
from dsf_app.models import AgentKind
from dsf_app.services import agent_records
from dsf_app.services.actor import Actor
from dsf_app.services.agent_records import AgentEntry
from dsf_app.settings import Settings, get_settings

# Tools Letta attaches itself (memory_replace, conversation_search…) are not "custom".
OWN_TOOL_TYPE = "custom"


@dataclass(frozen=True)
class Followed:
    """The agent serving a turn, up to date; `moved`: the chat's sentence when its model went
    away and it now runs on another."""

    agent_id: str
    moved: str | None = None


class AgentDirectory:
    """Finds, creates and updates the Letta agent that serves a person in a context."""

    # Per Letta server (by URL), per process: the tools upserted.
    _tool_ids: dict[str, dict[str, str]] = {}
    _lock = asyncio.Lock()

    def __init__(self, letta: AsyncLetta, settings: Settings | None = None) -> None:
        self.letta = letta
        self.settings = settings or get_settings()

    async def tool_ids(self) -> dict[str, str]:
        """Upsert each DSF tool once per process (idempotent on the server too), including a
        tool registered after the first call."""
        server = str(self.letta.base_url)
        async with self._lock:
            ids = self._tool_ids.setdefault(server, {})
            for tool in TOOLS.values():
                if tool.name not in ids:
                    upserted = await self.letta.tools.upsert(
                        source_code=tool.source_code(),
                        json_schema=tool.json_schema(),
                        default_requires_approval=True,
                    )
                    ids[tool.name] = upserted.id
            return dict(ids)

    async def models(self) -> ModelChoice:
        return (await offered_models(self.letta, self.settings)).choice

    async def agent_id(
        self, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None = None
    ) -> str:
        """The agent serving `actor` here, created or brought up to date first."""
        return (await self.follow(actor, kind, world_id)).agent_id

    async def follow(
        self, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None = None
    ) -> Followed:
        """`agent_id`, saying whether the agent had to leave a model that went away."""
        offered = await offered_models(self.letta, self.settings)
        model = offered.choice
        wanted = definition(kind)
        found, blocks = await asyncio.to_thread(_look_up, actor, kind, world_id)
        if found is None:
            return Followed(await self._create(actor, kind, world_id, wanted, model, blocks))
        digest = wanted.digest(model)
        memory_digests = dict(found.memory_digests)
        moved = None
        if found.definition_digest != digest:
            async with follow_lock.following(found.letta_agent_id, self.settings):
                created, moved = await self._follow_code(
                    found.letta_agent_id, wanted, offered, blocks
                )
            memory_digests |= {label: memory.digest(blocks[label]) for label in created}
        await self._refresh(actor, found, digest, memory_digests, blocks)
        return Followed(found.letta_agent_id, moved)

    async def sync_world(self, actor: Actor, world_id: uuid.UUID) -> None:
        """Rewrite the World Agent's memory now that the world changed, so the rest of the
        turn reads the new version (the next lookup would do it at the latest)."""
        found, blocks = await asyncio.to_thread(_look_up, actor, AgentKind.WORLD, world_id)
        if found is not None:
            await self._refresh(
                actor, found, found.definition_digest, dict(found.memory_digests), blocks
            )

    async def _refresh(
        self,
        actor: Actor,
        found: AgentEntry,
        digest: str,
        memory_digests: dict[str, Any],
        blocks: dict[str, str],
    ) -> None:
        """Write the blocks whose data changed, then record what the agent now holds."""
        stale = {
            label: value
            for label, value in blocks.items()
            if memory_digests.get(label) != memory.digest(value)
        }
        for label, value in stale.items():
            await self.letta.agents.blocks.update(label, agent_id=found.letta_agent_id, value=value)
            memory_digests[label] = memory.digest(value)
        if stale or digest != found.definition_digest:
            await asyncio.to_thread(_record, actor, found.record_id, digest, memory_digests)

    async def _create(
        self,
        actor: Actor,
        kind: AgentKind,
        world_id: uuid.UUID | None,
        wanted: AgentDefinition,
        model: ModelChoice,
        blocks: dict[str, str],
    ) -> str:
        tool_ids = await self.tool_ids()
        agent = await self.letta.agents.create(
            name=f"dsf-{kind.value}-{actor.user_id.hex[:8]}-{uuid.uuid4().hex[:6]}",
            model=model.handle,
            system=wanted.system,
            memory_blocks=[
                {
                    "label": block.label,
                    "value": block.fixed if block.fixed is not None else blocks[block.label],
                    "limit": block.limit,
                    "description": block.description,
                }
                for block in wanted.blocks
            ],
            tool_ids=[tool_ids[name] for name in wanted.tools],
            parallel_tool_calls=True,
            tags=["dsf", kind.value, str(actor.user_id)],
            embedding=model.embedding or omit,
        )
        digests = {label: memory.digest(value) for label, value in blocks.items()}
        try:
            await asyncio.to_thread(
                _add, actor, kind, world_id, agent.id, wanted.digest(model), digests
            )
        except IntegrityError:
            # Another turn created it first: keep theirs, drop ours.
            await self.letta.agents.delete(agent.id)
            found, _ = await asyncio.to_thread(_look_up, actor, kind, world_id)
            return found.letta_agent_id if found else agent.id
        return agent.id

    async def _follow_code(
        self,
        agent_id: str,
        wanted: AgentDefinition,
        offered: OfferedModels,
        blocks: dict[str, str],
    ) -> tuple[set[str], str | None]:
        """Bring an existing agent to the definition: the labels of blocks it had to create,
        and the sentence saying its model went away, if it did."""
        model = offered.choice
        state = await self.letta.agents.retrieve(agent_id, include=["agent.tools", "agent.blocks"])
        llm = state.llm_config
        new_model = (llm.handle, llm.api_model_endpoint) != (model.handle, model.endpoint)
        embedding = state.embedding_config.handle if state.embedding_config else None
        new_embedding = bool(model.embedding) and embedding != model.embedding
        if state.system != wanted.system or new_model or new_embedding:
            await self.letta.agents.update(
                agent_id,
                system=wanted.system if state.system != wanted.system else omit,
                model=model.handle if new_model else omit,
                parallel_tool_calls=True if new_model else omit,
                embedding=model.embedding if new_embedding else omit,
            )
        await self._follow_tools(agent_id, wanted, state.tools or [])
        created = await self._follow_blocks(agent_id, wanted, state.blocks or [], blocks)
        # The model reads a system message compiled from the prompt and blocks; Letta rebuilds
        # it on a block edit but not on a new prompt.
        await self.letta.agents.recompile(agent_id)
        return created, offered.moved(llm.handle) if new_model else None

    async def _follow_tools(
        self, agent_id: str, wanted: AgentDefinition, tools: list[Tool]
    ) -> None:
        ids = await self.tool_ids()
        attached = {
            tool.name: tool.id for tool in tools if tool.name and tool.tool_type == OWN_TOOL_TYPE
        }
        for name in sorted(set(wanted.tools) - attached.keys()):
            await self.letta.agents.tools.attach(ids[name], agent_id=agent_id)
        for name in sorted(attached.keys() - set(wanted.tools)):
            await self.letta.agents.tools.detach(attached[name], agent_id=agent_id)

    async def _follow_blocks(
        self, agent_id: str, wanted: AgentDefinition, have: list[Block], blocks: dict[str, str]
    ) -> set[str]:
        current = {block.label: block for block in have if block.label}
        created = set()
        for block in wanted.blocks:
            value = block.fixed if block.fixed is not None else blocks[block.label]
            existing = current.get(block.label)
            if existing is None:
                new = await self.letta.blocks.create(
                    label=block.label,
                    value=value,
                    limit=block.limit,
                    description=block.description,
                )
                await self.letta.agents.blocks.attach(new.id, agent_id=agent_id)
                created.add(block.label)
            elif (existing.description, existing.limit) != (block.description, block.limit) or (
                block.fixed is not None and existing.value != block.fixed
            ):
                await self.letta.agents.blocks.update(
                    block.label,
                    agent_id=agent_id,
                    description=block.description,
                    limit=block.limit,
                    value=block.fixed if block.fixed is not None else omit,
                )
        dropped = sorted(
            block.id for label, block in current.items() if label not in wanted.labels and block.id
        )
        for block_id in dropped:
            await self.letta.agents.blocks.detach(block_id, agent_id=agent_id)
            await self.letta.blocks.delete(block_id)
        return created


def _look_up(
    actor: Actor, kind: AgentKind, world_id: uuid.UUID | None
) -> tuple[AgentEntry | None, dict[str, str]]:
    """The agent's record (if any) and its data-filled blocks as they should read now."""
    with session_scope() as session:
        found = agent_records.find(session, actor, kind, world_id)
        return found, memory.values(session, actor, kind, world_id)


def _add(
    actor: Actor,
    kind: AgentKind,
    world_id: uuid.UUID | None,
    letta_agent_id: str,
    digest: str,
    memory_digests: dict[str, Any],
) -> None:
    with session_scope() as session:
        agent_records.add(session, actor, kind, world_id, letta_agent_id, digest, memory_digests)


def _record(
    actor: Actor, record_id: uuid.UUID, digest: str, memory_digests: dict[str, Any]
) -> None:
    with session_scope() as session:
        agent_records.brought_to(session, actor, record_id, digest, memory_digests)
