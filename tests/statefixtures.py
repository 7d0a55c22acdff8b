"""Build states with known join URLs, for tests that hunt for leaks.

    from statefixtures import known_state, write_state, all_urls

`known_state()` gives rooms whose every URL contains `URL_MARKER`, so a test
can assert that no output but `provisioner output` (and the state file) holds
one. `write_state` persists a state the way apply does (journal, then
compaction), so the files on disk are real.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from provisioner.model import canonical_request, fingerprint
from provisioner.state.document import (
    RetiringRoom,
    RoomRecord,
    State,
    UserRecord,
    op_retire_add,
    op_room_put,
    op_user_put,
)
from provisioner.state.local import LocalBackend

URL_MARKER = "s3cr3t-join-token"
"""Every URL `known_url` makes contains this string (and nothing else does)."""

CREATED_AT = "2026-01-05T09:30:00.000Z"

DEFAULT_ROOMS: dict[str, tuple[str, ...]] = {
    "weekly-standup": ("alice", "bob", "carol"),
    "clinic-1": ("alice", "dr.who"),
    "support": ("bob", "zed_ext"),
}


def known_url(room: str, user: str) -> str:
    """The join URL `known_state` gives `user` in `room`."""
    return (
        f"https://sandbox.kaleyra.test/join/{room}/{user}?t={URL_MARKER}-{room}-{user}"
    )


def room_id_for(name: str) -> str:
    return f"room_{name.replace('-', '')}"


def room_record(
    name: str,
    users: Sequence[str] = ("alice", "bob"),
    *,
    prevent_destroy: bool = False,
    description: str | None = None,
) -> RoomRecord:
    """A room as apply would record it, with `known_url` links."""
    room: dict[str, object] = {"participants": [{"user_id": u} for u in users]}
    if description is not None:
        room["description"] = description
    request = canonical_request(name, room)
    return RoomRecord(
        room_id=room_id_for(name),
        request=request,
        fingerprint=fingerprint(request),
        urls={user: known_url(name, user) for user in users},
        created_at=CREATED_AT,
        prevent_destroy=prevent_destroy,
    )


def known_state(rooms: dict[str, tuple[str, ...]] | None = None) -> State:
    """A state holding `rooms` (name -> participants), a user and a retiring room."""
    state = State()
    state.apply(_ops(rooms if rooms is not None else DEFAULT_ROOMS))
    return state


def write_state(path: Path, rooms: dict[str, tuple[str, ...]] | None = None) -> State:
    """Persist `known_state(rooms)` at `path` through the local backend."""
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, _ops(rooms if rooms is not None else DEFAULT_ROOMS))
    backend.compact(state)
    backend.close()
    return state


def all_urls(state: State) -> list[str]:
    """Every join URL the state holds."""
    return [url for room in state.rooms.values() for url in room.urls.values()]


def _ops(rooms: dict[str, tuple[str, ...]]) -> list[dict[str, object]]:
    ops = [
        op_user_put(UserRecord("alice", "plus")),
        op_user_put(UserRecord("bob", "basic")),
    ]
    ops += [
        op_room_put(name, room_record(name, users)) for name, users in rooms.items()
    ]
    ops.append(
        op_retire_add(
            RetiringRoom("room_old1", "weekly-standup", "disable", CREATED_AT)
        )
    )
    return ops
