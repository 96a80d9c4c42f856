"""How an entry's keys are found in a turn's text, by SillyTavern's World Info rules
(`matchKeys`, the secondary-key logic, the group score), and the index that finds, in one pass
over the text, the few entries of a world one of whose keys the text holds."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

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


Spots = list[tuple[int, int]]  # where a key is in a lowered text: (start, end)


def lowered(text: str) -> str:
    """`text` in lower case with every index kept (a few letters lower to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c := ch.lower()) == 1 else ch for ch in text)


@dataclass(frozen=True)
class Text:
    """A text to scan, lowered once, with where each key of the index is in it (`known`: the
    keys the index looked for; any other key is searched for when asked)."""

    text: str
    lowered: str
    hits: dict[str, Spots]
    known: frozenset[str] = frozenset()

    @classmethod
    def plain(cls, text: str) -> Text:
        return cls(text, lowered(text), {})

    def may_hold(self, key: str) -> bool:
        """False when the index looked for `key` here and did not find it."""
        needle = key.lower()
        return needle in self.hits or needle not in self.known


@lru_cache(maxsize=8192)
def _regex(key: str) -> re.Pattern[str] | None:
    return parse_regex(key)


@lru_cache(maxsize=65536)
def _acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _spots(haystack: str, needle: str) -> Iterator[tuple[int, int]]:
    """Where `needle` is in `haystack`, found one at a time (the first that fits ends it)."""
    start = haystack.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = haystack.find(needle, start + 1)


def key_in(text: Text, key: str, rules: ActivationRules, defaults: LoreDefaults) -> bool:
    """SillyTavern's matchKeys: a `/regex/flags` key searches as written; otherwise the case
    (an unset case rule follows the world, except keys in capitals such as "AI", which match as
    written) and whole words (a key of several words is found anywhere) apply."""
    pattern = _regex(key)
    if pattern is not None:
        return pattern.search(text.text) is not None
    sensitive = rules.case_sensitive
    if sensitive is None:
        sensitive = defaults.case_sensitive or _acronym(key)
    whole = defaults.whole_words if rules.whole_words is None else rules.whole_words
    needle = key.lower()
    spots: Iterable[tuple[int, int]] | None = text.hits.get(needle)
    if spots is None:
        spots = () if needle in text.known else _spots(text.lowered, needle)
    one_word = len(needle.split()) == 1
    for start, end in spots:
        if sensitive and text.text[start:end] != key:
            continue
        if whole and one_word and not _bounded(text.lowered, start, end):
            continue
        return True
    return False


def _bounded(text: str, start: int, end: int) -> bool:
    return (start == 0 or not _is_word(text[start - 1])) and (
        end == len(text) or not _is_word(text[end])
    )


class KeyIndex:
    """A world's entries in SillyTavern's order and an automaton of their plain keys: one pass
    over a text finds every key in it, and so the few entries a scan needs to look at."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: -e.rules.order)
        self.position = {entry.id: index for index, entry in enumerate(self.entries)}
        self.always = {i for i, e in enumerate(self.entries) if e.pinned or e.rules.keys}
        self.delay_levels = sorted({e.rules.delay_until_recursion for e in self.entries} - {0})
        self.delayed = [(e.id, e.rules.delay) for e in self.entries if e.rules.delay]
        self._automaton = ahocorasick.Automaton()
        self._owners: dict[str, set[int]] = {}
        for index, entry in enumerate(self.entries):
            for key in entry.keys:
                if key.strip():
                    self._owners.setdefault(key.strip().lower(), set()).add(index)
        for key in self._owners:
            self._automaton.add_word(key, key)
        if self._owners:
            self._automaton.make_automaton()
        self._known = frozenset(self._owners)

    def text(self, text: str) -> Text:
        low = lowered(text)
        hits: dict[str, Spots] = {}
        if self._owners:
            for last, key in self._automaton.iter(low):
                hits.setdefault(key, []).append((last - len(key) + 1, last + 1))
        return Text(text, low, hits, self._known)

    def candidates(self, texts: Iterable[Text]) -> set[int]:
        """The entries with a key somewhere in `texts`, and those that need none."""
        found = set(self.always)
        for text in texts:
            for key in text.hits:
                found |= self._owners[key]
        return found


def secondary(entry: Entry, text: Text, defaults: LoreDefaults) -> str | None:
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


def score(entry: Entry, text: Text, defaults: LoreDefaults) -> int:
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
