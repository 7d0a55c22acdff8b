"""The PostgreSQL backend's history: every committed version, kept for a while.

Each commit leaves a journal row (serial, time, who, operations without
links); a compaction may leave a snapshot (the whole document, built by the
server from the current rows). Version N is the newest snapshot at or below
N with the journal after it replayed. The links of both live in the secrets
schema, readable only by the apply role; versions are shown without them.

A snapshot is taken when half of `state_history_keep` commits went by since
the last one, so the journal stays cheap and a snapshot covers the oldest
version kept. Pruning keeps the last `state_history_keep` versions and what
reading them needs (the snapshot below them), and drops the rest.
"""

from __future__ import annotations

from typing import Any, Final

from psycopg import Cursor

from provisioner.errors import StateError
from provisioner.state.backend import Version
from provisioner.state.document import State
from provisioner.state.pg_rows import (
    DOCUMENT_SQL,
    LINKS_AGGREGATE,
    replay_versions,
    state_from,
)
from provisioner.state.pg_schema import SCHEMA, SECRETS

_TABLES: Final = (
    (f"{SCHEMA}.journal", "<="),
    (f"{SECRETS}.journal_links", "<="),
    (f"{SCHEMA}.snapshots", "<"),
    (f"{SECRETS}.snapshot_links", "<"),
)


def snapshot(cur: Cursor[Any], ws: str, serial: int, lineage: str, who: str) -> None:
    """Store the current rows as version `serial` (replacing one stored there)."""
    params = {"ws": ws, "serial": serial, "lineage": lineage, "who": who}
    for table in ("snapshots", "snapshot_links"):
        schema = SCHEMA if table == "snapshots" else SECRETS
        cur.execute(
            f"DELETE FROM {schema}.{table} WHERE workspace = %(ws)s "
            "AND serial = %(serial)s",
            params,
        )
    cur.execute(
        f"INSERT INTO {SCHEMA}.snapshots (workspace, serial, lineage, "
        "committed_by, document) VALUES (%(ws)s, %(serial)s, %(lineage)s, "
        f"%(who)s, {DOCUMENT_SQL})",
        params,
    )
    cur.execute(
        f"INSERT INTO {SECRETS}.snapshot_links (workspace, serial, links) "
        f"VALUES (%(ws)s, %(serial)s, {LINKS_AGGREGATE})",
        params,
    )


def _latest_snapshot(cur: Cursor[Any], ws: str, at_most: int) -> int | None:
    cur.execute(
        f"SELECT max(serial) FROM {SCHEMA}.snapshots "
        "WHERE workspace = %s AND serial <= %s",
        (ws, at_most),
    )
    row = cur.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def keep_up(cur: Cursor[Any], ws: str, state: State, who: str, keep: int) -> None:
    """After a compaction: snapshot when due, then drop versions beyond `keep`."""
    assert state.lineage is not None
    latest = _latest_snapshot(cur, ws, state.serial)
    if latest is None or state.serial - latest >= max(1, keep // 2):
        snapshot(cur, ws, state.serial, state.lineage, who)
    base = _latest_snapshot(cur, ws, state.serial - keep + 1)
    if base is None:
        return
    for table, compare in _TABLES:
        cur.execute(
            f"DELETE FROM {table} WHERE workspace = %s AND serial {compare} %s",
            (ws, base),
        )


def versions(cur: Cursor[Any], ws: str, head: int, keep: int) -> list[Version]:
    """The last `keep` versions up to `head` that can still be read, newest first."""
    oldest = _oldest_readable(cur, ws)
    cur.execute(
        f"SELECT serial, min(committed_at), min(committed_by) FROM ("
        f"SELECT serial, committed_at, committed_by FROM {SCHEMA}.journal "
        "WHERE workspace = %(ws)s UNION ALL "
        f"SELECT serial, committed_at, committed_by FROM {SCHEMA}.snapshots "
        "WHERE workspace = %(ws)s) AS v WHERE serial > %(from)s "
        "AND serial >= %(oldest)s AND serial <= %(head)s "
        "GROUP BY serial ORDER BY serial DESC",
        {"ws": ws, "from": head - keep, "oldest": oldest, "head": head},
    )
    return [
        Version(int(serial), at.isoformat(timespec="seconds"), str(who))
        for serial, at, who in cur.fetchall()
    ]


def _oldest_readable(cur: Cursor[Any], ws: str) -> int:
    """Versions from here up can be rebuilt (from a snapshot, or the whole journal)."""
    cur.execute(
        f"SELECT (SELECT min(serial) FROM {SCHEMA}.journal WHERE workspace = %(ws)s),"
        f" (SELECT min(serial) FROM {SCHEMA}.snapshots WHERE workspace = %(ws)s)",
        {"ws": ws},
    )
    row = cur.fetchone()
    journal, snapshots = row if row else (None, None)
    if journal == 1 or snapshots is None:
        return 1
    return int(snapshots)


def read_version(cur: Cursor[Any], ws: str, serial: int, source: str) -> State:
    """Version `serial`, without links; StateError when it is not kept."""
    cur.execute(
        f"SELECT serial, lineage, document FROM {SCHEMA}.snapshots "
        "WHERE workspace = %s AND serial <= %s ORDER BY serial DESC LIMIT 1",
        (ws, serial),
    )
    row = cur.fetchone()
    base = State() if row is None else state_from(row[1], row[0], row[2], None, source)
    cur.execute(
        f"SELECT serial, lineage, ops FROM {SCHEMA}.journal WHERE workspace = %s "
        "AND serial > %s AND serial <= %s ORDER BY serial",
        (ws, base.serial, serial),
    )
    entries = [(int(s), str(lineage), ops) for s, lineage, ops in cur.fetchall()]
    try:
        state = replay_versions(base, entries, source)
    except StateError:
        state = State()
    if state.serial != serial or serial < 1:
        raise StateError(
            f"{source}: version {serial} is not kept; `provisioner state history` "
            "lists the versions there are"
        )
    return state
