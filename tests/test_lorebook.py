"""SillyTavern lorebooks in and out of the Codex: World Info files of two generations and a
character card's `character_book` import as entries (keys, secondary keys, constant, disabled,
order, comments, nested extensions kept); odd files are refused with a sentence or reported,
never a crash; and exporting then importing gives the same entries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session

from dsf_app.errors import Invalid
from dsf_app.models import CodexKind
from dsf_app.models.lore_rules import Logic
from dsf_app.services import (
    codex,
    codex_links,
    lorebook,
    lorebook_entries,
    lorebook_format,
    mentions,
)
from dsf_app.services.codex import EntryFields
from tests.codex_checks import entries_by_name, kept
from tests.factories import last_change, make_actor, make_world

FIXTURES = Path(__file__).parent / "fixtures" / "lorebooks"


@dataclass(frozen=True)
class Piece:
    """A chunk of an upload, as Reflex's streaming upload hands it over."""

    filename: str
    data: bytes


def _read(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_a_current_world_info_file(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    report = lorebook.import_lorebook(
        session,
        ada,
        world.id,
        lorebook_format.parse(_read("tidewater_world_info.json")),
        author="person",
    )
    assert (report.created, report.skipped, report.duplicates) == (5, [], [])
    assert report.unknown_fields == ["folder"]
    assert "Kept fields DSF does not use, for the export: folder." in report.sentence()
    assert world.version == 2
    assert "Imported 5 entries" in last_change(session, ada, world).reason

    found = entries_by_name(session, ada, world.id)
    mira = found["Mira Okonkwo"]
    assert mira.aliases == ["Mira", "the harbour engineer"]
    assert mira.body.startswith("Mira Okonkwo is the chief engineer")
    assert (mira.pinned, mira.excluded) == (False, False)
    port = found["Port Saline"]
    assert port.kind == CodexKind.PLACE  # its group is "Places"
    assert port.activation.secondary_keys == ["harbour", "docks", "market"]
    assert (port.activation.order, port.extra["position"], port.activation.logic) == (
        90,
        1,
        Logic.AND_ALL,
    )
    assert port.extra["extensions"]["world_tools"]["map"]["layers"] == ["flood", "market"]
    assert port.activation.probability != 100 and "depth" not in port.extra  # 4: the default
    assert found["Fusion Consortium"].pinned  # constant
    assert found["Fusion Consortium"].activation.case_sensitive is True
    riots = found["Brine Riots (draft, do not use)"]
    assert riots.excluded and riots.kind == CodexKind.EVENT  # disabled; group "History"
    assert riots.aliases == ["Brine Riots"] and riots.activation.name_is_key is False
    assert riots.extra["folder"] == "History/Unrest"
    assert "kelp turbine" in found  # no comment: named by its first key


def test_an_older_world_info_file_with_odd_entries(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    report = lorebook.import_lorebook(
        session,
        ada,
        world.id,
        lorebook_format.parse(_read("archive_world_info_2023.json")),
        author="person",
    )
    assert report.created == 4
    assert report.skipped == ["entry 3 (not an object)"]
    found = entries_by_name(session, ada, world.id)
    assert set(found) == {
        "The Orbital Archive",
        "Archivist Teo",
        "Archivist Teo (2)",
        "Glass storage",
    }
    # Keys given as one text; "glass storage" is the name already.
    assert found["Glass storage"].aliases == ["quartz plates"]
    assert found["Glass storage"].pinned
    assert found["Archivist Teo"].activation.secondary_keys == ["Archive"]


def test_a_character_card_v3_lorebook(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    report = lorebook.import_lorebook(
        session, ada, world.id, lorebook_format.parse(_read("reef_card_v3.json")), author="person"
    )
    assert (report.source, report.created, report.unknown_fields) == (
        "character card v3 and its lorebook",
        4,
        [],
    )
    found = entries_by_name(session, ada, world.id)
    kesh = found["Reef of Kesh"]  # the card entry's `name`, since its comment is empty
    assert kesh.aliases == ["Kesh", "the drowned reef"] and kesh.pinned
    assert (kesh.activation.order, kesh.extra["position"], kesh.extra["depth"]) == (50, 1, 2)
    assert kesh.extra["card_priority"] == 10
    assert kesh.extra["extensions"] == {
        "chub": {"expressions": None, "alt_keys": {"v": ["Kesh Reef"]}}
    }
    assert found["Tidewardens"].excluded  # enabled: false
    ilse = found["Captain Ilse Varga"]  # the card's own character
    assert (ilse.kind, ilse.body) == (CodexKind.CHARACTER, kesh_card_description())
    assert ilse.tags == ["reef", "sci-fi"] and ilse.extra["card"]["nickname"] == "Ilse"


def kesh_card_description() -> str:
    return json.loads(_read("reef_card_v3.json"))["data"]["description"]


def test_a_v2_card_and_a_bare_character_book() -> None:
    book = {
        "entries": [
            {
                "keys": ["Vale"],
                "content": "A valley.",
                "extensions": {},
                "enabled": True,
                "insertion_order": 1,
                "mood": "grim",
            }
        ]
    }
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"character_book": book}}
    parsed = lorebook_format.parse(json.dumps(card))
    assert parsed.source == "character card v2 and its lorebook"
    assert parsed.unknown_fields == {"mood"}
    [entry] = parsed.entries
    assert (entry.fields.name, entry.activation.order, entry.extra["mood"]) == ("Vale", 1, "grim")
    assert lorebook_format.parse(json.dumps(book)).source == "character lorebook"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a SillyTavern lorebook"),
        ('{"name": "x"}', "not a SillyTavern lorebook"),
        ('{"spec": "chara_card_v2", "data": {"name": " "}}', "names no character"),
        ('{"spec": "chara_card_v2", "data": ["x"]}', "“data” is not an object"),
        ('{"entries": {"0": {"key": ["x"], "comment": "' + "n" * 300 + '"}}}', None),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
    ],
)
def test_odd_files_are_refused_or_reported_never_a_crash(data: str, message: str | None) -> None:
    if message is None:
        name = lorebook_format.parse(data).entries[0].fields.name
        assert name == "n" * 200  # cut to a name's length
        return
    with pytest.raises(Invalid, match=message):
        lorebook_format.parse(data)


def test_size_and_count_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lorebook_format, "MAX_LOREBOOK_BYTES", 100)
    with pytest.raises(Invalid, match="larger than 0 MB, the most a lorebook may be"):
        lorebook_format.parse(" " * 101)
    sent = [b"{" * 60, b" " * 60, b" " * 60]
    taken: list[bytes] = []

    async def upload() -> AsyncIterator[Piece]:
        for data in sent:
            taken.append(data)
            yield Piece("big.json", data)

    with pytest.raises(Invalid, match="larger than 0 MB"):
        asyncio.run(lorebook_format.read_upload(upload()))
    assert len(taken) == 2  # reading stopped at the chunk past the limit
    monkeypatch.setattr(lorebook_entries, "MAX_ENTRIES", 2)
    many = {"entries": {str(i): {"key": [f"k{i}"]} for i in range(3)}}
    with pytest.raises(Invalid, match="import at most 2"):
        lorebook_format.parse(json.dumps(many))


def test_a_bad_entry_is_skipped_and_named() -> None:
    data = {"entries": {"0": {"key": ["ok"]}, "1": {"key": ["x" * 300], "comment": "Long key"}}}
    parsed = lorebook_format.parse(json.dumps(data))
    assert [e.fields.name for e in parsed.entries] == ["ok"]
    assert parsed.skipped[0].startswith("“Long key”")


@pytest.mark.parametrize(
    "fixture", ["tidewater_world_info.json", "archive_world_info_2023.json", "reef_card_v3.json"]
)
def test_export_then_import_gives_the_same_entries(session: Session, fixture: str) -> None:
    ada = make_actor(session)
    first = make_world(session, ada, "First")
    lorebook.import_lorebook(
        session, ada, first.id, lorebook_format.parse(_read(fixture)), author="person"
    )
    name, text = lorebook.export_lorebook(session, ada, first.id)
    assert name == "first.lorebook.json"
    exported = json.loads(text)
    for entry in exported["entries"].values():  # what SillyTavern needs of every entry
        assert set(lorebook_entries.WORLD_INFO_DEFAULTS) <= set(entry)
        assert {"uid", "key", "content", "comment", "extensions"} <= set(entry)
    second = make_world(session, ada, "Second")
    report = lorebook.import_lorebook(
        session, ada, second.id, lorebook_format.parse(text), author="person"
    )
    assert report.skipped == [] and report.duplicates == []
    before = {n: kept(e) for n, e in entries_by_name(session, ada, first.id).items()}
    after = {n: kept(e) for n, e in entries_by_name(session, ada, second.id).items()}
    assert after == before


def test_dsf_entries_and_their_links_survive_the_round_trip(session: Session) -> None:
    ada = make_actor(session)
    first = make_world(session, ada, "First")
    mira = codex.create_entry(
        session,
        ada,
        first.id,
        EntryFields(
            name="Mira",
            kind=CodexKind.CHARACTER,
            aliases=["the engineer"],
            summary="Runs the turbines.",
            body="Born in the flood year.\n\nDistrusts the Consortium.",
            tags=["crew", "port"],
        ),
        author="person",
    )
    port = codex.create_entry(
        session, ada, first.id, EntryFields(name="Port", kind=CodexKind.PLACE), author="person"
    )
    codex.set_flags(session, ada, port.id, pinned=True)
    codex_links.add_link(session, ada, mira.id, port.id, "lives in", author="person")
    _, text = lorebook.export_lorebook(session, ada, first.id)
    entry = next(e for e in json.loads(text)["entries"].values() if e["comment"] == "Mira")
    assert entry["key"] == ["Mira", "the engineer"]
    assert (
        entry["content"]
        == "Runs the turbines.\n\nBorn in the flood year.\n\nDistrusts the Consortium."
    )
    second = make_world(session, ada, "Second")
    lorebook.import_lorebook(session, ada, second.id, lorebook_format.parse(text), author="person")
    again = entries_by_name(session, ada, second.id)
    assert kept(again["Mira"]) == kept(mira) and kept(again["Port"]) == kept(port)
    [link] = codex_links.links_of(session, ada, again["Mira"].id)
    assert (link.other_name, link.relation) == ("Port", "lives in")


def test_only_the_worlds_writers_import_into_it(session: Session) -> None:
    from dsf_app.errors import Forbidden, NotFound
    from dsf_app.models import Visibility

    ada, eve = make_actor(session, "Ada"), make_actor(session, "Eve")
    public = make_world(session, ada, "Open", visibility=Visibility.PUBLIC)
    private = make_world(session, ada, "Closed")
    data = _read("archive_world_info_2023.json")
    with pytest.raises(Forbidden):
        lorebook.import_lorebook(
            session, eve, public.id, lorebook_format.parse(data), author="person"
        )
    with pytest.raises(NotFound):
        lorebook.import_lorebook(
            session, eve, private.id, lorebook_format.parse(data), author="person"
        )
    with pytest.raises(NotFound):
        lorebook.export_lorebook(session, eve, private.id)
    assert codex.list_entries(session, ada, public.id) == []


def test_importing_again_leaves_the_entries_there_as_they_were(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    codex.create_entry(session, ada, world.id, EntryFields(name="Port Saline"), author="person")
    report = lorebook.import_lorebook(
        session,
        ada,
        world.id,
        lorebook_format.parse(_read("tidewater_world_info.json")),
        author="person",
    )
    assert (report.created, report.duplicates) == (4, ["Port Saline"])
    assert "1 already in the Codex were left as they were: Port Saline." in report.sentence()


def test_imported_entries_match_as_sillytavern_said(session: Session) -> None:
    """A comment that is not a key is only a label; a case-sensitive entry matches as written."""
    ada = make_actor(session)
    world = make_world(session, ada)
    lorebook.import_lorebook(
        session,
        ada,
        world.id,
        lorebook_format.parse(_read("tidewater_world_info.json")),
        author="person",
    )
    text = "Brine Riots (draft, do not use): the Fusion Consortium, not the fusion consortium."
    [pieces] = mentions.link_texts(session, ada, world.id, [text])
    assert [p.text for p in pieces if p.target] == ["Brine Riots", "Fusion Consortium"]


EVERY_FIELD = {
    "key": ["Ife Oyelaran", "Ife", "/organi[sz]er/i"],
    "keysecondary": ["dock", "strike"],
    "comment": "Ife Oyelaran",
    "content": "Dock organiser.",
    "constant": False,
    "vectorized": True,
    "selective": False,
    "selectiveLogic": 2,
    "addMemo": False,
    "order": 42,
    "position": 4,
    "disable": True,
    "ignoreBudget": True,
    "excludeRecursion": True,
    "preventRecursion": True,
    "matchPersonaDescription": True,
    "matchCharacterDescription": True,
    "matchCharacterPersonality": True,
    "matchCharacterDepthPrompt": True,
    "matchScenario": True,
    "matchCreatorNotes": True,
    "delayUntilRecursion": 2,
    "probability": 35,
    "useProbability": False,
    "depth": 7,
    "outletName": "side",
    "group": "port, union",
    "groupOverride": True,
    "groupWeight": 250,
    "scanDepth": 3,
    "caseSensitive": True,
    "matchWholeWords": False,
    "useGroupScoring": True,
    "automationId": "auto-1",
    "role": 1,
    "sticky": 2,
    "cooldown": 3,
    "delay": 4,
    "triggers": ["normal", "continue"],
    "characterFilter": {"isExclude": True, "names": ["Mira"], "tags": ["crew"]},
    "displayIndex": 9,
    "folder": "People/Union",
}


@pytest.mark.parametrize("as_card", [False, True], ids=["world info", "card"])
def test_every_world_info_field_round_trips(session: Session, as_card: bool) -> None:
    """Each field of SillyTavern's entry, none at its default, comes back out as it went in
    (through a World Info file, and through a PNG card's book)."""
    ada = make_actor(session)
    world = make_world(session, ada)
    book = lorebook_format.parse(json.dumps({"entries": {"0": EVERY_FIELD}}))
    assert book.skipped == []
    lorebook.import_lorebook(session, ada, world.id, book, author="person")
    [(entry, exported)] = lorebook._world_info(session, ada, world.id)
    if as_card:
        card = lorebook_entries.card_book_entry(exported)
        again = lorebook_entries.Lorebook("card")
        lorebook_entries.read_card_book(again, {"entries": [card]})
        [parsed] = again.entries
        assert (parsed.activation, parsed.extra) == (entry.activation, entry.extra)
        return
    assert entry.activation.keys == ["/organi[sz]er/i"] and entry.aliases == ["Ife"]
    assert {name: exported[name] for name in EVERY_FIELD} == EVERY_FIELD
