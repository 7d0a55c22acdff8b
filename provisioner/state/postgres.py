"""The PostgreSQL backend: one workspace's state in rows, for teams and CI.

    state: postgresql://apply@db.internal/rooms?workspace=prod

The same document and semantics as the local file (serial, lineage, pending
creates, one durable unit per commit), laid out in `pg_rows.py`, with the
history of `pg_history.py` and the lease of `pg_lease.py`. Every write is one
transaction that

  1. checks, with the lease row locked, that this run still holds the lease
     (its fencing token): a run that lost it never writes again;
  2. advances the head from the serial (and lineage) this run read to the
     next one, a compare-and-swap: a writer that read a stale serial is
     refused and nothing it did not see is overwritten;
  3. upserts the touched rows and appends a journal row.

A commit is acknowledged once that transaction committed (durable, with
PostgreSQL's default synchronous_commit). Operations that finish together
arrive as one commit (`apply/writer.py` groups them): one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from provisioner.errors import StateError
from provisioner.state import pg_history, pg_lease
from provisioner.state.backend import Version
from provisioner.state.document import Op, State
from provisioner.state.location import PgLocation
from provisioner.state.pg_connect import (
    Database,
    check_readable,
    errors,
    schema_version,
)
from provisioner.state.pg_lock import WorkspaceLock
from provisioner.state.pg_rows import (
    Touched,
    clear_rows,
    everything,
    read_sql,
    state_from,
    strip_links,
    touched,
    write_rows,
)
from provisioner.state.pg_schema import SCHEMA, SECRETS

LINKS_DENIED = (
    "this database role cannot read join links (only the apply role can): "
    "use the apply role for output and apply; this one can plan"
)


class PostgresBackend:
    """The state of one workspace in a PostgreSQL database."""

    def __init__(
        self, where: PgLocation, history_keep: int = 100, lease_seconds: float = 60
    ) -> None:
        self.where = where
        self.workspace = where.workspace
        self.history_keep = history_keep
        self.lease_seconds = lease_seconds
        self._db = Database(where.conninfo, where.display)
        self._lock = WorkspaceLock(self._db, where.workspace, lease_seconds)
        self._lease: pg_lease.Lease | None = None
        self._head: tuple[int, str | None] | None = None
        self._failed: str | None = None

    @property
    def location(self) -> str:
        return self.where.display

    def close(self) -> None:
        self._db.close()

    # -- reading -------------------------------------------------------------

    def read(self, links: bool = True) -> State:
        """The current state; without `links`, rooms come without join URLs."""
        with self._errors("reading the state"):
            conn = self._db.conn()
            version = schema_version(conn)
            check_readable(version, self.location)
            state = State() if version is None else self._read_rows(conn, links)
        self._head = (state.serial, state.lineage)
        self._failed = None
        return state

    def _read_rows(self, conn: psycopg.Connection[Any], links: bool) -> State:
        try:
            row = conn.execute(read_sql(links), {"ws": self.workspace}).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            if not links:
                raise
            raise StateError(f"{self.location}: {LINKS_DENIED}") from None
        assert row is not None  # the query always yields one row
        lineage, serial, document, urls = row
        return state_from(lineage, serial, document, urls, self.location)

    def history(self) -> list[Version]:
        with self._errors("reading the history"), self._cursor() as cur:
            cur.execute(
                f"SELECT serial FROM {SCHEMA}.workspaces WHERE workspace = %s",
                (self.workspace,),
            )
            row = cur.fetchone()
            head = int(row[0]) if row else 0
            return pg_history.versions(cur, self.workspace, head, self.history_keep)

    def read_version(self, serial: int) -> State:
        with self._errors(f"reading version {serial}"), self._cursor() as cur:
            return pg_history.read_version(cur, self.workspace, serial, self.location)

    @contextmanager
    def _cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        conn = self._db.conn()
        if schema_version(conn) is None:
            raise StateError(f"{self.location}: no state has been written here yet")
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    # -- writing -------------------------------------------------------------

    def commit(self, state: State, ops: list[Op]) -> None:
        """Apply `ops` and write them as one transaction (fenced, CAS on serial)."""
        lease = self._writable(state)
        try:
            keys = touched(ops)
            stripped, links = strip_links(ops)
        except (KeyError, TypeError, AttributeError) as exc:
            raise StateError(f"invalid state operation: {exc!r}") from None
        before = (state.serial, state.lineage)
        try:
            state.apply(ops)
        except (StateError, KeyError, TypeError, ValueError) as exc:
            raise self._fail(f"invalid state operation: {exc}") from None
        self._write(lease, before, state, keys, (stripped, links))

    def _write(
        self,
        lease: pg_lease.Lease,
        before: tuple[int, str | None],
        state: State,
        keys: Touched,
        journal: tuple[list[Op], dict[str, dict[str, str]]],
    ) -> None:
        try:
            with self._errors("writing the state"), self._fenced(lease) as cur:
                self._advance(cur, before, state)
                write_rows(cur, self.workspace, state, keys)
                self._journal(cur, state, lease, *journal)
        except StateError as exc:
            raise self._fail(str(exc)) from None
        self._head = (state.serial, state.lineage)

    def compact(self, state: State) -> None:
        """Snapshot when due and prune the history (the rows are current already)."""
        if state.lineage is None:
            return
        lease = self._writable(state)
        try:
            with self._errors("compacting the state"), self._fenced(lease) as cur:
                self._advance(cur, (state.serial, state.lineage), state)
                who = lease.holder.who()
                pg_history.keep_up(cur, self.workspace, state, who, self.history_keep)
        except StateError as exc:
            raise self._fail(str(exc)) from None

    def restore(self, state: State) -> None:
        """Replace the workspace's records with `state` (`state migrate`)."""
        if self._head is None or state.lineage is None:
            raise StateError(f"{self.location}: internal error: restore without a read")
        lease = self._writable(None)
        with self._errors("writing the state"), self._fenced(lease) as cur:
            self._advance(cur, self._head, state)
            clear_rows(cur, self.workspace)
            write_rows(cur, self.workspace, state, everything(state))
            who = lease.holder.who()
            pg_history.snapshot(cur, self.workspace, state.serial, state.lineage, who)
        self._head = (state.serial, state.lineage)

    def _writable(self, state: State | None) -> pg_lease.Lease:
        if self._failed is not None:
            raise StateError(
                f"{self.location}: an earlier state write failed ({self._failed}); "
                "refusing to write more until the state is read again"
            )
        if self._lease is None or self._head is None:
            raise StateError(
                f"{self.location}: internal error: a write without the lock or a read"
            )
        if state is not None and self._head[0] != state.serial:
            raise StateError(
                f"{self.location}: the state read is at serial {self._head[0]} but "
                f"this run holds serial {state.serial}; refusing to write"
            )
        return self._lease

    def _fail(self, reason: str) -> StateError:
        """Refuse every later write: the state in memory may be ahead of the rows."""
        self._failed = reason
        return StateError(reason)

    @contextmanager
    def _fenced(self, lease: pg_lease.Lease) -> Iterator[psycopg.Cursor[Any]]:
        conn = self._db.conn()
        with conn.transaction(), conn.cursor() as cur:
            if not pg_lease.still_mine(cur, lease):
                raise StateError(
                    f"{self.location}: this run's lease on the state lock was lost "
                    "(it expired, was force-unlocked or taken over); refusing to "
                    "write: run again"
                )
            yield cur

    def _advance(
        self, cur: psycopg.Cursor[Any], before: tuple[int, str | None], state: State
    ) -> None:
        """The compare-and-swap: head moves from `before` to `state`'s serial."""
        cur.execute(
            f"UPDATE {SCHEMA}.workspaces SET serial = %s, lineage = %s, "
            "updated_at = now() WHERE workspace = %s AND serial = %s "
            "AND lineage IS NOT DISTINCT FROM %s",
            (state.serial, state.lineage, self.workspace, *before),
        )
        if cur.rowcount == 1:
            return
        cur.execute(
            f"SELECT serial FROM {SCHEMA}.workspaces WHERE workspace = %s",
            (self.workspace,),
        )
        row = cur.fetchone()
        raise StateError(
            f"{self.location}: the state is at serial {row[0] if row else '?'} "
            f"(or another lineage), not the serial {before[0]} this run read: "
            "another writer changed it; refusing to write (nothing was lost)"
        )

    def _journal(
        self,
        cur: psycopg.Cursor[Any],
        state: State,
        lease: pg_lease.Lease,
        ops: list[Op],
        links: dict[str, dict[str, str]],
    ) -> None:
        params = (self.workspace, state.serial)
        cur.execute(
            f"INSERT INTO {SCHEMA}.journal (workspace, serial, lineage, committed_by, "
            "ops) VALUES (%s, %s, %s, %s, %s)",
            (*params, state.lineage, lease.holder.who(), Jsonb(ops)),
        )
        if links:
            cur.execute(
                f"INSERT INTO {SECRETS}.journal_links (workspace, serial, links) "
                "VALUES (%s, %s, %s)",
                (*params, Jsonb(links)),
            )

    # -- the lock ------------------------------------------------------------

    @contextmanager
    def lock(self, command: str, timeout: float) -> Iterator[None]:
        """Hold the workspace's lease, renewed by a heartbeat, for `command`."""
        with self._lock.hold(command, timeout) as lease:
            self._lease = lease
            try:
                yield
            finally:
                self._lease = None

    def lock_holder(self) -> pg_lease.LeaseHolder | None:
        return self._lock.holder()

    def force_unlock(self, lock_id: str) -> pg_lease.LeaseHolder:
        return self._lock.force_unlock(lock_id)

    def _errors(self, doing: str) -> Any:
        return errors(self.location, doing)
