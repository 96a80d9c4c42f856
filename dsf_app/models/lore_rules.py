"""How a Codex entry activates for a turn: its SillyTavern World Info rules as one typed model
(`ActivationRules`, stored on `codex_entry.activation`), the world's defaults for the rules an
entry leaves unset (`LoreDefaults`), and the per-conversation timers of sticky and cooldown
entries (`LoreTimers`, stored on `chat_conversation.lore_timers`).

Owned by the lore engine (`services/lore_activation.py`); importers and exports map World Info
fields to and from it with `ActivationRules.from_world_info` / `to_world_info` and never cast
its JSON in SQL. A stored value that no longer validates loses only its bad fields
(`ActivationRules.lenient`), never the entry.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

MAX_SCAN_DEPTH = 1000  # SillyTavern's MAX_SCAN_DEPTH
MAX_KEYS = 200
MAX_KEY_CHARS = 500


class Logic(StrEnum):
    """How the secondary keys decide, once a primary key matched (SillyTavern's
    `selectiveLogic`: 0 AND ANY, 1 NOT ALL, 2 NOT ANY, 3 AND ALL)."""

    AND_ANY = "AND ANY"  # at least one secondary key is in the text
    NOT_ALL = "NOT ALL"  # at least one secondary key is not
    NOT_ANY = "NOT ANY"  # none is
    AND_ALL = "AND ALL"  # every one is


WORLD_INFO_LOGIC = (Logic.AND_ANY, Logic.NOT_ALL, Logic.NOT_ANY, Logic.AND_ALL)


def _keys(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("must be a list of texts")
    keys = [str(k).strip() for k in value if isinstance(k, str | int | float) and str(k).strip()]
    if len(keys) > MAX_KEYS or any(len(k) > MAX_KEY_CHARS for k in keys):
        raise ValueError(f"at most {MAX_KEYS} keys of {MAX_KEY_CHARS} characters")
    return keys


class ActivationRules(BaseModel):
    """An entry's activation rules; every field has SillyTavern's meaning and default.

    Primary keys are the entry's name (unless `name_is_key` is false), its aliases and `keys`.
    A key is a word or phrase, or a regular expression written `/pattern/flags` (flags `i`, `m`,
    `s`; `g`, `y` and `u` change nothing; a key that does not compile is a plain word, as in
    SillyTavern). Regular-expression keys live in `keys`, plain ones are the entry's aliases.
    Constant entries are the entry's `pinned` column, disabled ones its `excluded` column.

    World Info field → field: key → aliases/keys, keysecondary → secondary_keys,
    selectiveLogic (0-3) → logic, caseSensitive → case_sensitive, matchWholeWords → whole_words,
    scanDepth → scan_depth, excludeRecursion / preventRecursion / delayUntilRecursion (true = 1),
    probability + useProbability, sticky, cooldown, delay (null = 0), group, groupWeight,
    groupOverride, useGroupScoring, order, ignoreBudget — see `from_world_info`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    keys: list[str] = Field(default_factory=list, description="Further primary keys.")
    name_is_key: bool = Field(default=True, description="The entry's name is a primary key.")
    secondary_keys: list[str] = Field(default_factory=list)
    logic: Logic = Logic.AND_ANY
    case_sensitive: bool | None = Field(default=None, description="None: the world's default.")
    whole_words: bool | None = Field(default=None, description="None: the world's default.")
    scan_depth: int | None = Field(
        default=None, ge=0, le=MAX_SCAN_DEPTH, description="Recent messages scanned; None: default."
    )
    exclude_recursion: bool = Field(
        default=False, description="Not activated by other entries' text."
    )
    prevent_recursion: bool = Field(default=False, description="Its text activates no other entry.")
    delay_until_recursion: int = Field(
        default=0,
        ge=0,
        le=100,
        description="Only activated from this recursion level on (0: never).",
    )
    probability: int = Field(
        default=100, ge=0, le=100, description="Percent chance once activated."
    )
    use_probability: bool = True
    sticky: int = Field(default=0, ge=0, le=10_000, description="Turns it stays once activated.")
    cooldown: int = Field(default=0, ge=0, le=10_000, description="Turns it cannot activate after.")
    delay: int = Field(
        default=0, ge=0, le=10_000, description="Turns of the conversation before it can."
    )
    group: str = Field(default="", max_length=500, description="Inclusion groups, comma-separated.")
    group_weight: int = Field(default=100, ge=0, le=1_000_000)
    group_override: bool = Field(
        default=False, description="Wins its group by order, not by chance."
    )
    use_group_scoring: bool | None = Field(default=None, description="None: the world's default.")
    order: int = Field(default=100, ge=-1_000_000, le=1_000_000, description="Higher comes first.")
    ignore_budget: bool = Field(default=False, description="Comes even when the budget is spent.")

    @field_validator("keys", "secondary_keys", mode="before")
    @classmethod
    def _check_keys(cls, value: Any) -> list[str]:
        return _keys(value)

    @property
    def groups(self) -> list[str]:
        """The inclusion groups it is in (SillyTavern splits `group` on commas)."""
        return [g for g in re.split(r",\s*", self.group) if g]

    @classmethod
    def lenient(cls, data: Any) -> tuple[ActivationRules, list[str]]:
        """The rules in `data`, leaving out (and naming) every field that does not validate."""
        if not isinstance(data, dict):
            return cls(), ["the rules are not an object"] if data not in (None, "") else []
        kept = {name: value for name, value in data.items() if name in cls.model_fields}
        problems = [f"unknown rule “{name}”" for name in data if name not in cls.model_fields]
        try:
            return cls.model_validate(kept), problems
        except ValidationError as exc:
            bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            problems += [f"“{name}” is not valid ({kept[name]!r:.40})" for name in sorted(bad)]
            return cls.model_validate({k: v for k, v in kept.items() if k not in bad}), problems

    @classmethod
    def from_world_info(cls, raw: dict[str, Any]) -> tuple[ActivationRules, list[str], list[str]]:
        """A World Info entry's (or a card entry's, already renamed) rules: returns the rules,
        its plain primary keys (to become aliases) and the problems of fields left out."""
        plain: list[str] = []
        regexes: list[str] = []
        try:
            for key in _keys(raw.get("key", [])):
                (regexes if parse_regex(key) else plain).append(key)
        except ValueError as exc:
            return cls(), [], [f"“key” {exc}"]
        data: dict[str, Any] = {"keys": regexes}
        for field, wi in WORLD_INFO_FIELDS.items():
            if wi in raw and raw[wi] is not None:
                data[field] = raw[wi]
        logic = raw.get("selectiveLogic")
        if logic is not None:
            data["logic"] = (
                WORLD_INFO_LOGIC[logic]
                if logic in range(4) and not isinstance(logic, bool)
                else logic
            )
        if raw.get("delayUntilRecursion") is True:
            data["delay_until_recursion"] = 1
        elif raw.get("delayUntilRecursion") is False:
            data["delay_until_recursion"] = 0
        rules, problems = cls.lenient(data)
        return rules, plain, problems

    def to_world_info(self) -> dict[str, Any]:
        """The World Info fields these rules stand for (`key` holds only `keys`: the caller adds
        the name and aliases in front)."""
        fields = {wi: getattr(self, field) for field, wi in WORLD_INFO_FIELDS.items()}
        for name in ("sticky", "cooldown", "delay"):
            fields[name] = fields[name] or None
        return {
            **fields,
            "key": list(self.keys),
            "selectiveLogic": WORLD_INFO_LOGIC.index(self.logic),
            "selective": True,
        }


# ActivationRules field → World Info field (logic and the regex keys are mapped apart).
WORLD_INFO_FIELDS = {
    "secondary_keys": "keysecondary",
    "case_sensitive": "caseSensitive",
    "whole_words": "matchWholeWords",
    "scan_depth": "scanDepth",
    "exclude_recursion": "excludeRecursion",
    "prevent_recursion": "preventRecursion",
    "delay_until_recursion": "delayUntilRecursion",
    "probability": "probability",
    "use_probability": "useProbability",
    "sticky": "sticky",
    "cooldown": "cooldown",
    "delay": "delay",
    "group": "group",
    "group_weight": "groupWeight",
    "group_override": "groupOverride",
    "use_group_scoring": "useGroupScoring",
    "order": "order",
    "ignore_budget": "ignoreBudget",
}

_REGEX_KEY = re.compile(r"^/([\s\S]+?)/([gimsuy]*)$")
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


def parse_regex(key: str) -> re.Pattern[str] | None:
    """A `/pattern/flags` key as a compiled expression, else None (SillyTavern's
    parseRegexFromString: an unescaped `/` inside, or a pattern that does not compile, makes it
    a plain key)."""
    match = _REGEX_KEY.match(key)
    if not match or re.search(r"(^|[^\\])/", match[1]):
        return None
    flags = 0
    for flag in match[2]:
        flags |= _FLAGS.get(flag, 0)
    try:
        return re.compile(match[1].replace("\\/", "/", 1), flags)
    except re.error:
        return None


class LoreDefaults(BaseModel):
    """A world's defaults for the rules its entries leave unset."""

    model_config = ConfigDict(frozen=True)

    case_sensitive: bool = False
    whole_words: bool = True
    scan_depth: int = Field(default=9, ge=0, le=MAX_SCAN_DEPTH)  # the message and the 8 before it
    recursion_depth: int = Field(default=3, ge=0, le=20)  # scans of activated entries' text
    use_group_scoring: bool = False


class Timer(BaseModel):
    """A sticky or cooldown effect: from the conversation's turn `start` until before `end`."""

    start: int
    end: int
    protected: bool = False  # a cooldown begun when a sticky ended survives a regenerated turn


class LoreTimers(BaseModel):
    """A conversation's running sticky and cooldown effects, by entry id."""

    sticky: dict[str, Timer] = Field(default_factory=dict)
    cooldown: dict[str, Timer] = Field(default_factory=dict)


class _PydanticJson(TypeDecorator[Any]):
    """A JSONB column read and written through a pydantic model (bad stored fields dropped)."""

    impl = JSONB
    cache_ok = True
    model: type[BaseModel]

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return {}
        shaped = value if isinstance(value, self.model) else self._read(value)
        return shaped.model_dump(mode="json", exclude_defaults=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return self._read(value)

    def _read(self, value: Any) -> BaseModel:
        if self.model is ActivationRules:
            return ActivationRules.lenient(value)[0]
        try:
            return self.model.model_validate(value or {})
        except ValidationError:
            return self.model()


class RulesColumn(_PydanticJson):
    cache_ok = True
    model = ActivationRules


class TimersColumn(_PydanticJson):
    cache_ok = True
    model = LoreTimers
