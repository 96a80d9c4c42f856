"""An entry's activation rules as one typed model: World Info fields in and out, a bad value
dropped (never the entry), regex keys as SillyTavern reads them, and the migration that moved
the rules out of `extra` for entries imported before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, create_engine, text
from sqlalchemy.dialects.postgresql import JSONB

from alembic import command
from dsf_app import db
from dsf_app.models.lore_rules import ActivationRules, Logic, parse_regex

WORLD_INFO = {
    "key": ["Ife", r"/\bwarp\b/i"],
    "keysecondary": ["dock"],
    "selectiveLogic": 2,
    "caseSensitive": True,
    "matchWholeWords": False,
    "scanDepth": 3,
    "excludeRecursion": True,
    "preventRecursion": True,
    "delayUntilRecursion": 2,
    "probability": 40,
    "useProbability": True,
    "sticky": 2,
    "cooldown": 1,
    "delay": 3,
    "group": "weather, sea",
    "groupWeight": 30,
    "groupOverride": True,
    "useGroupScoring": True,
    "order": 250,
    "ignoreBudget": True,
}


def test_world_info_fields_map_both_ways() -> None:
    rules, plain, problems = ActivationRules.from_world_info(WORLD_INFO)
    assert (plain, problems) == (["Ife"], [])
    assert rules.keys == [r"/\bwarp\b/i"] and rules.logic is Logic.NOT_ANY
    assert rules.groups == ["weather", "sea"]
    back = rules.to_world_info()
    assert {name: back[name] for name in WORLD_INFO if name != "key"} == {
        name: value for name, value in WORLD_INFO.items() if name != "key"
    }
    assert back["key"] == [r"/\bwarp\b/i"]
    assert ActivationRules.from_world_info(rules.to_world_info())[0] == rules


def test_a_bad_value_loses_only_its_field() -> None:
    rules, _, problems = ActivationRules.from_world_info(
        {
            "key": ["Ife"],
            "caseSensitive": 2,
            "sticky": "soon",
            "order": 5,
            "delayUntilRecursion": True,
        }
    )
    assert (rules.case_sensitive, rules.sticky, rules.order) == (None, 0, 5)
    assert rules.delay_until_recursion == 1
    assert problems == ["“case_sensitive” is not valid (2)", "“sticky” is not valid ('soon')"]
    assert ActivationRules.lenient("nonsense") == (
        ActivationRules(),
        ["the rules are not an object"],
    )


def test_regex_keys_as_sillytavern_reads_them() -> None:
    warp = parse_regex(r"/\bwarp\b/i")
    assert warp is not None and warp.search("WARP drive") and not warp.search("warpath")
    assert parse_regex("warp") is None
    assert parse_regex("/a/b/") is None  # an unescaped slash inside: a plain key
    assert parse_regex("/(unclosed/") is None  # does not compile: a plain key


def _filler(kind: str) -> Any:
    """A value for a required column of this type."""
    if kind == "uuid":
        return uuid.uuid4()
    if kind == "jsonb":
        return {}
    if kind in ("boolean", "integer"):
        return 0 if kind == "integer" else False
    return datetime.now(UTC) if kind.startswith("timestamp") else "x"


def _insert(conn: Connection, table: str, **values: Any) -> None:
    """A row of `table` as the schema of the moment requires it, with `values`."""
    for column, kind in conn.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        ),
        {"t": table},
    ).all():
        values.setdefault(column, _filler(kind))
    names = ", ".join(f'"{n}"' for n in values)
    holes = ", ".join(f":{n}" for n in values)
    jsons = [bindparam(n, type_=JSONB) for n, v in values.items() if isinstance(v, dict | list)]
    conn.execute(
        text(f'INSERT INTO "{table}" ({names}) VALUES ({holes})').bindparams(*jsons), values
    )


def test_the_migration_moves_rules_out_of_extra(empty_database: str) -> None:
    config = db.alembic_config(empty_database)
    command.upgrade(config, "1d03a0c0ffee")
    engine = create_engine(empty_database)
    user, world, entry = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    extra = {
        "caseSensitive": 2,
        "sticky": 2,
        "selectiveLogic": 3,
        "keysecondary": ["dock"],
        "position": 1,
        "dsf_name_is_key": False,
    }
    with engine.begin() as conn:
        _insert(conn, "user", id=user)
        _insert(conn, "world", id=world, owner_id=user)
        aliases = ["Ife O", r"/\bife\b/i"]
        _insert(conn, "codex_entry", id=entry, world_id=world, aliases=aliases, extra=extra)
    command.upgrade(config, "1d04a0c0ffee")
    with engine.connect() as conn:
        aliases, moved, activation = conn.execute(
            text("SELECT aliases, extra, activation FROM codex_entry WHERE id = :e"), {"e": entry}
        ).one()
    assert aliases == ["Ife O"] and moved == {"position": 1}
    assert ActivationRules.model_validate(activation) == ActivationRules(
        keys=[r"/\bife\b/i"],
        name_is_key=False,
        secondary_keys=["dock"],
        logic=Logic.AND_ALL,
        sticky=2,
    )
    command.downgrade(config, "1d03a0c0ffee")
    with engine.connect() as conn:
        aliases, extra_back = conn.execute(
            text("SELECT aliases, extra FROM codex_entry WHERE id = :e"), {"e": entry}
        ).one()
    engine.dispose()
    assert aliases == ["Ife O", r"/\bife\b/i"]
    assert extra_back == {
        "position": 1,
        "sticky": 2,
        "selectiveLogic": 3,
        "keysecondary": ["dock"],
        "dsf_name_is_key": False,
    }
