"""The Codex services on a real database: entries created, changed, linked, pinned, suggested,
accepted, rejected and deleted by the people allowed to — each change of the lore a new version
of the world in its changelog — with mentions found on word boundaries and backlinks."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CodexKind, CodexStatus, CollaboratorRole, Visibility
from dsf_app.services import codex, codex_form, codex_links, mentions, versions, worlds
from dsf_app.services.codex import EntryChanges, EntryFields
from dsf_app.services.mentions import Matcher, Trigger
from tests.factories import (
    last_change,
    make_actor,
    make_segment,
    make_story,
    make_world,
    share,
)


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
    change = last_change(session, ada, world)
    assert change.path == "codex/Mira Okonkwo" and change.operation == "add"
    assert change.author == "person" and "Added the character" in change.reason
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
    assert (changed.version, world.version) == (3, 3)
    assert last_change(session, ada, world).reason == "She retired."
    with pytest.raises(Invalid, match="changed since you read it"):
        codex.update_entry(
            session, ada, entry.id, EntryChanges(body="x"), author="agent", expected_version=2
        )

    codex.delete_entry(session, ada, entry.id, author="person")
    assert world.version == 4 and last_change(session, ada, world).operation == "remove"
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
    assert world.version == 2
    assert "Accepted the suggested" in last_change(session, ada, world).reason
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
    link = codex_links.add_link(session, ada, mira.id, port.id, "lives in", author="person")
    again = codex_links.add_link(session, ada, mira.id, port.id, "lives in", author="agent")
    assert again.id == link.id and world.version == 4
    [out] = codex_links.links_of(session, ada, mira.id)
    [back] = codex_links.links_of(session, ada, port.id)
    assert (out.other_name, out.relation, out.outgoing) == ("Port Saline", "lives in", True)
    assert (back.other_name, back.outgoing) == ("Mira Okonkwo", False)
    with pytest.raises(Invalid, match="itself"):
        codex_links.add_link(session, ada, mira.id, mira.id, "", author="person")
    other = codex.create_entry(
        session,
        ada,
        make_world(session, ada, "Elsewhere").id,
        EntryFields(name="X"),
        author="person",
    )
    with pytest.raises(Invalid, match="another world"):
        codex_links.add_link(session, ada, mira.id, other.id, "", author="person")
    codex_links.remove_link(session, ada, link.id, author="person")
    assert codex_links.links_of(session, ada, mira.id) == []


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
    codex_links.add_link(session, ada, port.id, mira.id, "home of", author="person")
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
    [pieces] = mentions.link_texts(session, ada, world.id, ["Mira and Teo."])
    assert [p.text for p in pieces if p.target] == ["Mira"]
    codex.create_entry(session, ada, world.id, EntryFields(name="Teo"), author="person")
    [pieces] = mentions.link_texts(session, ada, world.id, ["Mira and Teo."])
    assert [p.text for p in pieces if p.target] == ["Mira", "Teo"]


def test_a_diff_of_two_versions_shows_what_changed_in_the_codex(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    mira = codex.create_entry(session, ada, world.id, _mira(), author="person")  # v2
    port = codex.create_entry(  # v3
        session,
        ada,
        world.id,
        EntryFields(name="Port Saline", kind=CodexKind.PLACE),
        author="agent",
    )
    codex_links.add_link(session, ada, mira.id, port.id, "lives in", author="person")  # v4
    codex.update_entry(  # v5
        session,
        ada,
        mira.id,
        EntryChanges(name="Mira Okafor", summary="Retired engineer."),
        author="person",
        expected_version=4,
    )
    suggestion = codex.create_entry(  # no new version until it is accepted
        session,
        ada,
        world.id,
        EntryFields(name="Teo"),
        author="agent",
        status=CodexStatus.SUGGESTED,
    )
    codex.delete_entry(session, ada, port.id, author="person")  # v6
    codex.set_status(session, ada, suggestion.id, CodexStatus.ACTIVE, author="person")  # v7
    assert world.version == 7

    def diff(left: int, right: int) -> dict[str, tuple[str, str, str]]:
        rows = versions.diff_versions(session, ada, world.id, left, right)
        return {r.path: (r.left, r.right, r.change) for r in rows if r.path.startswith("codex/")}

    assert diff(1, 2) == {
        "codex/Mira Okonkwo.name": ("", "Mira Okonkwo", "added"),
        "codex/Mira Okonkwo.kind": ("", "character", "added"),
        "codex/Mira Okonkwo.aliases": ("", "Mira, the harbour engineer", "added"),
        "codex/Mira Okonkwo.summary": ("", "Chief engineer of the kelp turbines.", "added"),
    }
    # Between 3 and 5 Mira was linked and renamed: one label for her on both sides.
    assert diff(3, 5) == {
        "codex/Mira Okafor.name": ("Mira Okonkwo", "Mira Okafor", "changed"),
        "codex/Mira Okafor.summary": (
            "Chief engineer of the kelp turbines.",
            "Retired engineer.",
            "changed",
        ),
        "codex/Mira Okafor.links": ("", "lives in → Port Saline", "added"),
    }
    assert diff(5, 3) == {
        path: (new, old, _flip(how)) for path, (old, new, how) in diff(3, 5).items()
    }
    # Deleting Port Saline removes it, and Mira's link to it with it; Teo arrives on acceptance.
    assert diff(5, 7) == {
        "codex/Mira Okafor.links": ("lives in → Port Saline", "", "removed"),
        "codex/Port Saline.name": ("Port Saline", "", "removed"),
        "codex/Port Saline.kind": ("place", "", "removed"),
        "codex/Teo.name": ("", "Teo", "added"),
        "codex/Teo.kind": ("", "concept", "added"),
    }
    assert diff(6, 6) == {}
    eve = make_actor(session, "Eve")
    with pytest.raises(NotFound):
        versions.diff_versions(session, eve, world.id, 1, 7)


def _flip(change: str) -> str:
    return {"added": "removed", "removed": "added"}.get(change, change)


def test_a_lorebook_sized_change_lists_a_bounded_number_of_entries(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsf_app.services import codex_history

    monkeypatch.setattr(codex_history, "DIFF_ENTRIES", 2)
    ada = make_actor(session)
    world = make_world(session, ada)
    for name in ("Ash", "Birch", "Cedar", "Dune"):
        codex.create_entry(session, ada, world.id, EntryFields(name=name), author="person")
    rows = versions.diff_versions(session, ada, world.id, 1, 5)
    names = {row.path.split(".")[0] for row in rows if row.path != "codex/…"}
    assert len(names) == 2
    assert rows[-1].path == "codex/…" and rows[-1].right.startswith("2 more entries changed")


def test_the_editor_form_creates_changes_and_accepts(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    form = {
        "name": " Kelp Guild ",
        "kind": "faction",
        "aliases": "the Guild\n\n guildsfolk ",
        "tags": "trade, , kelp",
        "image": codex_form.NO_IMAGE,
        "reason": "From chapter one.",
    }
    made = codex_form.save_form(
        session, ada, world.id, None, form, expected_version=0, accept=False
    )
    assert (made.name, made.kind, made.aliases, made.tags) == (
        "Kelp Guild",
        CodexKind.FACTION,
        ["the Guild", "guildsfolk"],
        ["trade", "kelp"],
    )
    assert last_change(session, ada, world).reason == "From chapter one."
    with pytest.raises(Invalid, match="kind"):
        codex_form.save_form(
            session,
            ada,
            world.id,
            None,
            {"name": "X", "kind": "dragon"},
            expected_version=0,
            accept=False,
        )
    teo = codex.create_entry(
        session,
        ada,
        world.id,
        EntryFields(name="Teo"),
        author="agent",
        status=CodexStatus.SUGGESTED,
    )
    edited = codex_form.save_form(
        session,
        ada,
        world.id,
        teo.id,
        {"name": "Teo Vance", "kind": "character", "summary": "A diver."},
        expected_version=teo.version,
        accept=True,
    )
    assert (edited.name, edited.status, edited.summary) == (
        "Teo Vance",
        CodexStatus.ACTIVE,
        "A diver.",
    )
    other = make_world(session, ada, "Elsewhere")
    with pytest.raises(NotFound):  # the entry is not of the world the page shows
        codex_form.save_form(
            session,
            ada,
            other.id,
            teo.id,
            {"name": "Y"},
            expected_version=edited.version,
            accept=False,
        )
    assert codex.toggle_flag(session, ada, teo.id, "pinned").pinned
    flipped = codex.toggle_flag(session, ada, teo.id, "excluded")
    assert (flipped.pinned, flipped.excluded) == (False, True)
