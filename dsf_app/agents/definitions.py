"""What the code defines for each agent kind: system prompt, tools and memory blocks.

An agent on the Letta server is brought to this definition when it is created and whenever
the definition changes (AgentDirectory compares digests), so a release that adds a tool, a
prompt line or a block reaches every agent made before it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from dsf_app.agents.prompts import PERSONAS, SYSTEM_PROMPTS
from dsf_app.agents.registry import tools_for
from dsf_app.letta.model_choice import ModelChoice
from dsf_app.models import AgentKind

BLOCK_LIMIT = 20_000


@dataclass(frozen=True)
class BlockDefinition:
    label: str
    description: str
    # A value the code fixes (the persona); None when DSF fills it from its data (memory.py).
    fixed: str | None = None
    limit: int = BLOCK_LIMIT


@dataclass(frozen=True)
class AgentDefinition:
    kind: AgentKind
    system: str
    tools: tuple[str, ...]
    blocks: tuple[BlockDefinition, ...]

    def digest(self, model: ModelChoice) -> str:
        """Changes whenever anything an agent should follow changes."""
        text = json.dumps([asdict(self), asdict(model)], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(block.label for block in self.blocks)


HUMAN = BlockDefinition("human", "The person you work with: their name and what they prefer.")
PROJECT = BlockDefinition(
    "project",
    "The world you keep, as stored now: its version, foundation (rules and list items with "
    "their ids), surface and constraints. Refreshed whenever the world changes.",
)
CONTEXT = BlockDefinition(
    "context",
    "The world you are making things for now: its premise and what a scene shows.",
)
ASSET_LIBRARY = BlockDefinition(
    "asset_library",
    "The newest assets of that world (ids, category, what they show): reuse them.",
)
# Written before each World Agent turn by `lore_block.py`, not filled from the data.
LORE = BlockDefinition(
    "lore",
    "Codex entries, foundation items and passages of the world's sources chosen for this turn "
    "(rewritten before each turn), with why each was chosen; cite a passage by its link.",
)
MEMORY_LABELS: dict[AgentKind, tuple[BlockDefinition, ...]] = {
    AgentKind.USER: (HUMAN,),
    AgentKind.WORLD: (HUMAN, PROJECT, LORE),
    AgentKind.EXPERIENCE: (HUMAN, CONTEXT, ASSET_LIBRARY),
}


def definition(kind: AgentKind) -> AgentDefinition:
    """The agent kind as the running code defines it (tools as registered now)."""
    persona = BlockDefinition("persona", "Who you are.", fixed=PERSONAS[kind])
    return AgentDefinition(
        kind=kind,
        system=SYSTEM_PROMPTS[kind],
        tools=tuple(sorted(tool.name for tool in tools_for(kind))),
        blocks=(persona, *MEMORY_LABELS[kind]),
    )
