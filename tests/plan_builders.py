"""Builders for plan tests: room specs, state records and states, in one line each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from provisioner.model import RoomSpec, UserSpec, room_spec, user_spec
from provisioner.state.document import (
    RoomRecord,
    State,
    UserRecord,
    op_pending_add,
    op_retire_add,
    op_room_put,
    op_user_put,
)
from provisioner.state.local import LocalBackend

LINEAGE = "6f1c2b8e-0d7a-4b8e-9c61-5a3f2e1d0c9b"
URL_PREFIX = "https://sandbox.bandyer.com/connect/rest-call-handler/"


def room(
    name: str,
    participants: Iterable[str | Mapping[str, Any]] = ("alice", "bob"),
    **fields: Any,
) -> RoomSpec:
    """A RoomSpec from YAML-style keys (participants may be bare user ids)."""
    people = [{"user_id": p} if isinstance(p, str) else dict(p) for p in participants]
    return room_spec(name, {**fields, "participants": people})


def room_id(name: str) -> str:
    return "room_" + hashlib.sha256(name.encode()).hexdigest()[:12]


def url(name: str, user: str) -> str:
    """A known, recognisable join URL for (room, user)."""
    return URL_PREFIX + hashlib.sha256(f"{name}/{user}".encode()).hexdigest()[:16]


def record(spec: RoomSpec, *, prevent_destroy: bool | None = None) -> RoomRecord:
    """The state record apply would have written for `spec`."""
    return RoomRecord(
        room_id=room_id(spec.name),
        request=dict(spec.request),
        fingerprint=spec.fingerprint,
        urls={user: url(spec.name, user) for user in spec.participants},
        created_at="2026-11-25T10:15:00.000Z",
        prevent_destroy=spec.prevent_destroy
        if prevent_destroy is None
        else prevent_destroy,
    )


def user(user_id: str, role: str = "plus", **fields: Any) -> UserSpec:
    return user_spec(user_id, {"role": role, **fields})


def user_record(spec: UserSpec) -> UserRecord:
    return UserRecord(spec.user_id, spec.role, spec.can_video, spec.language)


def state(
    rooms: Iterable[RoomSpec | tuple[str, RoomRecord]] = (),
    users: Iterable[UserSpec] = (),
    serial: int = 3,
) -> State:
    """A state holding `rooms` (specs are recorded as applied) and `users`."""
    result = State(lineage=LINEAGE, serial=serial)
    for item in rooms:
        name, rec = (item.name, record(item)) if isinstance(item, RoomSpec) else item
        result.rooms[name] = rec
    for spec in users:
        result.users[spec.user_id] = user_record(spec)
    return result


def by_name(*specs: RoomSpec) -> dict[str, RoomSpec]:
    return {spec.name: spec for spec in specs}


def users_by_id(*specs: UserSpec) -> dict[str, UserSpec]:
    return {spec.user_id: spec for spec in specs}


def save_state(path: Path, wanted: State) -> State:
    """Persist `wanted`'s rooms, users, retiring rooms and pending creates at `path`
    through the local backend, as apply would; the state as now on disk."""
    backend = LocalBackend(path)
    current = backend.read()
    ops = [op_user_put(u) for u in wanted.users.values()]
    ops += [op_room_put(n, r) for n, r in wanted.rooms.items()]
    ops += [op_retire_add(r) for r in wanted.retiring.values()]
    ops += [op_pending_add(p) for p in wanted.pending.values()]
    backend.commit(current, ops)
    backend.compact(current)
    backend.close()
    return current
