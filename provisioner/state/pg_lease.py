"""The PostgreSQL backend's lock: a lease in a row anyone can read.

    provisioner.locks: workspace, token, lock_id, command, username, host, pid,
                       ci_url, since, expires

Taking the lease is one short transaction (row lock, check, update), never a
session advisory lock: PgBouncer's transaction pooling hands a session to
other clients between transactions, so a session lock would be stranded or
lost. The holder renews the lease from a heartbeat thread; a holder that dies
or loses its connection stops renewing and the lease expires after
`lock_lease_seconds`, when the next run may take it.

Every take increments `token`, the fencing token. Each state write checks, in
its own transaction and with the lease row locked, that the lease is still
this holder's (same token and lock ID, not expired); so a holder that lost its
lease (expired, forced open, taken over) can never write again.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from psycopg import Connection, Cursor

from provisioner.state.pg_schema import SCHEMA

log = logging.getLogger(__name__)

_COLUMNS: Final = "lock_id, command, username, host, pid, ci_url, since, expires"


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds (or held) a lease, as its row says."""

    id: str
    command: str
    user: str
    host: str
    pid: int
    ci_url: str | None
    since: datetime | None = None
    expires: datetime | None = None

    def describe(self) -> str:
        """'apply by alice, pid 4242 on ci-7 since 10:02:11 UTC (lock ID …)'."""
        ci = f" in {self.ci_url}" if self.ci_url else ""
        return (
            f"{self.command} by {self.user}, pid {self.pid} on {self.host}{ci} "
            f"since {clock(self.since)} (lock ID {self.id})"
        )

    def who(self) -> str:
        """For the history: 'apply by alice on ci-7 (CI run URL)'."""
        ci = f" ({self.ci_url})" if self.ci_url else ""
        return f"{self.command} by {self.user} on {self.host}{ci}"


@dataclass(frozen=True)
class Lease:
    """A lease this process holds."""

    workspace: str
    token: int
    holder: LeaseHolder
    seconds: float


def clock(when: datetime | None) -> str:
    """'10:02:11 UTC' today, with the date otherwise."""
    if when is None:
        return "an unknown time"
    when = when.astimezone(UTC)
    if when.date() == datetime.now(UTC).date():
        return when.strftime("%H:%M:%S UTC")
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def ci_run_url(env: Mapping[str, str]) -> str | None:
    """The CI run this process belongs to (GitHub Actions or GitLab CI)."""
    server, repo, run = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    return env.get("CI_JOB_URL") or None


def this_process(command: str) -> LeaseHolder:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "an unknown user"
    return LeaseHolder(
        id=str(uuid.uuid4()),
        command=command,
        user=user,
        host=socket.gethostname(),
        pid=os.getpid(),
        ci_url=ci_run_url(os.environ),
    )


def _holder(row: tuple[Any, ...] | None) -> LeaseHolder | None:
    if row is None or row[0] is None:
        return None
    lock_id, command, user, host, pid, ci_url, since, expires = row[:8]
    return LeaseHolder(lock_id, command, user, host, pid, ci_url, since, expires)


def try_take(
    conn: Connection[Any], me: LeaseHolder, workspace: str, seconds: float
) -> tuple[Lease | None, LeaseHolder | None]:
    """(the lease, an expired holder it replaced) or (None, the live holder)."""
    with conn.transaction(), conn.cursor() as cur:
        for table in ("workspaces", "locks"):
            cur.execute(
                f"INSERT INTO {SCHEMA}.{table} (workspace) VALUES (%s) "
                "ON CONFLICT DO NOTHING",
                (workspace,),
            )
        cur.execute(
            f"SELECT {_COLUMNS}, token, expires <= now() FROM {SCHEMA}.locks "
            "WHERE workspace = %s FOR UPDATE",
            (workspace,),
        )
        row = cur.fetchone()
        assert row is not None  # inserted above
        current = _holder(row)
        if current is not None and not row[9]:
            return None, current
        token = int(row[8]) + 1
        _claim(cur, me, workspace, token, seconds)
        return Lease(workspace, token, me, seconds), current


def _claim(
    cur: Cursor[Any], me: LeaseHolder, workspace: str, token: int, seconds: float
) -> None:
    cur.execute(
        f"UPDATE {SCHEMA}.locks SET token = %(token)s, lock_id = %(id)s, "
        "command = %(command)s, username = %(user)s, host = %(host)s, "
        "pid = %(pid)s, ci_url = %(ci_url)s, since = now(), "
        "expires = now() + make_interval(secs => %(seconds)s) "
        "WHERE workspace = %(workspace)s",
        {**vars(me), "token": token, "seconds": seconds, "workspace": workspace},
    )


_MINE: Final = "workspace = %s AND token = %s AND lock_id = %s"


def renew(conn: Connection[Any], lease: Lease) -> bool:
    """Extend the lease; False when it is no longer ours (expired or taken)."""
    cur = conn.execute(
        f"UPDATE {SCHEMA}.locks SET expires = now() + make_interval(secs => %s) "
        f"WHERE {_MINE} AND expires > now()",
        (lease.seconds, lease.workspace, lease.token, lease.holder.id),
    )
    return cur.rowcount == 1


def still_mine(cur: Cursor[Any], lease: Lease) -> bool:
    """Inside a write's transaction: the lease is ours, and stays so until commit."""
    cur.execute(
        f"SELECT expires > now() FROM {SCHEMA}.locks WHERE {_MINE} FOR SHARE",
        (lease.workspace, lease.token, lease.holder.id),
    )
    row = cur.fetchone()
    return row is not None and bool(row[0])


def release(conn: Connection[Any], lease: Lease) -> None:
    conn.execute(
        f"UPDATE {SCHEMA}.locks SET lock_id = NULL, expires = NULL WHERE {_MINE}",
        (lease.workspace, lease.token, lease.holder.id),
    )


def current(conn: Connection[Any], workspace: str) -> LeaseHolder | None:
    """The holder of a live lease, None when free or expired."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM {SCHEMA}.locks "
        "WHERE workspace = %s AND expires > now()",
        (workspace,),
    ).fetchone()
    return _holder(row)


def clear(conn: Connection[Any], workspace: str, lock_id: str) -> LeaseHolder | None:
    """Open the lease held under `lock_id`; the holder, None when it did not match."""
    row = conn.execute(
        f"UPDATE {SCHEMA}.locks AS l SET lock_id = NULL, expires = NULL "
        f"FROM {SCHEMA}.locks AS old WHERE l.workspace = %s AND l.lock_id = %s "
        f"AND old.workspace = l.workspace RETURNING "
        + ", ".join(f"old.{c.strip()}" for c in _COLUMNS.split(",")),
        (workspace, lock_id),
    ).fetchone()
    return _holder(row)


class Heartbeat:
    """Renews a lease every third of its length until stopped or lost."""

    def __init__(self, renew_once: Callable[[], bool], seconds: float) -> None:
        self._renew = renew_once
        self._interval = seconds / 3
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="state-lease", daemon=True
        )
        self.lost = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if self._renew():
                    continue
            except Exception as exc:
                # A thread must not die silently. Unreachable for now: keep
                # trying; if it lasts, the lease expires and the fencing check
                # refuses this run's writes.
                log.debug("state lease not renewed: %s", exc)
                continue
            self.lost = True
            log.warning(
                "the state lock's lease was lost (it expired or was taken); "
                "this run can no longer write the state"
            )
            return
