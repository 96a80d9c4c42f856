"""Deleting an account everywhere it lives: its files in S3, its agents on the Letta server, then
its rows in PostgreSQL (`services/account_deletion.py` says which).

The order is chosen so that a failure never leaves an account half-deleted and out of reach.
The outside things go first, with no database session open, while the account still exists:
if S3 or Letta fails, nothing is deleted from the database, the person is told what could not
be removed, and deleting again (still signed in) finishes the job — a file or agent already
gone counts as removed. Only when everything outside is gone are the rows deleted, in one
transaction; that transaction first checks that nothing new appeared meanwhile (an image from a
turn still running) and, if something did, goes back to remove it. The other order (rows
first) would lose, with the rows, the only record of which files and agents to retry.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import OperationalError

from dsf_app.agents.deletion import agents_tagged, delete_agents
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, NotFound, ServiceUnavailable
from dsf_app.services import account_deletion, asset_files
from dsf_app.services.account_deletion import Outside
from dsf_app.services.actor import Actor
from dsf_app.storage import owner_prefix

log = logging.getLogger(__name__)

# Rounds of "remove what is outside, then try the rows" before giving up on a person whose
# running turns keep making new things.
ROUNDS = 3


async def delete_account(actor: Actor, held: Outside) -> None:
    """Remove `held` (from `account_deletion.confirm`) and anything else stored under the
    person's name — files first, then agents — then the rows. ServiceUnavailable, naming what
    is left, if S3 or Letta fails; deleting again picks up where this stopped."""
    files = held.storage_keys | await _files_under(actor)
    await _remove_files(files)
    agents = held.letta_agent_ids | await _agents_of(actor)
    await _remove_agents(agents)
    removed = Outside(files, agents)
    for _ in range(ROUNDS):
        appeared = await asyncio.to_thread(_delete_rows, actor, removed)
        if not appeared:
            return
        await _remove_files(appeared.storage_keys)
        await _remove_agents(appeared.letta_agent_ids)
        removed |= appeared
    raise ServiceUnavailable(
        "Your account is not deleted yet: new images or agents kept appearing while it was "
        "being deleted. Stop any conversation that is still running, then delete it again."
    )


async def _files_under(actor: Actor) -> frozenset[str]:
    """Every file stored under the person's key prefix, with or without a row naming it (a
    crash between storing and recording leaves one without)."""
    try:
        keys = await asyncio.to_thread(
            asset_files.asset_storage().keys_under, owner_prefix(actor.user_id)
        )
    except DSFError as exc:
        raise _not_yet(f"its stored files could not be listed ({exc})") from exc
    return frozenset(keys)


async def _agents_of(actor: Actor) -> frozenset[str]:
    """Every agent on the Letta server tagged with the person's id, recorded or not."""
    try:
        return frozenset(await agents_tagged(str(actor.user_id)))
    except Exception as exc:  # any failure of the Letta client: said, and retried by the person
        raise _not_yet(f"its agents on the Letta server could not be listed ({exc})") from exc


async def _remove_files(keys: frozenset[str]) -> None:
    """Delete every file, trying them all before reporting what failed (one already gone
    counts as deleted)."""
    storage = asset_files.asset_storage()
    failed: list[str] = []
    for key in sorted(keys):
        try:
            await asyncio.to_thread(storage.delete, key)
        except NotFound:
            continue
        except DSFError as exc:
            log.warning("Could not delete %s of a deleted account: %s", key, exc)
            failed.append(str(exc))
    if failed:
        raise _not_yet(f"{_count(len(failed), 'stored file')} could not be removed ({failed[0]})")


async def _remove_agents(agent_ids: frozenset[str]) -> None:
    failed = await delete_agents(sorted(agent_ids))
    if failed:
        first = next(iter(failed.values()))
        raise _not_yet(
            f"{_count(len(failed), 'agent')} on the Letta server could not be removed ({first})"
        )


def _delete_rows(actor: Actor, removed: Outside) -> Outside:
    try:
        with session_scope() as session:
            return account_deletion.delete_rows(session, actor, removed)
    except OperationalError as exc:
        raise _not_yet("the database did not answer") from exc


def _not_yet(what: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"Your account is not deleted yet: {what}. Nothing was deleted from your account's "
        "records, so try again in a moment; whatever was already removed stays removed."
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
