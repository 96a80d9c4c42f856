"""Imports take their fair share: one at a time per person (a second one while the first runs
is refused with a sentence, while another person's import goes ahead), a lorebook upload into a
world the person may only read is refused before it is parsed, and the heavy
part of an import runs in a heavy process whose refusals come back as sentences."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, func, select

from dsf_app import pools
from dsf_app.db import session_scope
from dsf_app.errors import Invalid
from dsf_app.models import CodexEntry, Visibility, World
from dsf_app.services import imports, lorebook_format, users, world_import, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.state.codex import CodexState
from tests.accounts import new_account, sign_up_over_http
from tests.e2e_helpers import actor_of, verified
from tests.reflex_socket import reflex_socket
from tests.test_world_import_http import Body, opened, upload
from tests.world_documents import chain, document, story

IMPORTED = "as your own private copy"


def world_names(actor: Actor) -> list[str]:
    with session_scope() as session:
        return list(session.exec(select(World.name).where(World.owner_id == actor.user_id)).all())


async def test_a_second_import_while_one_runs_is_refused_and_another_persons_goes_ahead(
    app_url: str, dsf_in_process: Settings
) -> None:
    ada_account, bob_account = new_account("Ada Importer"), new_account("Bob Importer")
    ada, bob = sign_up_over_http(app_url, ada_account), sign_up_over_http(app_url, bob_account)
    with reflex_socket(app_url, ada) as ada_tab, reflex_socket(app_url, bob) as bob_tab:
        opened(ada_tab)
        opened(bob_tab)
        # Ada's first import, running on another worker: this process holds her slot as the
        # app's own would (the app streams an upload to its handler only once it has all of
        # it, so a test cannot hold one of its imports open half-way).
        async with imports.one_at_a_time(actor_of(ada_account)):
            upload(app_url, ada_tab, Body(iter([document(name="Second Import")])))
            ada_tab.wait_for(imports.BUSY)
            upload(app_url, bob_tab, Body(iter([document(name="Bob's Import")])))
            bob_tab.wait_for(IMPORTED)
        upload(app_url, ada_tab, Body(iter([document(story("Low Tide", chain(3)), name="Later")])))
        ada_tab.wait_for(IMPORTED)
    assert world_names(actor_of(ada_account)) == ["Later"]
    assert world_names(actor_of(bob_account)) == ["Bob's Import"]


def test_a_readers_lorebook_is_refused_before_it_is_parsed(
    app_url: str, dsf_in_process: Settings
) -> None:
    owner_account, reader_account = new_account("Lore Owner"), new_account("Lore Reader")
    sign_up_over_http(app_url, owner_account)
    reader = sign_up_over_http(app_url, reader_account)
    with session_scope() as session:
        owner = verified(owner_account)
        world = worlds.create_world(session, owner, "Open Shelf")
        worlds.set_visibility(session, owner, world.id, Visibility.PUBLIC)
    # 20 MB that are not JSON at all: parsed first, they would be refused as "not JSON" and
    # the refusal for the world would never come.
    not_json = Body(iter([b"{" + b"x" * (lorebook_format.MAX_LOREBOOK_BYTES - 1)]), "book.json")
    with reflex_socket(app_url, reader) as tab:
        tab.send(CodexState.load, f"/worlds/{world.id}")
        upload(app_url, tab, not_json, CodexState.import_lorebook)
        tab.wait_for("You can read this world but not change it")
    with session_scope() as session:
        count = select(func.count(col(CodexEntry.id))).where(CodexEntry.world_id == world.id)
        assert session.exec(count).one() == 0


async def test_the_import_slot_is_one_per_person_on_any_connection(person: Actor) -> None:
    with session_scope() as session:
        other = Actor.of(users.create_user(session, f"{uuid.uuid4().hex}@example.test", "Bo"))
    async with imports.one_at_a_time(person):
        with pytest.raises(Invalid, match="already importing"):
            async with imports.one_at_a_time(person):
                pass
        async with imports.one_at_a_time(other):
            pass
    with pytest.raises(Invalid, match="not a Deep Sci-Fi world export"):
        async with imports.one_at_a_time(person):
            await pools.in_heavy_process(world_import.import_file, person, b"[]")
    async with imports.one_at_a_time(person):  # given back after the refusal
        imported = await pools.in_heavy_process(
            world_import.import_file, person, document(story("Ebb", chain(2)), name="Ebb World")
        )
    assert (imported.name, imported.segments) == ("Ebb World", 2)
    assert world_names(person) == ["Ebb World"]
