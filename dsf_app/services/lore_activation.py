"""Which Codex entries a turn's text activates, by SillyTavern's World Info rules (its
`checkWorldInfo`), as pure functions: no database, so every rule is tested on its own.

A scan reads the turn's text: the person's message and the messages before it (newest first,
as deep as the entry's scan depth), and the latest segment, which every scan with a depth
reads (as SillyTavern reads injected prompts). In each round, entries activate in order (higher
`order` first; then where they were named: the message, the chat, the segment): constant
(pinned) and sticky ones at once, others when a primary key is in the text and their secondary
keys satisfy their logic. The round's new entries then pass their inclusion groups (a sticky
member keeps its group; with scoring, only the members matching most keys stay; a group with a
member from an earlier round takes no other; an override member wins by order; else one wins
by a weighted draw), then a probability draw, then the character budget (once it is spent
nothing more comes, except pinned entries and those that ignore the budget). The text of the
round's entries that do not prevent recursion is scanned in a next round, up to the world's
recursion depth and then through each "delay until recursion" level; excluded-from-recursion
entries are not activated by it.

Timers count turns of the conversation (SillyTavern counts chat messages): `sticky` keeps an
entry for that many turns after the one it activated on, `cooldown` holds it back for that
many turns (and again when its stickiness ends), `delay` holds it back until the conversation
has that many turns. Timers begun by the turn being written are dropped before it is scanned
again, and every draw is seeded by the conversation, the turn and the entry: a regenerated turn
sees the same lore.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from dsf_app.models.lore_rules import ActivationRules, LoreDefaults, LoreTimers, Timer, parse_regex
from dsf_app.services.lore_keys import Entry, KeyIndex, Text, key_in, score, secondary

BUDGET_LEFT_OUT = "left out: over the lore budget"


@dataclass(frozen=True)
class Scan:
    """The turn's text and where it stands: `messages` newest first (the person's message first)."""

    messages: Sequence[str]
    segment: str
    turn: int  # the conversation's turns so far, this one included (1 for the first)
    seed: str  # the conversation: with the turn and the entry, it seeds every draw
    timers: LoreTimers
    budget: int
    defaults: LoreDefaults = field(default_factory=LoreDefaults)


@dataclass(frozen=True)
class Outcome:
    chosen: list[tuple[Entry, tuple[str, ...]]]  # in the order they go in the block
    left_out: list[tuple[Entry, str]]
    timers: LoreTimers  # to store for the conversation's next turn
    held: frozenset[str]  # entries no rule may bring this turn (cooldown, delay)


PLACES = ("your message", "the recent chat", "the latest segment")
# How a reason ranks an entry among those of the same order (pinned and sticky first).
RANKS = {"pinned": 0, "sticky": 0, **{place: n + 1 for n, place in enumerate(PLACES)}}
RECURSION_RANK = len(PLACES) + 1


class Round(IntEnum):
    """SillyTavern's scan states (min-activation scans are not supported)."""

    INITIAL = 1
    RECURSION = 2


def draw(seed: str, turn: int, what: str) -> float:
    """A number in [0, 1) that is the same for the same conversation, turn and purpose."""
    digest = hashlib.sha256(f"{seed}\x00{turn}\x00{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class _Buffer:
    """SillyTavern's WorldInfoBuffer: the messages by depth, the segment, the recursion texts,
    each scanned for the index's keys once."""

    def __init__(self, scan: Scan, index: KeyIndex) -> None:
        self.scan = scan
        self.index = index
        self.segment = index.text(scan.segment) if scan.segment else None
        self.recursion: list[tuple[str, Text]] = []  # (entry name, its text)
        self._by_depth: dict[int, list[tuple[str, Text]]] = {}
        self._whole: dict[tuple[int, int], Text] = {}

    def _depth(self, rules: ActivationRules) -> int:
        return self.scan.defaults.scan_depth if rules.scan_depth is None else rules.scan_depth

    def places(self, rules: ActivationRules) -> list[tuple[str, Text]]:
        """(where, text) an entry with `rules` reads, in the order its reason names them."""
        depth = self._depth(rules)
        if depth <= 0:
            return []
        if depth not in self._by_depth:
            messages = self.scan.messages[:depth]
            found = [(PLACES[0], self.index.text(messages[0]))] if messages else []
            if len(messages) > 1:
                found.append((PLACES[1], self.index.text("\n".join(messages[1:]))))
            if self.segment is not None:
                found.append((PLACES[2], self.segment))
            self._by_depth[depth] = found
        return self._by_depth[depth] + [
            (f"recursion from {name}", text) for name, text in self.recursion
        ]

    def whole(self, rules: ActivationRules) -> Text:
        """All an entry with `rules` reads, as one text (for its secondary keys)."""
        key = (self._depth(rules), len(self.recursion))
        if key not in self._whole:
            joined = "\n".join(text.text for _, text in self.places(rules))
            self._whole[key] = Text.plain(joined)
        return self._whole[key]


@dataclass
class _Timing:
    sticky: dict[str, Timer]
    cooldown: dict[str, Timer]

    def left(self, kind: str, entry_id: str, turn: int) -> int:
        timer = getattr(self, kind).get(entry_id)
        return timer.end - turn if timer is not None and timer.start < turn < timer.end else 0


def _timing(index: KeyIndex, scan: Scan) -> _Timing:
    """SillyTavern's checkTimedEffects: drop the timers this turn began (it is written again)
    and those whose entry lost the rule; an ended sticky timer starts the entry's cooldown."""
    by_id = {entry.id: entry for entry in index.entries}
    turn = scan.turn
    sticky: dict[str, Timer] = {}
    cooldown: dict[str, Timer] = {}
    for entry_id, timer in scan.timers.cooldown.items():
        entry = by_id.get(entry_id)
        if timer.start < turn < timer.end and entry is not None and entry.rules.cooldown:
            cooldown[entry_id] = timer
    for entry_id, timer in scan.timers.sticky.items():
        entry = by_id.get(entry_id)
        if timer.start >= turn or entry is None or not entry.rules.sticky:
            continue
        if turn < timer.end:
            sticky[entry_id] = timer
        elif entry.rules.cooldown:
            cooldown[entry_id] = Timer(start=turn - 1, end=turn + entry.rules.cooldown)
    return _Timing(sticky, cooldown)


@dataclass
class _Found:
    """An entry a round activates: where it ranks among its order, and why."""

    position: int
    rank: int
    why: list[str]


class _Activation:
    """One turn's scan (SillyTavern's checkWorldInfo loop)."""

    def __init__(self, index: KeyIndex, scan: Scan) -> None:
        self.index = index
        self.scan = scan
        self.buffer = _Buffer(scan, index)
        self.timing = _timing(index, scan)
        self.chosen: dict[int, list[str]] = {}  # position -> reasons, in activation order
        self.left_out: dict[int, str] = {}
        self.used = 0
        self.overflow = False
        timed = {*self.timing.sticky, *self.timing.cooldown} & index.position.keys()
        # Entries named in the turn's text (or timed): every round looks at them again.
        everything = [index.text("\n".join(scan.messages))]
        self.named = index.candidates([*everything, *filter(None, [self.buffer.segment])])
        self.named |= {index.position[entry_id] for entry_id in timed}

    def run(self) -> Outcome:
        levels = list(self.index.delay_levels)
        level = levels.pop(0) if levels else 0  # SillyTavern starts at the first level
        state = Round.INITIAL
        candidates = self.named
        recursions = 0
        while True:
            passed = self._admit(self._find(state, level, candidates))
            recursing = [i for i in passed if not self.index.entries[i].rules.prevent_recursion]
            if self.overflow:
                break
            if recursing and recursions < self.scan.defaults.recursion_depth:
                recursions += 1
            elif levels:
                level = levels.pop(0)
            else:
                break
            state = Round.RECURSION
            texts = [self.index.text(self.index.entries[i].text) for i in recursing]
            self.buffer.recursion += [
                (self.index.entries[i].name, text) for i, text in zip(recursing, texts, strict=True)
            ]
            candidates = self.named | self.index.candidates(texts)
        return self._outcome()

    def _find(self, state: Round, level: int, candidates: set[int]) -> list[_Found]:
        """The entries this round activates, with why (SillyTavern's per-entry checks)."""
        turn = self.scan.turn
        found: list[_Found] = []
        for i in sorted(candidates):
            if i in self.chosen or i in self.left_out:
                continue
            entry = self.index.entries[i]
            rules = entry.rules
            sticky = self.timing.left("sticky", entry.id, turn)
            if rules.delay and turn < rules.delay:
                continue
            if (
                rules.delay_until_recursion
                and not sticky
                and (state is Round.INITIAL or rules.delay_until_recursion > level)
            ):
                continue
            if state is Round.RECURSION and rules.exclude_recursion and not sticky:
                continue
            hit = self._why(entry, sticky)
            if hit is None:
                continue
            if (cooldown := self.timing.left("cooldown", entry.id, turn)) and not sticky:
                self.left_out[i] = f"left out: cooldown, {_turns(cooldown)} left"
                continue
            found.append(_Found(i, hit[0], hit[1]))
        return found

    def _why(self, entry: Entry, sticky: int) -> tuple[int, list[str]] | None:
        """How the entry ranks and why it activates, or None when it does not."""
        if entry.pinned:
            return RANKS["pinned"], ["pinned"]
        if sticky:
            return RANKS["sticky"], [f"sticky, {_turns(sticky)} left"]
        places = self.buffer.places(entry.rules)
        defaults = self.scan.defaults
        keys = [key.strip() for key in (*entry.keys, *entry.rules.keys) if key.strip()]
        for where, text in places:
            for key in keys:
                if not text.may_hold(key) or not key_in(text, key, entry.rules, defaults):
                    continue
                what = "name" if key == entry.name else "key" if parse_regex(key) else "alias"
                if where in RANKS:
                    rank, reason = RANKS[where], f"matched {what} “{key}” in {where}"
                else:
                    rank, reason = RECURSION_RANK, f"{where} ({what} “{key}”)"
                if not entry.rules.secondary_keys:
                    return rank, [reason]
                logic = secondary(entry, self.buffer.whole(entry.rules), defaults)
                return None if logic is None else (rank, [reason, logic])
        return None

    def _sticky(self, i: int) -> int:
        return self.timing.left("sticky", self.index.entries[i].id, self.scan.turn)

    def _admit(self, found: list[_Found]) -> list[int]:
        """Groups, probability and the budget, in SillyTavern's order; returns those admitted."""
        turn = self.scan.turn
        entries = self.index.entries
        found.sort(
            key=lambda f: (
                f.rank != RANKS["sticky"] or not self._sticky(f.position),
                -entries[f.position].rules.order,
                f.rank,
                f.position,
            )
        )
        admitted: list[int] = []
        for item in self._groups(found):
            i, why = item.position, item.why
            rules = entries[i].rules
            if rules.use_probability and rules.probability < 100 and not self._sticky(i):
                roll = draw(self.scan.seed, turn, f"probability:{entries[i].id}") * 100
                note = f"probability {rules.probability}%: rolled {roll:.0f}"
                if roll > rules.probability:
                    self.left_out[i] = f"left out: {note}"
                    continue
                why.append(note)
            over = self.used + entries[i].size > self.scan.budget
            if not (entries[i].pinned or rules.ignore_budget) and (self.overflow or over):
                self.overflow = True
                self.left_out[i] = BUDGET_LEFT_OUT
                continue
            if over:
                why.append("ignores the lore budget")
            self.used += entries[i].size
            self.chosen[i] = why
            admitted.append(i)
        return admitted

    def _groups(self, found: list[_Found]) -> list[_Found]:
        """SillyTavern's filterByInclusionGroups: at most one entry of a group comes."""
        entries = self.index.entries
        groups: dict[str, list[_Found]] = {}
        for item in found:
            for group in entries[item.position].rules.groups:
                groups.setdefault(group, []).append(item)
        out: dict[int, str] = {}
        for group, all_members in groups.items():
            members = [m for m in all_members if m.position not in out]
            label = f"left out: inclusion group “{group}”"
            if any(self._sticky(m.position) for m in members):
                for m in members:
                    if not self._sticky(m.position):
                        out[m.position] = f"{label} keeps its sticky entry"
                continue
            members = self._by_score(group, members, out)
            if any(group in entries[i].rules.groups for i in self.chosen):
                out |= {m.position: f"{label} already has an entry" for m in members}
                continue
            if len(members) <= 1:
                continue
            winner, how = self._winner(group, members)
            winner.why.append(how)
            for m in members:
                if m is not winner:
                    out[m.position] = f"{label} went to {entries[winner.position].name}"
        self.left_out |= out
        return [item for item in found if item.position not in out]

    def _scored(self, entry: Entry) -> bool:
        scoring = entry.rules.use_group_scoring
        return self.scan.defaults.use_group_scoring if scoring is None else scoring

    def _by_score(self, group: str, members: list[_Found], out: dict[int, str]) -> list[_Found]:
        """With group scoring, only the members matching the most keys stay."""
        entries = self.index.entries
        if not any(self._scored(entries[m.position]) for m in members):
            return members
        scores = {}
        for m in members:
            entry = entries[m.position]
            scores[m.position] = score(entry, self.buffer.whole(entry.rules), self.scan.defaults)
        best = max(scores.values())
        kept = []
        for m in members:
            if self._scored(entries[m.position]) and scores[m.position] < best:
                out[m.position] = f"left out: inclusion group “{group}” scored higher elsewhere"
            else:
                kept.append(m)
        return kept

    def _winner(self, group: str, members: list[_Found]) -> tuple[_Found, str]:
        """An override member by order, else a weighted draw."""
        entries = self.index.entries
        override = [m for m in members if entries[m.position].rules.group_override]
        if override:
            best = min(override, key=lambda m: m.position)
            return best, f"won inclusion group “{group}” by order"
        total = sum(entries[m.position].rules.group_weight for m in members)
        roll = draw(self.scan.seed, self.scan.turn, f"group:{group}") * total
        reached = 0
        for m in members:
            weight = entries[m.position].rules.group_weight
            reached += weight
            if roll <= reached:
                return m, f"won inclusion group “{group}” (weight {weight} of {total})"
        return members[-1], f"won inclusion group “{group}”"

    def _outcome(self) -> Outcome:
        entries = self.index.entries
        turn = self.scan.turn
        sticky = dict(self.timing.sticky)
        cooldown = dict(self.timing.cooldown)
        for i in self.chosen:
            entry_id, rules = entries[i].id, entries[i].rules
            if rules.sticky and entry_id not in sticky:
                sticky[entry_id] = Timer(start=turn, end=turn + rules.sticky + 1)
            if rules.cooldown and entry_id not in cooldown:
                cooldown[entry_id] = Timer(start=turn, end=turn + rules.cooldown + 1)
        cooling = {
            entry_id
            for entry_id in self.timing.cooldown
            if self.timing.left("cooldown", entry_id, turn)
            and not self.timing.left("sticky", entry_id, turn)
        }
        waiting = {entry_id for entry_id, delay in self.index.delayed if turn < delay}
        return Outcome(
            chosen=[(entries[i], tuple(why)) for i, why in self.chosen.items()],
            left_out=[(entries[i], why) for i, why in self.left_out.items()],
            timers=LoreTimers(sticky=sticky, cooldown=cooldown),
            held=frozenset(cooling | waiting),
        )


def _turns(count: int) -> str:
    return f"{count} turn" + ("" if count == 1 else "s")


def activate(index: KeyIndex, scan: Scan) -> Outcome:
    """The entries `scan` activates among `index`'s, with why, those left out and why, and the
    conversation's timers after this turn."""
    return _Activation(index, scan).run()
