"""Which process drives a turn: two replicas that share a host name never close each other's runs,
and a dead worker in this PID namespace is known to be gone at once."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

from dsf_app import workers
from dsf_app.models.columns import utcnow


def _worker(namespace: str, pid: int, started: str = "1") -> str:
    return f"{workers.HOST}:{namespace}:{pid}:{started}"


def test_this_process_knows_its_own_turns() -> None:
    run_id = uuid.uuid4()
    workers.driving(run_id)
    assert not workers.owner_gone(run_id, workers.WORKER_ID, None)
    workers.released(run_id)
    assert workers.owner_gone(run_id, workers.WORKER_ID, utcnow())


def test_a_dead_worker_in_this_pid_namespace_is_gone_whatever_its_heartbeat() -> None:
    gone = _worker(workers.PID_NAMESPACE, 2**22 + 1)  # above the kernel's PID limit: no process
    assert workers.owner_gone(uuid.uuid4(), gone, utcnow())


def test_a_replica_with_the_same_host_name_is_judged_by_its_heartbeat() -> None:
    # Another container on host networking: same host name, its own PID namespace. Its PID may
    # name no process here (or another one); only its heartbeat says whether it lives.
    other = _worker("another-boot/4026531836", 1)
    assert not workers.owner_gone(uuid.uuid4(), other, utcnow())
    assert workers.owner_gone(uuid.uuid4(), other, utcnow() - timedelta(minutes=5))
    assert workers.owner_gone(uuid.uuid4(), other, None)


def test_a_forked_worker_names_itself_and_drives_none_of_its_parents_turns() -> None:
    # Granian forks its workers from a process that imported the app: each must record its own
    # PID on the runs it drives, or a crashed worker's runs would look alive (its parent lives).
    run_id = uuid.uuid4()
    workers.driving(run_id)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(
            write,
            f"{workers.WORKER_ID}\n{workers.owner_gone(run_id, workers.WORKER_ID, None)}".encode(),
        )
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        child_id, parents_run_undriven_there = answer.read().split("\n")
    os.waitpid(child, 0)
    workers.released(run_id)
    assert child_id.split(":")[2] == str(child)
    assert child_id != workers.WORKER_ID
    assert parents_run_undriven_there == "True"
