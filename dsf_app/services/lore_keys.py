"""How an entry's keys are found in a turn's text, by SillyTavern's World Info rules
(`matchKeys`, the secondary-key logic, the group score), and the index that finds, in one pass
over the text, the few entries of a world one of whose keys the text holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from dsf_app.models.lore_rules import ActivationRules, Logic, LoreDefaults, parse_regex


@dataclass(frozen=True)
class Entry:
    """What the engine knows of an entry: `keys` are its plain primary keys (name, aliases)."""

    id: str
    name: str
    keys: tuple[str, ...]
    text: str  # what recursion scans
    size: int  # characters it takes of the budget
    rules: ActivationRules
    pinned: bool = False


def _is_word(char: str) -> bool:
    """JavaScript's `\\w`: SillyTavern's whole-word boundaries are ASCII."""
    return char.isascii() and (char.isalnum() or char == "_")


def _acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def key_in(text: str, key: str, rules: ActivationRules, defaults: LoreDefaults) -> bool:
    """SillyTavern's matchKeys: a `/regex/flags` key searches as written; otherwise the case
    (an unset case rule follows the world, except keys in capitals such as "AI", which match as
    written) and whole words (a key of several words is found anywhere) apply."""
    pattern = parse_regex(key)
    if pattern is not None:
        return pattern.search(text) is not None
    sensitive = rules.case_sensitive
    if sensitive is None:
        sensitive = defaults.case_sensitive or _acronym(key)
    haystack, needle = (text, key) if sensitive else (text.lower(), key.lower())
    whole = defaults.whole_words if rules.whole_words is None else rules.whole_words
    if not whole or len(needle.split()) > 1:
        return needle in haystack
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        if (start == 0 or not _is_word(haystack[start - 1])) and (
            end == len(haystack) or not _is_word(haystack[end])
        ):
            return True
        start = haystack.find(needle, start + 1)
    return False


class KeyIndex:
    """A world's entries in SillyTavern's order and an automaton of their plain keys, so a
    scan looks only at entries one of whose keys is somewhere in the text."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: -e.rules.order)
        self.position = {entry.id: index for index, entry in enumerate(self.entries)}
        self.always = {i for i, e in enumerate(self.entries) if e.pinned or e.rules.keys}
        self.delay_levels = sorted({e.rules.delay_until_recursion for e in self.entries} - {0})
        self.delayed = [(e.id, e.rules.delay) for e in self.entries if e.rules.delay]
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, set[int]] = {}
        for index, entry in enumerate(self.entries):
            for key in entry.keys:
                if key.strip():
                    owners.setdefault(key.strip().lower(), set()).add(index)
        for key, found in owners.items():
            self._automaton.add_word(key, frozenset(found))
        if owners:
            self._automaton.make_automaton()
        self._empty = not owners

    def candidates(self, texts: Iterable[str]) -> set[int]:
        found = set(self.always)
        if self._empty:
            return found
        for text in texts:
            for _, owners in self._automaton.iter(text.lower()):
                found |= owners
        return found


def secondary(entry: Entry, text: str, defaults: LoreDefaults) -> str | None:
    """The reason the secondary keys give, or None when they keep the entry out."""
    rules = entry.rules
    found = [key_in(text, key, rules, defaults) for key in rules.secondary_keys]
    logic = rules.logic
    if logic is Logic.AND_ANY and any(found):
        return f"secondary key “{rules.secondary_keys[found.index(True)]}” (AND ANY)"
    if logic is Logic.NOT_ALL and not all(found):
        return f"secondary key “{rules.secondary_keys[found.index(False)]}” absent (NOT ALL)"
    if logic is Logic.NOT_ANY and not any(found):
        return "no secondary key present (NOT ANY)"
    if logic is Logic.AND_ALL and all(found):
        return "every secondary key present (AND ALL)"
    return None


def score(entry: Entry, text: str, defaults: LoreDefaults) -> int:
    """SillyTavern's getScore: primary keys found, plus secondary ones under AND logic."""
    rules = entry.rules
    primary = sum(key_in(text, k, rules, defaults) for k in (*entry.keys, *rules.keys))
    secondary = sum(key_in(text, k, rules, defaults) for k in rules.secondary_keys)
    if rules.secondary_keys and (
        rules.logic is Logic.AND_ANY
        or (rules.logic is Logic.AND_ALL and secondary == len(rules.secondary_keys))
    ):
        return primary + secondary
    return primary
