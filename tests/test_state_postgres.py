"""The PostgreSQL backend in-process: rows, serial CAS, lease and fencing, history.

Every test uses its own workspace (or database) on the session's cluster.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pgkit import Cluster
from statefixtures import room_record

from provisioner.errors import StateError, StateLockedError
from provisioner.state import MISSING_DRIVER, open_backend, pg_lease
from provisioner.state.document import (
    PendingCreate,
    State,
    StateBackend,
    UserRecord,
    op_pending_add,
    op_room_drop,
    op_room_move,
    op_room_put,
    op_user_put,
)
from provisioner.state.pg_schema import grants_sql


@pytest.fixture
def opened() -> Iterator[list[StateBackend]]:
    backends: list[StateBackend] = []
    yield backends
    for backend in backends:
        backend.close()


def _open(
    opened: list[StateBackend], url: str, keep: int = 100, lease: float = 60
) -> StateBackend:
    backend = open_backend(url, Path("."), history_keep=keep, lease_seconds=lease)
    opened.append(backend)
    return backend


def _fill(backend: StateBackend, rooms: int) -> State:
    with backend.lock("apply", 0):
        state = backend.read()
        for i in range(rooms):
            backend.commit(state, [op_room_put(f"r{i}", room_record(f"r{i}"))])
        backend.compact(state)
    return state


def test_commits_read_back_as_the_same_document(
    pg_state: str, opened: list[StateBackend]
) -> None:
    backend = _open(opened, pg_state)
    assert backend.read(links=False) == State()
    pending = PendingCreate("p", room_record("p").request, "sha256:x", "2024-01-01")
    with backend.lock("apply", 0):
        state = backend.read()
        backend.commit(state, [op_room_put("a", room_record("a"))])
        backend.commit(
            state,
            [
                op_room_put("b", room_record("b")),
                op_room_move("a", "c"),
                op_user_put(UserRecord("alice", "plus")),
                op_pending_add(pending),
            ],
        )
        backend.commit(state, [op_room_drop("b")])
        backend.compact(state)
    again = _open(opened, pg_state).read()
    assert again.to_dict() == state.to_dict()
    assert again.serial == 3 and again.lineage is not None
    assert again.rooms["c"].urls == room_record("a").urls
    assert all(not room.urls for room in backend.read(links=False).rooms.values())


def test_links_are_stored_only_in_the_secrets_schema(
    pg_cluster: Cluster, pg_state: str, opened: list[StateBackend]
) -> None:
    _fill(_open(opened, pg_state), 3)
    public = pg_cluster.sql(
        "SELECT string_agg(t::text, '') FROM (SELECT * FROM provisioner.rooms "
        "UNION ALL SELECT workspace, 'j', '', ops FROM provisioner.journal "
        "UNION ALL SELECT workspace, 's', '', document FROM provisioner.snapshots) t",
        db="provisioner_test",
    )
    assert "s3cr3t" not in public[0][0]
    assert "r0" in public[0][0]


def test_a_writer_whose_serial_is_stale_is_refused_and_nothing_is_lost(
    pg_cluster: Cluster, pg_state: str, opened: list[StateBackend]
) -> None:
    backend = _open(opened, pg_state)
    with backend.lock("apply", 0):
        state = backend.read()
        backend.commit(state, [op_room_put("a", room_record("a"))])
        # Someone writes behind the lock's back (an old tool, a hand edit).
        pg_cluster.sql(
            "UPDATE provisioner.workspaces SET serial = serial + 1",
            db="provisioner_test",
        )
        with pytest.raises(StateError, match="another writer changed it"):
            backend.commit(state, [op_room_put("b", room_record("b"))])
        with pytest.raises(StateError, match="an earlier state write failed"):
            backend.commit(state, [op_room_put("c", room_record("c"))])
    assert set(_open(opened, pg_state).read().rooms) == {"a"}


def test_a_holder_that_lost_its_lease_never_writes_again(
    pg_state: str, opened: list[StateBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    stalled = _open(opened, pg_state, lease=1)
    monkeypatch.setattr(pg_lease.Heartbeat, "start", lambda self: None)  # frozen
    with stalled.lock("apply", 0):
        state = stalled.read()
        stalled.commit(state, [op_room_put("a", room_record("a"))])
        monkeypatch.undo()
        time.sleep(1.2)  # the lease expires
        other = _open(opened, pg_state, lease=30)
        with other.lock("apply", 0):
            fresh = other.read()
            other.commit(fresh, [op_room_put("b", room_record("b"))])
            with pytest.raises(StateError, match="lease on the state lock was lost"):
                stalled.commit(state, [op_room_drop("a")])
    assert set(_open(opened, pg_state).read().rooms) == {"a", "b"}


def test_a_second_holder_is_refused_at_once_naming_the_first(
    pg_state: str, opened: list[StateBackend]
) -> None:
    first = _open(opened, pg_state)
    with first.lock("apply", 0):
        holder = first.lock_holder()
        assert holder is not None and holder.command == "apply"
        started = time.monotonic()
        second = _open(opened, pg_state)
        with pytest.raises(StateLockedError) as error, second.lock("state rm", 0.3):
            pass
        assert time.monotonic() - started < 1
    assert f"apply by {holder.user}, pid {holder.pid}" in str(error.value)
    assert f"lock ID {holder.id}" in str(error.value)
    assert first.lock_holder() is None


def test_the_heartbeat_keeps_a_short_lease(
    pg_state: str, opened: list[StateBackend]
) -> None:
    holder = _open(opened, pg_state, lease=0.6)
    with holder.lock("apply", 0):
        state = holder.read()
        time.sleep(1.5)  # more than twice the lease
        holder.commit(state, [op_room_put("a", room_record("a"))])


def test_force_unlock_opens_the_lease_and_fences_its_holder(
    pg_state: str, opened: list[StateBackend]
) -> None:
    holder = _open(opened, pg_state)
    with holder.lock("apply", 0):
        state = holder.read()
        other = _open(opened, pg_state)
        lock = other.lock_holder()
        assert lock is not None
        with pytest.raises(StateError, match="no lock with ID nope"):
            other.force_unlock("nope")
        assert other.force_unlock(lock.id).id == lock.id
        assert other.lock_holder() is None
        with pytest.raises(StateError, match="lease on the state lock was lost"):
            holder.commit(state, [op_room_put("a", room_record("a"))])


def test_history_keeps_the_last_versions_and_reads_them_without_links(
    pg_state: str, opened: list[StateBackend]
) -> None:
    backend = _open(opened, pg_state, keep=4)
    for _ in range(3):
        state = _fill(backend, 4)  # 4 commits per run, each run compacts
    versions = backend.history()
    assert [v.serial for v in versions] == [12, 11, 10, 9]
    assert all(v.committed_by.startswith("apply by ") for v in versions)
    old = backend.read_version(9)
    assert old.serial == 9 and old.lineage == state.lineage
    assert sorted(old.rooms) == ["r0", "r1", "r2", "r3"]
    assert all(not room.urls for room in old.rooms.values())
    with pytest.raises(StateError, match="version 2 is not kept"):
        backend.read_version(2)


def test_tables_of_a_newer_provisioner_are_refused(
    pg_cluster: Cluster, opened: list[StateBackend]
) -> None:
    db = pg_cluster.new_database()
    url = pg_cluster.url(db=db)
    _fill(_open(opened, url), 1)
    pg_cluster.sql("UPDATE provisioner.schema_version SET version = 99", db=db)
    backend = _open(opened, url)
    with pytest.raises(StateError, match="made by a newer provisioner"):
        backend.read()
    newer = pytest.raises(StateError, match="made by a newer provisioner")
    with newer, backend.lock("apply", 0):
        pass


def test_the_plan_role_reads_rooms_but_never_a_link(
    pg_cluster: Cluster, opened: list[StateBackend]
) -> None:
    db = pg_cluster.new_database()
    suffix = uuid.uuid4().hex[:6]
    plan, apply = f"plan_{suffix}", f"apply_{suffix}"
    pg_cluster.sql(grants_sql(plan, apply), db=db)
    _fill(_open(opened, pg_cluster.url(db=db, user=apply)), 2)
    planner = _open(opened, pg_cluster.url(db=db, user=plan))
    assert sorted(planner.read(links=False).rooms) == ["r0", "r1"]
    assert planner.history()
    with pytest.raises(StateError, match="cannot read join links"):
        planner.read()
    with pytest.raises(StateError, match="state grants"), planner.lock("apply", 0):
        pass
    denied = pytest.raises(psycopg.errors.InsufficientPrivilege)
    with psycopg.connect(pg_cluster.url(db=db, user=plan)) as conn, denied:
        conn.execute("SELECT urls FROM provisioner_secrets.room_links")


def test_through_pgbouncer_transaction_pooling(
    pg_cluster: Cluster, opened: list[StateBackend]
) -> None:
    port = pg_cluster.bouncer()
    url = pg_cluster.url(workspace=f"b{uuid.uuid4().hex[:8]}", port=port)
    first = _open(opened, url, lease=2)
    with first.lock("apply", 0):
        state = first.read()
        for i in range(20):
            first.commit(state, [op_room_put(f"r{i}", room_record(f"r{i}"))])
        second = _open(opened, url)
        with pytest.raises(StateLockedError), second.lock("apply", 0):
            pass
        first.compact(state)
    assert _open(opened, url).read().to_dict() == state.to_dict()


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "provisioner.state.postgres", raising=False)
    with pytest.raises(StateError) as error:
        open_backend("postgresql://u@localhost/db", Path("."))
    assert str(error.value) == MISSING_DRIVER


def test_an_unreachable_database_is_one_line_without_python_noise(
    opened: list[StateBackend],
) -> None:
    backend = _open(opened, "postgresql://nobody@127.0.0.1:1/db?workspace=w")
    with pytest.raises(StateError) as error:
        backend.read()
    message = str(error.value)
    assert message.startswith("postgresql://nobody@127.0.0.1:1/db?workspace=w: ")
    assert "unreachable" in message and "\n" not in message


def test_operations_finishing_together_are_one_transaction(
    pg_cluster: Cluster, pg_state: str, opened: list[StateBackend]
) -> None:
    import asyncio

    from provisioner.apply.writer import StateWriter

    backend = _open(opened, pg_state)
    with backend.lock("apply", 0):
        writer = StateWriter(backend, backend.read())

        async def burst() -> None:
            await asyncio.gather(
                *(
                    writer.commit([op_room_put(f"r{i}", room_record(f"r{i}"))])
                    for i in range(30)
                )
            )

        asyncio.run(burst())
    assert len(_open(opened, pg_state).read().rooms) == 30
    workspace = pg_state.rsplit("=", 1)[1]
    rows = pg_cluster.sql(
        f"SELECT count(*) FROM provisioner.journal WHERE workspace = '{workspace}'",
        db="provisioner_test",
    )
    # One journal row (one transaction) per group, far fewer than operations.
    assert rows[0][0] == writer.commits < 30
