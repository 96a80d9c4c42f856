"""The activation engine, rule by rule, without a database: SillyTavern's World Info semantics
(keys, secondary logic, case, whole words, scan depth, recursion, probability, timers, groups,
order and budget) and the reasons a person reads in "Lore used"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from dsf_app.models.lore_rules import ActivationRules, LoreDefaults, LoreTimers
from dsf_app.services.lore_activation import Outcome, Scan, activate
from dsf_app.services.lore_keys import Entry, KeyIndex


def entry(name: str, *aliases: str, text: str = "", pinned: bool = False, **rules: Any) -> Entry:
    return Entry(
        id=name.casefold().replace(" ", "-"),
        name=name,
        keys=(name, *aliases) if rules.pop("name_is_key", True) else aliases,
        text=text or f"About {name}.",
        size=rules.pop("size", 10),
        rules=ActivationRules.model_validate(rules),
        pinned=pinned,
    )


def scan(
    message: str,
    chat: Sequence[str] = (),
    *,
    segment: str = "",
    turn: int = 1,
    timers: LoreTimers | None = None,
    budget: int = 10_000,
    seed: str = "conversation",
    **defaults: Any,
) -> Scan:
    return Scan(
        messages=[message, *chat],
        segment=segment,
        turn=turn,
        seed=seed,
        timers=timers or LoreTimers(),
        budget=budget,
        defaults=LoreDefaults.model_validate(defaults),
    )


def run(entries: Sequence[Entry], turn: Scan) -> Outcome:
    return activate(KeyIndex(entries), turn)


def chosen(outcome: Outcome) -> dict[str, tuple[str, ...]]:
    return {e.name: why for e, why in outcome.chosen}


def left_out(outcome: Outcome) -> dict[str, str]:
    return {e.name: why for e, why in outcome.left_out}


def conversation(entries: Sequence[Entry], messages: Sequence[str]) -> list[Outcome]:
    """One outcome per turn, each turn's timers carried to the next."""
    index = KeyIndex(entries)
    timers = LoreTimers()
    outcomes = []
    for number, message in enumerate(messages, start=1):
        outcome = activate(index, scan(message, turn=number, timers=timers))
        timers = outcome.timers
        outcomes.append(outcome)
    return outcomes


def test_names_aliases_and_regex_keys() -> None:
    entries = [
        entry("Ife Oyelaran", "Ife"),
        entry("Warp", name_is_key=False, keys=[r"/\bwarp(ing)?\b/i"]),
        entry("Dock Nine"),
    ]
    outcome = run(entries, scan("Ife saw the WARPING hull."))
    assert chosen(outcome) == {
        "Ife Oyelaran": ("matched alias “Ife” in your message",),
        "Warp": (r"matched key “/\bwarp(ing)?\b/i” in your message",),
    }
    assert chosen(run(entries, scan("The warpath to dock nine."))) == {
        "Dock Nine": ("matched name “Dock Nine” in your message",)
    }


def test_whole_words_and_case() -> None:
    ife = [entry("Ife")]
    assert chosen(run(ife, scan("Ifeoma waved."))) == {}
    assert "Ife" in chosen(run([entry("Ife", whole_words=False)], scan("Ifeoma waved.")))
    assert "Ife" in chosen(run(ife, scan("Ifeoma waved.", whole_words=False)))
    assert "Ife" in chosen(run(ife, scan("where is ife?")))
    assert chosen(run([entry("Ife", case_sensitive=True)], scan("where is ife?"))) == {}
    assert chosen(run(ife, scan("where is ife?", case_sensitive=True))) == {}
    # A key of several words is found anywhere, as SillyTavern does.
    assert "Red Tide" in chosen(run([entry("Red Tide")], scan("the red tides rose")))


@pytest.mark.parametrize(
    ("logic", "message", "why"),
    [
        ("AND ANY", "Ife at the dock", "secondary key “dock” (AND ANY)"),
        ("AND ANY", "Ife at home", None),
        ("AND ALL", "Ife at the dock in the strike", "every secondary key present (AND ALL)"),
        ("AND ALL", "Ife at the dock", None),
        ("NOT ANY", "Ife at home", "no secondary key present (NOT ANY)"),
        ("NOT ANY", "Ife at the strike", None),
        ("NOT ALL", "Ife at the dock", "secondary key “strike” absent (NOT ALL)"),
        ("NOT ALL", "Ife at the dock in the strike", None),
    ],
)
def test_secondary_key_logic(logic: str, message: str, why: str | None) -> None:
    ife = entry("Ife", secondary_keys=["dock", "strike"], logic=logic)
    found = chosen(run([ife], scan(message)))
    if why is None:
        assert found == {}
    else:
        assert found == {"Ife": ("matched name “Ife” in your message", why)}


def test_scan_depth_reaches_back_through_the_chat() -> None:
    entries = [entry("Ife"), entry("Teo", scan_depth=1)]
    turn = scan("And then?", ["Teo and Ife argued.", "Hello"])
    assert chosen(run(entries, turn)) == {"Ife": ("matched name “Ife” in the recent chat",)}
    assert chosen(run(entries, scan("And then?", ["Teo and Ife argued."], scan_depth=1))) == {}
    assert chosen(run([entry("Ife", scan_depth=0)], scan("Ife?"))) == {}


def test_the_latest_segment_is_scanned() -> None:
    outcome = run([entry("Ife")], scan("Go on.", segment="Ife climbed the crane."))
    assert chosen(outcome) == {"Ife": ("matched name “Ife” in the latest segment",)}


def test_recursion_pulls_in_entries_named_by_activated_ones_to_a_depth() -> None:
    chain = [
        entry("Ife", text="Ife works Dock Nine."),
        entry("Dock Nine", text="Dock Nine belongs to the Guild."),
        entry("Guild", text="The Guild answers to the Mayor."),
        entry("Mayor"),
    ]
    outcome = run(chain, scan("Ife?", recursion_depth=2))
    assert chosen(outcome) == {
        "Ife": ("matched name “Ife” in your message",),
        "Dock Nine": ("recursion from Ife (name “Dock Nine”)",),
        "Guild": ("recursion from Dock Nine (name “Guild”)",),
    }
    assert "Mayor" in chosen(run(chain, scan("Ife?", recursion_depth=3)))
    assert chosen(run(chain, scan("Ife?", recursion_depth=0))).keys() == {"Ife"}


def test_recursion_flags() -> None:
    ife = entry("Ife", text="Ife works Dock Nine.")
    dock = entry("Dock Nine")
    assert "Dock Nine" in chosen(run([ife, dock], scan("Ife?")))
    prevented = entry("Ife", text="Ife works Dock Nine.", prevent_recursion=True)
    assert chosen(run([prevented, dock], scan("Ife?"))).keys() == {"Ife"}
    excluded = entry("Dock Nine", exclude_recursion=True)
    assert chosen(run([ife, excluded], scan("Ife?"))).keys() == {"Ife"}
    assert "Dock Nine" in chosen(run([ife, excluded], scan("Ife at Dock Nine")))
    # Delayed until recursion: never in the first scan, and its text comes after the others'.
    late = entry("Strike", delay_until_recursion=1)
    outcome = run([late, entry("Ife")], scan("The strike and Ife"))
    assert [e.name for e, _ in outcome.chosen] == ["Ife", "Strike"]
    assert chosen(run([late], scan("Nothing here"))) == {}


def test_probability_is_a_seeded_draw_shown_either_way() -> None:
    rare = entry("Ife", probability=50)
    kept = [bool(chosen(run([rare], scan("Ife", turn=t)))) for t in range(1, 201)]
    assert 60 < sum(kept) < 140
    again = [bool(chosen(run([rare], scan("Ife", turn=t)))) for t in range(1, 201)]
    assert kept == again  # a regenerated turn draws the same
    first_out = kept.index(False) + 1
    outcome = run([rare], scan("Ife", turn=first_out))
    assert left_out(outcome)["Ife"].startswith("left out: probability 50%: rolled ")
    first_in = kept.index(True) + 1
    assert chosen(run([rare], scan("Ife", turn=first_in)))["Ife"][1].startswith(
        "probability 50%: rolled "
    )
    assert chosen(run([entry("Ife", probability=10, use_probability=False)], scan("Ife")))


def test_sticky_keeps_an_entry_for_turns_after_it_activated() -> None:
    turns = conversation([entry("Ife", sticky=2)], ["Ife?", "and?", "and?", "and?"])
    assert [chosen(t).get("Ife") for t in turns] == [
        ("matched name “Ife” in your message",),
        ("sticky, 2 turns left",),
        ("sticky, 1 turn left",),
        None,
    ]


def test_cooldown_holds_an_entry_back_and_says_so() -> None:
    turns = conversation([entry("Ife", cooldown=2)], ["Ife?"] * 4)
    assert [bool(chosen(t)) for t in turns] == [True, False, False, True]
    assert left_out(turns[1]) == {"Ife": "left out: cooldown, 2 turns left"}
    assert left_out(turns[2]) == {"Ife": "left out: cooldown, 1 turn left"}


def test_a_cooldown_follows_the_end_of_stickiness() -> None:
    turns = conversation([entry("Ife", sticky=1, cooldown=2)], ["Ife?"] * 6)
    assert [bool(chosen(t)) for t in turns] == [True, True, False, False, True, True]
    assert left_out(turns[2]) == {"Ife": "left out: cooldown, 2 turns left"}


def test_delay_waits_for_turns_of_the_conversation() -> None:
    turns = conversation([entry("Ife", delay=3)], ["Ife?"] * 3)
    assert [bool(chosen(t)) for t in turns] == [False, False, True]


def test_a_regenerated_turn_sees_the_same_lore() -> None:
    index = KeyIndex([entry("Ife", sticky=3, cooldown=1), entry("Teo", probability=50)])
    first = activate(index, scan("Ife and Teo", turn=4))
    again = activate(index, scan("Ife and Teo", turn=4, timers=first.timers))
    assert chosen(again) == chosen(first)
    assert left_out(again) == left_out(first)


def test_an_inclusion_group_lets_one_entry_in() -> None:
    weather = [
        entry(name, group="weather", group_weight=w)
        for name, w in (("Rain", 1), ("Fog", 1), ("Sun", 98))
    ]
    winners = {next(iter(chosen(run(weather, scan("rain fog sun", turn=t))))) for t in range(1, 40)}
    assert "Sun" in winners
    outcome = run(weather, scan("rain fog sun"))
    [(winner, why)] = chosen(outcome).items()
    assert why[-1].startswith("won inclusion group “weather” (weight ")
    assert left_out(outcome) == {
        name: f"left out: inclusion group “weather” went to {winner}"
        for name in {"Rain", "Fog", "Sun"} - {winner}
    }


def test_group_override_and_scoring() -> None:
    members = [
        entry("Rain", group="weather", group_override=True, order=10),
        entry("Fog", group="weather", group_override=True, order=50),
        entry("Sun", group="weather"),
    ]
    assert chosen(run(members, scan("rain fog sun"))) == {
        "Fog": ("matched name “Fog” in your message", "won inclusion group “weather” by order")
    }
    scored = [
        entry("Rain", "drizzle", group="weather", use_group_scoring=True),
        entry("Fog", group="weather", use_group_scoring=True),
    ]
    outcome = run(scored, scan("rain and drizzle and fog"))
    assert chosen(outcome).keys() == {"Rain"}
    assert left_out(outcome) == {
        "Fog": "left out: inclusion group “weather” scored higher elsewhere"
    }


def test_a_group_with_an_entry_takes_no_other_in_recursion() -> None:
    entries = [
        entry("Rain", text="Rain brings Fog.", group="weather"),
        entry("Fog", group="weather"),
    ]
    outcome = run(entries, scan("Rain?"))
    assert chosen(outcome).keys() == {"Rain"}
    assert left_out(outcome) == {"Fog": "left out: inclusion group “weather” already has an entry"}


def test_order_and_the_budget() -> None:
    entries = [
        entry("Low", order=1, size=100),
        entry("High", order=300, size=100),
        entry("Mid", size=100),
        entry("Free", order=0, size=100, ignore_budget=True),
        entry("Pinned", name_is_key=False, pinned=True, size=100),
    ]
    outcome = run(entries, scan("low high mid free", budget=250))
    assert [e.name for e, _ in outcome.chosen] == ["High", "Pinned", "Free"]
    assert chosen(outcome)["Free"][-1] == "ignores the lore budget"
    assert left_out(outcome) == {
        "Mid": "left out: over the lore budget",
        "Low": "left out: over the lore budget",
    }


def test_within_an_order_the_message_comes_before_the_chat() -> None:
    outcome = run([entry("Teo"), entry("Ife")], scan("Ife?", ["Teo spoke."]))
    assert [e.name for e, _ in outcome.chosen] == ["Ife", "Teo"]


def test_constant_entries_need_no_key() -> None:
    assert chosen(run([entry("Law", name_is_key=False, pinned=True)], scan("hi"))) == {
        "Law": ("pinned",)
    }
