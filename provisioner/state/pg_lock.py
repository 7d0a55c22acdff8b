"""Holding one workspace's lease: take it (or wait), renew it, let it go.

The rows and the fencing are `pg_lease.py`'s; this is the part a command
sees: `hold()` around the work, the holder for messages and `lock-info`, and
`force_unlock` for a holder known to be gone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from provisioner.errors import StateError, StateLockedError
from provisioner.state import pg_lease
from provisioner.state.pg_connect import Database, errors, migrate, schema_version

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class WorkspaceLock:
    """The lease on one workspace, through one database connection."""

    def __init__(self, db: Database, workspace: str, seconds: float) -> None:
        self.db = db
        self.workspace = workspace
        self.seconds = seconds

    @contextmanager
    def hold(self, command: str, timeout: float) -> Iterator[pg_lease.Lease]:
        """Take the lease (migrating the tables first) and renew it until exit."""
        with errors(self.db.display, "preparing the state tables"):
            migrate(self.db.conn(), self.db.display)
        lease = self._take(pg_lease.this_process(command), timeout)
        beat_db = Database(self.db.conninfo, self.db.display)
        heartbeat = pg_lease.Heartbeat(
            lambda: pg_lease.renew(beat_db.conn(), lease), lease.seconds
        )
        heartbeat.start()
        try:
            yield lease
        finally:
            heartbeat.stop()
            beat_db.close()
            with suppress(StateError), errors(self.db.display, "releasing the lock"):
                pg_lease.release(self.db.conn(), lease)

    def _take(self, me: pg_lease.LeaseHolder, timeout: float) -> pg_lease.Lease:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            with errors(self.db.display, "taking the state lock"):
                lease, other = pg_lease.try_take(
                    self.db.conn(), me, self.workspace, self.seconds
                )
            if lease is not None:
                if other is not None:
                    log.warning(
                        "the previous %s (pid %s on %s) stopped renewing its lease; "
                        "recovering",
                        other.command,
                        other.pid,
                        other.host,
                    )
                return lease
            assert other is not None
            if time.monotonic() >= deadline:
                raise StateLockedError(locked_message(other, timeout))
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0.01)))

    def holder(self) -> pg_lease.LeaseHolder | None:
        with errors(self.db.display, "reading the lock"):
            conn = self.db.conn()
            if schema_version(conn) is None:
                return None
            return pg_lease.current(conn, self.workspace)

    def force_unlock(self, lock_id: str) -> pg_lease.LeaseHolder:
        with errors(self.db.display, "unlocking"):
            conn = self.db.conn()
            holder = None
            if schema_version(conn) is not None:
                holder = pg_lease.clear(conn, self.workspace, lock_id)
        if holder is None:
            live = self.holder()
            who = f" (it is held by {live.describe()})" if live else ""
            raise StateError(
                f"{self.db.display}: no lock with ID {lock_id}{who}; "
                "nothing was changed"
            )
        return holder


def locked_message(holder: pg_lease.LeaseHolder, timeout: float) -> str:
    expiry = f"; its lease runs to {pg_lease.clock(holder.expires)} unless renewed"
    if timeout > 0:
        return (
            f"state is locked by {holder.describe()}{expiry}; still locked after "
            f"{timeout:g}s: wait for it, or retry with a longer --lock-timeout"
        )
    return (
        f"state is locked by {holder.describe()}{expiry}: wait for it, or retry "
        "with --lock-timeout"
    )
