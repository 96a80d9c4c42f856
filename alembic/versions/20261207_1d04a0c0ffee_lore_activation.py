"""lore activation: an entry's World Info rules as a typed column, a conversation's lore timers

`codex_entry.activation` holds the entry's activation rules (`dsf_app.models.lore_rules.
ActivationRules`); the World Info fields earlier imports kept in `extra` move there (validated:
a bad value is dropped), and so do regular-expression keys kept as aliases. Downgrade puts them
back in `extra` under their World Info names. `chat_conversation.lore_timers` holds the sticky
and cooldown timers of a conversation.

Revision ID: 1d04a0c0ffee
Revises: 1d03a0c0ffee
Create Date: 2026-12-07 21:00:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from dsf_app.models.lore_rules import WORLD_INFO_FIELDS, ActivationRules, parse_regex

revision: str = "1d04a0c0ffee"
down_revision: str | None = "1d03a0c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The `extra` keys that became rules: World Info names, and DSF's own flag for the name.
MOVED = {*WORLD_INFO_FIELDS.values(), "selectiveLogic", "selective", "dsf_name_is_key"}
ENTRIES = sa.table(
    "codex_entry",
    sa.column("id", postgresql.UUID(as_uuid=True)),
    sa.column("aliases", postgresql.JSONB),
    sa.column("extra", postgresql.JSONB),
    sa.column("activation", postgresql.JSONB),
)


def _json_column(name: str) -> sa.Column[Any]:
    return sa.Column(name, postgresql.JSONB, nullable=False, server_default=sa.text("'{}'"))


def upgrade() -> None:
    op.add_column("codex_entry", _json_column("activation"))
    op.alter_column("codex_entry", "activation", server_default=None)
    op.add_column("chat_conversation", _json_column("lore_timers"))
    op.alter_column("chat_conversation", "lore_timers", server_default=None)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(ENTRIES.c.id, ENTRIES.c.aliases, ENTRIES.c.extra).where(
            sa.or_(
                sa.func.jsonb_typeof(ENTRIES.c.extra) == "object",
                sa.func.jsonb_typeof(ENTRIES.c.aliases) == "array",
            )
        )
    ).all()
    for entry_id, aliases, extra in rows:
        extra = extra if isinstance(extra, dict) else {}
        aliases = aliases if isinstance(aliases, list) else []
        regexes = [a for a in aliases if isinstance(a, str) and parse_regex(a)]
        if not regexes and not MOVED & set(extra):
            continue
        rules, _plain, _problems = ActivationRules.from_world_info({**extra, "key": regexes})
        if extra.get("dsf_name_is_key") is False:
            rules = rules.model_copy(update={"name_is_key": False})
        connection.execute(
            ENTRIES.update()
            .where(ENTRIES.c.id == entry_id)
            .values(
                aliases=[a for a in aliases if a not in regexes],
                extra={k: v for k, v in extra.items() if k not in MOVED},
                activation=rules.model_dump(mode="json", exclude_defaults=True),
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(ENTRIES.c.id, ENTRIES.c.aliases, ENTRIES.c.extra, ENTRIES.c.activation).where(
            ENTRIES.c.activation != sa.text("'{}'::jsonb")
        )
    ).all()
    for entry_id, aliases, extra, activation in rows:
        rules = ActivationRules.lenient(activation)[0]
        fields = rules.to_world_info()
        back = {
            name: value
            for name, value in fields.items()
            if name != "key" and json.dumps(value) != json.dumps(_default(name))
        }
        if not rules.name_is_key:
            back["dsf_name_is_key"] = False
        connection.execute(
            ENTRIES.update()
            .where(ENTRIES.c.id == entry_id)
            .values(aliases=[*(aliases or []), *rules.keys], extra={**(extra or {}), **back})
        )
    op.drop_column("chat_conversation", "lore_timers")
    op.drop_column("codex_entry", "activation")


def _default(world_info_name: str) -> Any:
    return ActivationRules().to_world_info()[world_info_name]
