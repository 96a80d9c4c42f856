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
    """Remove `held` (from `account_deletion.confirm`), anything else stored under the person's
    name, then the rows. ServiceUnavailable, naming what is left, if S3 or Letta fails."""
    held |= await _unrecorded(actor)
    removed = Outside()
    for _ in range(ROUNDS):
        await _remove(held)
        removed |= held
        held = await asyncio.to_thread(_delete_rows, actor, removed)
        if not held:
            return
    raise ServiceUnavailable(
        "Your account is not deleted yet: new images or agents kept appearing while it was "
        "being deleted. Stop any conversation that is still running, then delete it again."
    )


async def _unrecorded(actor: Actor) -> Outside:
    """Files stored and agents created for the person without a row naming them (a crash
    between the two steps): found by their key prefix and their Letta tag."""
    try:
        keys = await asyncio.to_thread(
            asset_files.asset_storage().keys_under, owner_prefix(actor.user_id)
        )
    except DSFError as exc:
        raise _not_yet(f"its stored files could not be listed ({exc})") from exc
    try:
        agents = await agents_tagged(str(actor.user_id))
    except Exception as exc:  # any failure of the Letta client: said, and retried by the person
        raise _not_yet(f"its agents on the Letta server could not be listed ({exc})") from exc
    return Outside(frozenset(keys), frozenset(agents))


async def _remove(held: Outside) -> None:
    """Remove every file and agent in `held`, trying them all before reporting what failed."""
    storage = asset_files.asset_storage()
    failed_files: list[str] = []
    for key in sorted(held.storage_keys):
        try:
            await asyncio.to_thread(storage.delete, key)
        except NotFound:
            continue
        except DSFError as exc:
            log.warning("Could not delete %s of a deleted account: %s", key, exc)
            failed_files.append(str(exc))
    failed_agents = await delete_agents(sorted(held.letta_agent_ids))
    problems = []
    if failed_files:
        problems.append(f"{_count(len(failed_files), 'stored file')} ({failed_files[0]})")
    if failed_agents:
        first = next(iter(failed_agents.values()))
        problems.append(f"{_count(len(failed_agents), 'agent')} on the Letta server ({first})")
    if problems:
        raise _not_yet(" and ".join(problems) + " could not be removed")


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
