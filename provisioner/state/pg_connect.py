"""Connections to the state database, its schema version, and its errors.

Connections are in autocommit mode with explicit transactions and no
server-side prepared statements, so every unit of work is one transaction and
nothing outlives it: what PgBouncer's transaction pooling requires. A broken
connection (the server restarted) is replaced at the next use.

psycopg's exceptions stop here and in `postgres.py`: each becomes a one-line
StateError naming the state and what was being done. libpq's messages name
the host and port, never a password (the URL holds none).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import psycopg
from psycopg import Connection

from provisioner.errors import StateError
from provisioner.state.pg_schema import (
    LATEST,
    MIGRATION_LOCK,
    MIGRATIONS,
    SCHEMA,
    SECRETS,
)

GRANTS_HINT: Final = (
    "locking and writing the state take the apply role; `provisioner state "
    "grants` prints the SQL for both roles"
)


class Database:
    """One lazily opened connection, reopened when it broke."""

    def __init__(self, conninfo: str, display: str) -> None:
        self.conninfo = conninfo
        self.display = display
        self._conn: Connection[Any] | None = None

    def conn(self) -> Connection[Any]:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self.close()
        with errors(self.display, "connecting"):
            self._conn = psycopg.connect(
                self.conninfo,
                autocommit=True,
                prepare_threshold=None,
                connect_timeout=10,
                application_name="provisioner",
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def errors(display: str, doing: str) -> Iterator[None]:
    """psycopg errors as one-line StateErrors: '<state>: <doing>: <why>'."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StateError(
            f"{display}: {doing}: this database role lacks a right "
            f"({first_line(exc)}); {GRANTS_HINT}"
        ) from None
    except psycopg.OperationalError as exc:
        raise StateError(
            f"{display}: {doing}: the database is unreachable or dropped the "
            f"connection ({first_line(exc)})"
        ) from None
    except psycopg.Error as exc:
        raise StateError(f"{display}: {doing}: {first_line(exc)}") from None


def schema_version(conn: Connection[Any]) -> int | None:
    """The tables' migration count; None when they were never created."""
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.schema_version",)
    ).fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute(f"SELECT version FROM {SCHEMA}.schema_version").fetchone()
    return int(found[0]) if found else 0


def refuse_newer(version: int, display: str) -> None:
    if version > LATEST:
        raise StateError(
            f"{display}: the state tables are at schema version {version}, made "
            f"by a newer provisioner (this one knows {LATEST}); upgrade "
            "provisioner, nothing was changed"
        )


def check_readable(version: int | None, display: str) -> None:
    """Readers use the tables as they are: refuse an older or newer layout."""
    if version is None:
        return
    refuse_newer(version, display)
    if version < LATEST:
        raise StateError(
            f"{display}: the state tables are at schema version {version}, older "
            f"than this provisioner's ({LATEST}); run apply with the apply role "
            "once to migrate them"
        )


def migrate(conn: Connection[Any], display: str) -> None:
    """Create or upgrade the tables, one transaction for every migration."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        version = schema_version(conn) or 0
        refuse_newer(version, display)
        if version == LATEST:
            return
        for schema in (SCHEMA, SECRETS):
            row = conn.execute("SELECT to_regnamespace(%s)", (schema,)).fetchone()
            if row is None or row[0] is None:
                conn.execute(f"CREATE SCHEMA {schema}")
        for script in MIGRATIONS[version:]:
            conn.execute(script)
        conn.execute(
            f"INSERT INTO {SCHEMA}.schema_version (version) VALUES (%s) "
            "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
            (LATEST,),
        )
