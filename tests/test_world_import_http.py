"""A world import as the browser sends it — a streamed upload to Reflex's /_upload endpoint for the
tab's client token — against the app as it ships: an upload from a tab nobody is signed in to,
or one past the size limit, is refused with a sentence and is not read to its end (a world, and
a lorebook into the Codex); a large import runs beside another person's page events, which are
still answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import col, func, select

from dsf_app.db import session_scope
from dsf_app.models import CodexEntry, Story, StorySegment, World
from dsf_app.services import lorebook_format, users, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.world_import import MAX_BYTES, MAX_SEGMENTS
from dsf_app.settings import Settings
from dsf_app.state.auth import SIGNED_OUT
from dsf_app.state.codex import CodexState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import new_account, sign_up_over_http
from tests.reflex_socket import PROBE, Handler, ReflexSocket, event_name, reflex_socket
from tests.world_documents import large_world

BOUNDARY = "dsf-test-boundary"
PIECE = 256 * 1024


class Body:
    """A multipart upload of one file whose bytes come from `content`, sent as they are
    produced; `sent` counts the bytes the client handed to the connection."""

    def __init__(self, content: Iterator[bytes], filename: str = "world.world.json") -> None:
        self.content = content
        self.filename = filename
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        head = (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{self.filename}"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        for piece in (head, *self.content, f"\r\n--{BOUNDARY}--\r\n".encode()):
            self.sent += len(piece)
            yield piece


def filler(size: int) -> Iterator[bytes]:
    for start in range(0, size, PIECE):
        yield b" " * min(PIECE, size - start)


def upload(
    app_url: str, tab: ReflexSocket, body: Body, handler: Handler = WorldsPageState.import_world
) -> int | None:
    """POST the body to /_upload for `tab`'s import `handler`; the status, or None when the app
    closed the connection before taking the whole body."""
    try:
        response = httpx.post(
            f"{app_url}/_upload",
            content=iter(body),
            headers={
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                "Reflex-Client-Token": tab.token,
                "Reflex-Event-Handler": event_name(handler),
                "Origin": app_url,
            },
            timeout=120,
        )
    except httpx.TransportError:
        return None
    return response.status_code


def opened(tab: ReflexSocket) -> ReflexSocket:
    """A tab that has sent one event from the worlds page, as a browser's would have."""
    tab.send(PROBE, "/worlds", value="opened")
    return tab


def worlds_of(email: str) -> int:
    with session_scope() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        return session.exec(
            select(func.count(col(World.id))).where(World.owner_id == user.id)
        ).one()


@pytest.fixture(scope="module")
def person(app_url: str, dsf_in_process: Settings) -> tuple[str, str]:
    account = new_account("Importer")
    return account.email, sign_up_over_http(app_url, account)


def test_an_upload_from_a_tab_nobody_is_signed_in_to_is_refused_unread(app_url: str) -> None:
    with reflex_socket(app_url, None) as tab:
        body = Body(filler(MAX_BYTES * 3))
        status = upload(app_url, opened(tab), body)
        tab.wait_for(SIGNED_OUT)
    assert status in (400, None)
    assert body.sent < MAX_BYTES * 2, f"{body.sent:,} bytes of {MAX_BYTES * 3:,} were taken"
    print(f"\nsigned-out upload: {body.sent:,} of {MAX_BYTES * 3:,} bytes sent before the refusal")


def test_an_upload_past_the_size_limit_is_refused_after_the_limit(
    app_url: str, person: tuple[str, str]
) -> None:
    email, token = person
    before = worlds_of(email)
    with reflex_socket(app_url, token) as tab:
        body = Body(filler(MAX_BYTES * 3))
        status = upload(app_url, opened(tab), body)
        tab.wait_for(f"larger than {MAX_BYTES // 1024 // 1024} MB")
    assert status in (400, None)
    assert body.sent < MAX_BYTES * 2, f"{body.sent:,} bytes of {MAX_BYTES * 3:,} were taken"
    print(f"\noversized upload: {body.sent:,} of {MAX_BYTES * 3:,} bytes sent before the refusal")
    assert worlds_of(email) == before


def test_a_lorebook_upload_signed_out_or_past_its_limit_is_refused_unread(
    app_url: str, person: tuple[str, str]
) -> None:
    email, token = person
    with session_scope() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        world = worlds.create_world(session, Actor.of(user), "Lore Vault")
    path, limit = f"/worlds/{world.id}", lorebook_format.MAX_LOREBOOK_BYTES
    with reflex_socket(app_url, None) as tab:
        tab.send(CodexState.load, path)
        body = Body(filler(limit * 3), "book.json")
        status = upload(app_url, tab, body, CodexState.import_lorebook)
        tab.wait_for(SIGNED_OUT)
    assert status in (400, None) and body.sent < limit * 2, body.sent
    with reflex_socket(app_url, token) as tab:
        tab.send(CodexState.load, path)
        body = Body(filler(limit * 3), "book.json")
        status = upload(app_url, tab, body, CodexState.import_lorebook)
        tab.wait_for("the most a lorebook may be")
    assert status in (400, None) and body.sent < limit * 2, body.sent
    with session_scope() as session:
        count = select(func.count(col(CodexEntry.id))).where(CodexEntry.world_id == world.id)
        assert session.exec(count).one() == 0


def test_another_persons_events_are_answered_while_a_large_world_imports(
    app_url: str, person: tuple[str, str]
) -> None:
    email, token = person
    data = large_world(MAX_SEGMENTS)
    assert len(data) <= MAX_BYTES
    other = sign_up_over_http(app_url, new_account("Bystander"))
    with reflex_socket(app_url, token) as importer, reflex_socket(app_url, other) as bystander:
        opened(importer)
        opened(bystander)
        finished: list[float] = []

        def run() -> None:
            upload(app_url, importer, Body(iter([data])))
            importer.wait_for("as your own private copy", timeout=120)
            finished.append(time.monotonic())

        importing = threading.Thread(target=run)
        importing.start()
        importer.wait_for('"busy_rx_state_": true')
        start = time.monotonic()
        began = start
        answered = bystander.send(WorldsPageState.load, "/worlds")
        latency = time.monotonic() - start
        importing.join(timeout=180)
    assert False in answered.values_of("loading"), "the bystander's page did not load"
    assert finished, "the import did not finish"
    print(
        f"\nbystander's event answered in {latency * 1000:.0f} ms during an import that took "
        f"{finished[0] - began:.1f} s after the upload began"
    )
    assert start + latency < finished[0], "the bystander was answered only after the import"
    with session_scope() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        count = session.exec(
            select(func.count(col(StorySegment.id)))
            .join(Story, col(Story.id) == StorySegment.story_id)
            .join(World, col(World.id) == Story.world_id)
            .where(World.owner_id == user.id, World.name == "Vast Archive")
        ).one()
    assert count == MAX_SEGMENTS
