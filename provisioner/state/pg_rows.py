"""The state document as rows, and state operations as row changes.

A commit does not rewrite the document: its operations name the records they
touch (`touched`), and only those rows are upserted or deleted, from the state
the operations were applied to. So a commit costs the same at 10 rooms or
10,000, and a burst of operations on one room writes that room once.

A room's join URLs go to `provisioner_secrets.room_links`, never into
`provisioner.rooms`; journal entries and snapshots are stored with their links
stripped, the links beside them in the secrets schema (`strip_links`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from psycopg import Cursor
from psycopg.types.json import Jsonb

from provisioner.errors import StateError
from provisioner.state.document import STATE_VERSION, Op, State
from provisioner.state.pg_schema import SCHEMA, SECRETS

Touched = dict[str, set[str]]
"""Record keys a commit changed, per kind: {"rooms": {"standup"}, ...}."""

KINDS: Final = ("rooms", "users", "retiring", "pending")

_TOUCHES: Final[dict[str, Callable[[Op], list[tuple[str, str]]]]] = {
    "pending_add": lambda op: [("pending", op["pending"]["name"])],
    "pending_drop": lambda op: [("pending", op["name"])],
    "room_put": lambda op: [("rooms", op["name"]), ("pending", op["name"])],
    "room_drop": lambda op: [("rooms", op["name"])],
    "room_move": lambda op: [("rooms", op["old"]), ("rooms", op["new"])],
    "room_flag": lambda op: [("rooms", op["name"])],
    "retire_add": lambda op: [("retiring", op["retiring"]["room_id"])],
    "retire_drop": lambda op: [("retiring", op["room_id"])],
    "user_put": lambda op: [("users", op["user"]["user_id"])],
    "user_drop": lambda op: [("users", op["user_id"])],
}


def touched(ops: Iterable[Op]) -> Touched:
    """The records `ops` change; StateError for an unknown operation."""
    found: Touched = {kind: set() for kind in KINDS}
    for op in ops:
        rule = _TOUCHES.get(str(op.get("op")))
        if rule is None:
            raise StateError(f"unknown state operation {op.get('op')!r}")
        for kind, key in rule(op):
            found[kind].add(str(key))
    return found


def everything(state: State) -> Touched:
    """Every record of `state`, as if each had been touched (a restore)."""
    return {kind: set(getattr(state, kind)) for kind in KINDS}


def strip_links(ops: Sequence[Op]) -> tuple[list[Op], dict[str, dict[str, str]]]:
    """The operations without join URLs, and the URLs they carried per room."""
    stripped: list[Op] = []
    links: dict[str, dict[str, str]] = {}
    for op in ops:
        if op.get("op") == "room_put":
            op = copy.deepcopy(op)
            links[str(op["name"])] = dict(op["record"].get("urls") or {})
            op["record"]["urls"] = {}
        stripped.append(op)
    return stripped, links


# -- writing -----------------------------------------------------------------

_KEY_COLUMN: Final = {
    "rooms": "name",
    "users": "user_id",
    "retiring": "room_id",
    "pending": "name",
}


def _upsert(kind: str) -> str:
    key = _KEY_COLUMN[kind]
    extra = ", room_id" if kind == "rooms" else ""
    values = ", %s" if kind == "rooms" else ""
    return (
        f"INSERT INTO {SCHEMA}.{kind} (workspace, {key}{extra}, record) "
        f"VALUES (%s, %s{values}, %s) ON CONFLICT (workspace, {key}) DO UPDATE "
        f"SET record = EXCLUDED.record{extra and ', room_id = EXCLUDED.room_id'}"
    )


_LINKS_UPSERT: Final = (
    f"INSERT INTO {SECRETS}.room_links (workspace, name, urls) VALUES (%s, %s, %s) "
    "ON CONFLICT (workspace, name) DO UPDATE SET urls = EXCLUDED.urls"
)


def _row(workspace: str, kind: str, key: str, record: Any) -> tuple[Any, ...]:
    data = dict(vars(record))
    if kind != "rooms":
        return (workspace, key, Jsonb(data))
    del data["urls"]
    return (workspace, key, record.room_id, Jsonb(data))


def write_rows(cur: Cursor[Any], workspace: str, state: State, keys: Touched) -> None:
    """Upsert the touched records `state` holds; delete those it no longer does."""
    for kind, names in keys.items():
        records: Mapping[str, Any] = getattr(state, kind)
        present = sorted(name for name in names if name in records)
        gone = sorted(name for name in names if name not in records)
        if present:
            rows = [_row(workspace, kind, key, records[key]) for key in present]
            cur.executemany(_upsert(kind), rows)
        if gone:
            cur.execute(
                f"DELETE FROM {SCHEMA}.{kind} "
                f"WHERE workspace = %s AND {_KEY_COLUMN[kind]} = ANY(%s)",
                (workspace, gone),
            )
        if kind == "rooms":
            _write_links(cur, workspace, state, present, gone)


def _write_links(
    cur: Cursor[Any], workspace: str, state: State, present: list[str], gone: list[str]
) -> None:
    if present:
        rows = [(workspace, n, Jsonb(state.rooms[n].urls)) for n in present]
        cur.executemany(_LINKS_UPSERT, rows)
    if gone:
        cur.execute(
            f"DELETE FROM {SECRETS}.room_links WHERE workspace = %s AND name = ANY(%s)",
            (workspace, gone),
        )


def clear_rows(cur: Cursor[Any], workspace: str) -> None:
    """Delete every current record of a workspace (its history stays)."""
    for kind in KINDS:
        cur.execute(f"DELETE FROM {SCHEMA}.{kind} WHERE workspace = %s", (workspace,))
    cur.execute(f"DELETE FROM {SECRETS}.room_links WHERE workspace = %s", (workspace,))


# -- reading -----------------------------------------------------------------


def _aggregate(kind: str) -> str:
    key = _KEY_COLUMN[kind]
    return (
        f"(SELECT coalesce(jsonb_object_agg({key}, record), '{{}}'::jsonb) "
        f"FROM {SCHEMA}.{kind} WHERE workspace = %(ws)s)"
    )


LINKS_AGGREGATE: Final = (
    "(SELECT coalesce(jsonb_object_agg(name, urls), '{}'::jsonb) "
    f"FROM {SECRETS}.room_links WHERE workspace = %(ws)s)"
)

DOCUMENT_SQL: Final = (
    "jsonb_build_object("
    + ", ".join(f"'{kind}', {_aggregate(kind)}" for kind in KINDS)
    + ")"
)
"""The current records of workspace %(ws)s as one document, links left out."""


def read_sql(links: bool) -> str:
    """One statement, so one snapshot: the head and every record (and links)."""
    extra = f", {LINKS_AGGREGATE}" if links else ", NULL::jsonb"
    return (
        f"SELECT w.lineage, w.serial, {DOCUMENT_SQL}{extra} "
        "FROM (SELECT %(ws)s::text AS workspace) AS k "
        f"LEFT JOIN {SCHEMA}.workspaces AS w USING (workspace)"
    )


def state_from(
    lineage: str | None,
    serial: int | None,
    document: Mapping[str, Any],
    links: Mapping[str, Any] | None,
    source: str,
) -> State:
    """A State from stored records; rooms without links get no URLs."""
    data: dict[str, Any] = {kind: dict(document.get(kind) or {}) for kind in KINDS}
    data["rooms"] = {
        name: {**record, "urls": (links or {}).get(name, {})}
        for name, record in data["rooms"].items()
    }
    return State.from_dict(
        {"version": STATE_VERSION, "lineage": lineage, "serial": serial or 0, **data},
        source,
    )


def replay_versions(
    base: State, entries: Iterable[tuple[int, str, list[Op]]], source: str
) -> State:
    """`base` with journal entries (serial, lineage, ops) applied in order."""
    for serial, lineage, ops in entries:
        if serial != base.serial + 1:
            raise StateError(
                f"{source}: version {base.serial + 1} is missing from the history"
            )
        if base.lineage is None:
            base.lineage = lineage
        base.apply(ops)
    return base
