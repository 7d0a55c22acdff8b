"""The state document: what exists on the API because of us, and what may.

    {"version": 1, "lineage": "<uuid>", "serial": 7,
     "users": {"alice": {"user_id": "alice", "role": "plus", ...}},
     "rooms": {"weekly-standup": {"room_id": "room_...", "request": {...},
               "fingerprint": "sha256:...", "urls": {"alice": "https://..."},
               "created_at": "...", "prevent_destroy": false}},
     "retiring": {"room_...": {"room_id": ..., "name": ..., "action": "disable",
                  "since": ...}},
     "pending": {"weekly-standup": {"name": ..., "request": {...},
                 "fingerprint": ..., "started_at": ..., "replaces": null}}}

Every change is a list of operations (`Op`); a backend persists each list as
one durable unit (a journal line, a row update) and `State.apply` replays it.
A retiring room is an old room of a replacement that still has to be disabled
or deleted; a pending create is an intent written before the create request
and cleared when its answer is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from provisioner.errors import StateError

# Re-exported: the backends and their callers import it from here.
from provisioner.state.backend import StateBackend as StateBackend

STATE_VERSION: Final = 1

Op = dict[str, Any]
"""One state operation: {"op": name, ...arguments}."""


def utc_now() -> str:
    """Now as ISO-8601 UTC with milliseconds, as the API writes timestamps."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class RoomRecord:
    """A managed room: its id, the request that made it and its join URLs."""

    room_id: str
    request: dict[str, Any]
    fingerprint: str
    urls: dict[str, str]
    created_at: str
    prevent_destroy: bool = False


@dataclass
class RetiringRoom:
    """The old room of a replacement, still to be disabled or deleted."""

    room_id: str
    name: str
    action: str
    since: str


@dataclass
class PendingCreate:
    """An intent to create a room, written before the request is sent."""

    name: str
    request: dict[str, Any]
    fingerprint: str
    started_at: str
    replaces: str | None = None


@dataclass
class UserRecord:
    """A managed user as last applied."""

    user_id: str
    role: str
    can_video: bool = True
    language: str | None = None


@dataclass
class State:
    """The whole state document."""

    lineage: str | None = None
    serial: int = 0
    users: dict[str, UserRecord] = field(default_factory=dict)
    rooms: dict[str, RoomRecord] = field(default_factory=dict)
    retiring: dict[str, RetiringRoom] = field(default_factory=dict)
    pending: dict[str, PendingCreate] = field(default_factory=dict)

    def known_room_ids(self) -> set[str]:
        """Every room id the state accounts for, retiring rooms included."""
        return {r.room_id for r in self.rooms.values()} | set(self.retiring)

    def apply(self, ops: Iterable[Op]) -> None:
        """Apply one durable unit of operations and count it as a write."""
        for op in ops:
            handler = _HANDLERS.get(str(op.get("op")))
            if handler is None:
                raise StateError(f"unknown state operation {op.get('op')!r}")
            handler(self, op)
        self.serial += 1
        if self.lineage is None:
            self.lineage = str(uuid.uuid4())

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "lineage": self.lineage,
            "serial": self.serial,
            "users": {k: asdict(v) for k, v in sorted(self.users.items())},
            "rooms": {k: asdict(v) for k, v in sorted(self.rooms.items())},
            "retiring": {k: asdict(v) for k, v in sorted(self.retiring.items())},
            "pending": {k: asdict(v) for k, v in sorted(self.pending.items())},
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "state") -> State:
        """Parse a state document; any malformation is a StateError."""
        if not isinstance(data, Mapping):
            raise StateError(f"{source}: not a state document (expected an object)")
        version = data.get("version")
        if version != STATE_VERSION:
            raise StateError(
                f"{source}: unsupported state version {version!r} "
                f"(this provisioner reads {STATE_VERSION}); refusing to touch it"
            )
        # A key left out is damage, not "empty": taking a missing `rooms` for no
        # rooms would plan every room again, duplicating them all.
        missing = [key for key in _DOCUMENT_KEYS if key not in data]
        if missing:
            raise StateError(
                f"{source}: malformed state document (no {', '.join(missing)}); "
                "repair it or restore it from its .backup"
            )
        try:
            return cls(
                lineage=data.get("lineage"),
                serial=int(data.get("serial", 0)),
                users=_records(data, "users", UserRecord),
                rooms=_records(data, "rooms", RoomRecord),
                retiring=_records(data, "retiring", RetiringRoom),
                pending=_records(data, "pending", PendingCreate),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"{source}: malformed state document ({exc})") from None


_DOCUMENT_KEYS: Final = ("lineage", "serial", "users", "rooms", "retiring", "pending")


def _records(data: Mapping[str, Any], key: str, kind: Callable[..., Any]) -> Any:
    records = data[key]
    if not isinstance(records, Mapping):
        raise TypeError(f"{key} is not an object")
    parsed = {name: kind(**value) for name, value in records.items()}
    for name, record in parsed.items():
        request = getattr(record, "request", {"participants": []})
        if not _has_participants(request):
            raise TypeError(f"{key}.{name}: the request has no participants list")
        if not isinstance(getattr(record, "room_id", ""), str):
            raise TypeError(f"{key}.{name}: room_id is not a string")
        urls = getattr(record, "urls", {})
        if not isinstance(urls, Mapping) or not all(
            isinstance(url, str) for url in urls.values()
        ):
            raise TypeError(f"{key}.{name}: urls is not an object of links")
    return parsed


def _has_participants(request: Any) -> bool:
    """Whether a recorded request names its participants, as plans need."""
    people = request.get("participants") if isinstance(request, Mapping) else None
    return isinstance(people, list) and all(
        isinstance(p, Mapping) and isinstance(p.get("user_id"), str) for p in people
    )


# -- operations --------------------------------------------------------------


def op_pending_add(pending: PendingCreate) -> Op:
    return {"op": "pending_add", "pending": asdict(pending)}


def op_pending_drop(name: str) -> Op:
    return {"op": "pending_drop", "name": name}


def op_room_put(name: str, record: RoomRecord) -> Op:
    """Record a room (and clear its pending create)."""
    return {"op": "room_put", "name": name, "record": asdict(record)}


def op_room_drop(name: str) -> Op:
    return {"op": "room_drop", "name": name}


def op_room_move(old: str, new: str) -> Op:
    return {"op": "room_move", "old": old, "new": new}


def op_room_flag(name: str, prevent_destroy: bool) -> Op:
    return {"op": "room_flag", "name": name, "prevent_destroy": prevent_destroy}


def op_retire_add(retiring: RetiringRoom) -> Op:
    return {"op": "retire_add", "retiring": asdict(retiring)}


def op_retire_drop(room_id: str) -> Op:
    return {"op": "retire_drop", "room_id": room_id}


def op_user_put(user: UserRecord) -> Op:
    return {"op": "user_put", "user": asdict(user)}


def op_user_drop(user_id: str) -> Op:
    return {"op": "user_drop", "user_id": user_id}


def _pending_add(state: State, op: Op) -> None:
    pending = PendingCreate(**op["pending"])
    state.pending[pending.name] = pending


def _room_put(state: State, op: Op) -> None:
    state.rooms[op["name"]] = RoomRecord(**op["record"])
    state.pending.pop(op["name"], None)


def _room_move(state: State, op: Op) -> None:
    state.rooms[op["new"]] = state.rooms.pop(op["old"])


def _room_flag(state: State, op: Op) -> None:
    state.rooms[op["name"]].prevent_destroy = bool(op["prevent_destroy"])


def _retire_add(state: State, op: Op) -> None:
    retiring = RetiringRoom(**op["retiring"])
    state.retiring[retiring.room_id] = retiring


def _user_put(state: State, op: Op) -> None:
    user = UserRecord(**op["user"])
    state.users[user.user_id] = user


_HANDLERS: Final[dict[str, Callable[[State, Op], object]]] = {
    "pending_add": _pending_add,
    "pending_drop": lambda s, op: s.pending.pop(op["name"], None),
    "room_put": _room_put,
    "room_drop": lambda s, op: s.rooms.pop(op["name"], None),
    "room_move": _room_move,
    "room_flag": _room_flag,
    "retire_add": _retire_add,
    "retire_drop": lambda s, op: s.retiring.pop(op["room_id"], None),
    "user_put": _user_put,
    "user_drop": lambda s, op: s.users.pop(op["user_id"], None),
}
