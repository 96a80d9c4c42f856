"""Get-or-create each person's agents on Letta, with their tools, memory blocks and model.

One User Agent and one Experience Agent per person (never shared between people), and one
World Agent per person per world, so two collaborators never talk over each other in one
Letta agent. Which Letta agent serves whom is kept in AgentRecord.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from letta_client import AsyncLetta
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dsf_app.agents import lore_block
from dsf_app.agents.model_choice import choose_model
from dsf_app.agents.prompts import PERSONAS, SYSTEM_PROMPTS
from dsf_app.agents.registry import TOOLS, tools_for
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRecord, World
from dsf_app.services import users, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings

BLOCK_LIMIT = 20_000
PREFERRED_EMBEDDING = "openai/text-embedding-3-small"


def _block(label: str, value: str, description: str) -> dict[str, Any]:
    return {
        "label": label,
        "value": value[:BLOCK_LIMIT],
        "limit": BLOCK_LIMIT,
        "description": description,
    }


def world_block_value(world: World) -> str:
    return json.dumps(
        {
            "world_id": str(world.id),
            "name": world.name,
            "description": world.description,
            "version": world.version,
            "foundation": world.foundation,
            "surface": world.surface,
            "constraints": world.constraints,
        },
        indent=1,
    )


class AgentDirectory:
    """Finds or creates the Letta agent that serves a person in a context."""

    # Per Letta server (by URL): what was upserted and which models it offers.
    _tool_ids: dict[str, dict[str, str]] = {}
    _models: dict[str, tuple[str, str | None]] = {}
    _lock = asyncio.Lock()

    def __init__(self, letta: AsyncLetta, settings: Settings | None = None) -> None:
        self.letta = letta
        self.settings = settings or get_settings()

    async def tool_ids(self) -> dict[str, str]:
        """Upsert every DSF tool once per process (idempotent on the server too)."""
        server = str(self.letta.base_url)
        async with self._lock:
            if server not in self._tool_ids:
                ids = {}
                for tool in TOOLS.values():
                    upserted = await self.letta.tools.upsert(
                        source_code=tool.source_code(),
                        json_schema=tool.json_schema(),
                        default_requires_approval=True,
                    )
                    ids[tool.name] = upserted.id
                self._tool_ids[server] = ids
            return self._tool_ids[server]

    async def models(self) -> tuple[str, str | None]:
        server = str(self.letta.base_url)
        if server not in self._models:
            handles = [m.handle for m in await self.letta.models.list() if m.handle]
            embeddings = [e.handle for e in await self.letta.models.embeddings.list() if e.handle]
            embedding = (
                PREFERRED_EMBEDDING
                if PREFERRED_EMBEDDING in embeddings
                else next(iter(embeddings), None)
            )
            self._models[server] = (choose_model(self.settings, handles), embedding)
        return self._models[server]

    async def agent_id(
        self, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None = None
    ) -> str:
        world_key = world_id if kind == AgentKind.WORLD else None
        with session_scope() as session:
            found = _find(session, actor, kind, world_key)
            if found:
                return found
            blocks = _blocks(session, actor, kind, world_key)
        created = await self._create(actor, kind, blocks)
        try:
            with session_scope() as session:
                session.add(
                    AgentRecord(
                        kind=kind, letta_agent_id=created, user_id=actor.user_id, world_id=world_key
                    )
                )
        except IntegrityError:
            # Another turn created it first: keep theirs, drop ours.
            await self.letta.agents.delete(created)
            with session_scope() as session:
                return _find(session, actor, kind, world_key) or created
        return created

    async def _create(self, actor: Actor, kind: AgentKind, blocks: list[dict[str, Any]]) -> str:
        tool_ids = await self.tool_ids()
        model, embedding = await self.models()
        extra = {"embedding": embedding} if embedding else {}
        agent = await self.letta.agents.create(
            name=f"dsf-{kind.value}-{actor.user_id.hex[:8]}-{uuid.uuid4().hex[:6]}",
            model=model,
            system=SYSTEM_PROMPTS[kind],
            memory_blocks=blocks,
            tool_ids=[tool_ids[tool.name] for tool in tools_for(kind)],
            parallel_tool_calls=True,
            tags=["dsf", kind.value, str(actor.user_id)],
            **extra,
        )
        return agent.id

    async def sync_world(self, actor: Actor, world_id: uuid.UUID) -> None:
        """Refresh the World Agent's `project` block after the world changed."""
        with session_scope() as session:
            found = _find(session, actor, AgentKind.WORLD, world_id)
            value = world_block_value(worlds.get_world(session, actor, world_id)) if found else ""
        if found:
            await self.letta.agents.blocks.update(
                "project", agent_id=found, value=value[:BLOCK_LIMIT]
            )


def _find(
    session: Session, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None
) -> str | None:
    return session.exec(
        select(AgentRecord.letta_agent_id).where(
            AgentRecord.kind == kind,
            AgentRecord.user_id == actor.user_id,
            AgentRecord.world_id == world_id,
        )
    ).first()


def _blocks(
    session: Session, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    user = users.get_user(session, actor.user_id)
    human = f"Name: {user.name or 'unknown'}\nPreferences: {json.dumps(user.preferences)}"
    blocks = [
        _block("persona", PERSONAS[kind], "Who you are."),
        _block("human", human, "The person you work with and what they prefer."),
    ]
    if kind == AgentKind.WORLD and world_id is not None:
        world = worlds.get_world(session, actor, world_id)
        blocks += [
            _block("project", world_block_value(world), "The world you keep: its foundation."),
            _block("current_story", "", "The story being written now, if any."),
            _block(lore_block.LABEL, "", lore_block.DESCRIPTION),
        ]
    if kind == AgentKind.EXPERIENCE:
        blocks += [
            _block("context", "", "The world and scene you are making things for."),
            _block("visual_style", "", "The visual style to keep consistent."),
            _block("asset_library", "", "Assets made so far (ids and what they show)."),
        ]
    return blocks
