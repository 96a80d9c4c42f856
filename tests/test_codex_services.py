"""The Codex services on a real database: entries created, changed, linked, pinned, suggested,
accepted, rejected and deleted by the people allowed to — each change of the lore a new version
of the world in its changelog — with mentions found on word boundaries and backlinks."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CodexKind, CodexStatus, CollaboratorRole, Visibility
from dsf_app.services import codex, mentions, versions, worlds
from dsf_app.services.codex import EntryChanges, EntryFields
from dsf_app.services.mentions import Matcher, Trigger
from tests.factories import make_actor, make_segment, make_story, make_world, share


def _mira(**more: object) -> EntryFields:
    return EntryFields.model_validate(
        {
            "name": "Mira Okonkwo",
            "kind": "character",
            "aliases": ["Mira", " mira ", "Mira Okonkwo", "the harbour engineer"],
            "summary": "Chief engineer of the kelp turbines.",
            **more,
        }
    )


def test_an_entry_is_a_change_of_the_world_with_its_version(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    entry = codex.create_entry(session, ada, world.id, _mira(), author="person")
    assert entry.aliases == ["Mira", "the harbour engineer"]  # once each, never the name
    assert (world.version, entry.version) == (2, 2)
    change = world.changelog[-1]
    assert change["path"] == "codex/Mira Okonkwo" and change["operation"] == "add"
    assert change["author"] == "person" and "Added the character" in change["reason"]
    assert [v.version for v in versions.list_versions(session, ada, world.id)] == [2, 1]

    with pytest.raises(Invalid, match="already has an entry named"):
        codex.create_entry(session, ada, world.id, _mira(aliases=[]), author="agent")

    changed = codex.update_entry(
        session,
        ada,
        entry.id,
        EntryChanges(summary="Retired engineer."),
        author="agent",
        expected_version=2,
        reason="She retired.",
    )
    assert (changed.version, world.version, world.changelog[-1]["reason"]) == (3, 3, "She retired.")
    with pytest.raises(Invalid, match="changed since you read it"):
        codex.update_entry(
            session, ada, entry.id, EntryChanges(body="x"), author="agent", expected_version=2
        )

    codex.delete_entry(session, ada, entry.id, author="person")
    assert world.version == 4 and world.changelog[-1]["operation"] == "remove"
    with pytest.raises(NotFound):
        codex.get_entry(session, ada, entry.id)


def test_a_renamed_entry_drops_an_alias_equal_to_its_new_name(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    entry = codex.create_entry(session, ada, world.id, _mira(), author="person")
    codex.update_entry(
        session, ada, entry.id, EntryChanges(name="Mira"), author="person", expected_version=None
    )
    assert (entry.name, entry.aliases) == ("Mira", ["the harbour engineer"])
    assert entry.embedding is None  # its text changed: embedded again later


def test_suggestions_are_accepted_or_rejected_and_not_proposed_twice(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    kwargs = {"author": "agent", "status": CodexStatus.SUGGESTED}
    kelp = codex.create_entry(session, ada, world.id, EntryFields(name="Kelp Guild"), **kwargs)
    tide = codex.create_entry(session, ada, world.id, EntryFields(name="Tide Clock"), **kwargs)
    assert world.version == 1  # a suggestion is not yet the world's lore
    assert codex.list_entries(session, ada, world.id) == []
    suggested = codex.list_entries(session, ada, world.id, statuses=(CodexStatus.SUGGESTED,))
    assert {e.name for e in suggested} == {"Kelp Guild", "Tide Clock"}

    codex.set_status(session, ada, kelp.id, CodexStatus.ACTIVE, author="person")
    codex.set_status(session, ada, tide.id, CodexStatus.REJECTED, author="person")
    assert world.version == 2 and "Accepted the suggested" in world.changelog[-1]["reason"]
    assert [e.name for e in codex.list_entries(session, ada, world.id)] == ["Kelp Guild"]
    with pytest.raises(Invalid, match="rejected"):
        codex.create_entry(session, ada, world.id, EntryFields(name="tide clock"), **kwargs)
    with pytest.raises(Invalid, match="not a suggestion"):
        codex.set_status(session, ada, kelp.id, CodexStatus.REJECTED, author="person")


def test_pin_and_exclude_cancel_each_other_without_a_new_version(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    entry = codex.create_entry(session, ada, world.id, _mira(), author="person")
    codex.set_flags(session, ada, entry.id, pinned=True)
    assert (entry.pinned, entry.excluded) == (True, False)
    codex.set_flags(session, ada, entry.id, excluded=True)
    assert (entry.pinned, entry.excluded, world.version) == (False, True, 2)


def test_links_both_ways_once_each(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    mira = codex.create_entry(session, ada, world.id, _mira(), author="person")
    port = codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Port Saline", kind=CodexKind.PLACE),
        author="person",
    )
    link = codex.add_link(session, ada, mira.id, port.id, "lives in", author="person")
    again = codex.add_link(session, ada, mira.id, port.id, "lives in", author="agent")
    assert again.id == link.id and world.version == 4
    [out] = codex.links_of(session, ada, mira.id)
    [back] = codex.links_of(session, ada, port.id)
    assert (out.other_name, out.relation, out.outgoing) == ("Port Saline", "lives in", True)
    assert (back.other_name, back.outgoing) == ("Mira Okonkwo", False)
    with pytest.raises(Invalid, match="itself"):
        codex.add_link(session, ada, mira.id, mira.id, "", author="person")
    other = codex.create_entry(
        session,
        ada,
        make_world(session, ada, "Elsewhere").id,
        EntryFields(name="X"),
        author="person",
    )
    with pytest.raises(Invalid, match="another world"):
        codex.add_link(session, ada, mira.id, other.id, "", author="person")
    codex.remove_link(session, ada, link.id, author="person")
    assert codex.links_of(session, ada, mira.id) == []


def test_who_may_see_and_change_entries(session: Session) -> None:
    ada, bea, cal = (
        make_actor(session, "Ada"),
        make_actor(session, "Bea"),
        make_actor(session, "Cal"),
    )
    world = make_world(session, ada, visibility=Visibility.PUBLIC)
    share(session, ada, world, bea, CollaboratorRole.VIEWER)
    entry = codex.create_entry(session, ada, world.id, _mira(), author="person")
    idea = codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Idea"),
        author="agent",
        status=CodexStatus.SUGGESTED,
    )
    assert codex.get_entry(session, cal, entry.id).name == "Mira Okonkwo"  # public: readable
    with pytest.raises(NotFound):
        codex.get_entry(session, cal, idea.id)  # a suggestion is for its writers
    assert codex.list_entries(session, cal, world.id, statuses=tuple(CodexStatus)) == [entry]
    for person in (bea, cal):
        with pytest.raises(Forbidden):
            codex.update_entry(
                session,
                person,
                entry.id,
                EntryChanges(body="x"),
                author="person",
                expected_version=None,
            )
        with pytest.raises(Forbidden):
            codex.set_flags(session, person, entry.id, pinned=True)
    worlds.set_visibility(session, ada, world.id, "private")
    with pytest.raises(NotFound):
        codex.get_entry(session, cal, entry.id)
    with pytest.raises(NotFound):
        codex.create_entry(session, cal, world.id, EntryFields(name="Mine"), author="person")


def test_an_image_must_be_one_of_the_worlds(session: Session) -> None:
    from dsf_app.services import assets

    ada = make_actor(session)
    world = make_world(session, ada)
    other = make_world(session, ada, "Other")
    theirs = assets.record_asset(session, ada, other.id, f"k/{other.id}.png", "image/png", 10)
    ours = assets.record_asset(session, ada, world.id, f"k/{world.id}.png", "image/png", 10)
    with pytest.raises(Invalid, match="not an image of"):
        codex.create_entry(session, ada, world.id, _mira(image_asset_id=theirs.id), author="person")
    entry = codex.create_entry(
        session, ada, world.id, _mira(image_asset_id=ours.id), author="person"
    )
    assert entry.image_asset_id == ours.id


# ---- mentions --------------------------------------------------------------------------------


def test_one_pass_finds_names_on_word_boundaries_longest_first() -> None:
    matcher = Matcher(
        [
            Trigger("Mira", "mira"),
            Trigger("Mira Okonkwo", "mira"),
            Trigger("AI", "ai"),
            Trigger("ash", "ash"),
            Trigger("Port Saline", "port"),
            Trigger("Saline", "port"),
        ]
    )
    text = "Mira Okonkwo met mira at Port Saline; the ai said AI. Ashes, ash. Mira's coat, Miranda."
    found = [(m.text, m.targets) for m in matcher.find(text)]
    assert found == [
        ("Mira Okonkwo", ("mira",)),
        ("mira", ("mira",)),
        ("Port Saline", ("port",)),
        ("AI", ("ai",)),  # capitals must match as written: "ai" is not the acronym
        ("ash", ("ash",)),  # not inside "Ashes"
        ("Mira", ("mira",)),  # before an apostrophe; never inside "Miranda"
    ]
    pieces = matcher.pieces("At Port Saline.")
    assert [(p.text, p.target) for p in pieces] == [("At ", ""), ("Port Saline", "port"), (".", "")]
    assert "".join(p.text for p in matcher.pieces(text)) == text
    # Letters that lower-case to two characters keep every index in place.
    assert [m.text for m in matcher.find("İstanbul and Mira")] == ["Mira"]
    # Where the longest name is not a whole word here, a shorter one inside it still counts.
    cities = Matcher([Trigger("New", "new"), Trigger("New York", "ny")])
    found = [(m.text, m.targets) for m in cities.find("New Yorkers left New York.")]
    assert found == [("New", ("new",)), ("New York", ("ny",))]


def test_backlinks_are_the_segments_and_entries_that_mention_it(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    mira = codex.create_entry(session, ada, world.id, _mira(), author="person")
    codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Kelp Guild", summary="Led by the harbour engineer since 2071."),
        author="person",
    )
    codex.create_entry(
        session, ada, world.id, EntryFields(name="Miranda", summary="Not her."), author="person"
    )
    port = codex.create_entry(session, ada, world.id, EntryFields(name="Port"), author="person")
    codex.add_link(session, ada, port.id, mira.id, "home of", author="person")
    story = make_story(session, ada, world)
    make_segment(session, ada, story, "At dawn MIRA checked the rotors. " * 3)
    make_segment(session, ada, story, "Miranda slept.")
    found = mentions.backlinks(session, ada, mira.id)
    assert [s.snippet[:20] for s in found.segments] == ["At dawn MIRA checked"]
    assert [(e.name, e.how) for e in found.entries] == [
        ("Kelp Guild", "mentions it"),
        ("Port", "links to it (home of)"),
    ]


def test_the_reader_links_are_rebuilt_when_entries_change(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    codex.create_entry(session, ada, world.id, _mira(), author="person")
    [pieces] = mentions.link_texts(session, world.id, ["Mira and Teo."])
    assert [p.text for p in pieces if p.target] == ["Mira"]
    codex.create_entry(session, ada, world.id, EntryFields(name="Teo"), author="person")
    [pieces] = mentions.link_texts(session, world.id, ["Mira and Teo."])
    assert [p.text for p in pieces if p.target] == ["Mira", "Teo"]
