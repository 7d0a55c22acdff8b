"""State records built from what the API answered, and the ops that store them.

Join URLs go from the API's answer straight into a RoomRecord (the state file
is one of the two places they may live) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from provisioner.kaleyra import CreatedRoom, RoomInfo
from provisioner.model import participant_ids
from provisioner.state.document import (
    Op,
    PendingCreate,
    RetiringRoom,
    RoomRecord,
    State,
    op_retire_add,
    op_room_put,
    utc_now,
)


def api_time(moment: datetime) -> str:
    """A datetime as the API writes it (ISO-8601 UTC, milliseconds, Z)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_created(
    intent: PendingCreate, created: CreatedRoom, prevent_destroy: bool
) -> RoomRecord:
    """The record of a room whose create was answered."""
    return RoomRecord(
        room_id=created.room_id,
        request=dict(intent.request),
        fingerprint=intent.fingerprint,
        urls=dict(created.urls),
        created_at=utc_now(),
        prevent_destroy=prevent_destroy,
    )


def record_adopted(
    intent: PendingCreate,
    info: RoomInfo,
    created_at: datetime | None,
    prevent_destroy: bool,
) -> RoomRecord:
    """The record of a room found by reconciliation (its URLs read back)."""
    return RoomRecord(
        room_id=info.room_id,
        request=dict(intent.request),
        fingerprint=intent.fingerprint,
        urls=dict(info.urls),
        created_at=api_time(created_at) if created_at else utc_now(),
        prevent_destroy=prevent_destroy,
    )


def store_ops(
    name: str, record: RoomRecord, retire: str | None, on_replace: str
) -> list[Op]:
    """Record a room and, in the same unit, the old room it replaces.

    One unit, so that no crash can leave the old room forgotten: it is either
    still the room of `name` or a retiring room.
    """
    ops = [op_room_put(name, record)]
    if retire and retire != record.room_id:
        ops.append(op_retire_add(RetiringRoom(retire, name, on_replace, utc_now())))
    return ops


def still_replaces(state: State, intent: PendingCreate) -> str | None:
    """The old room an intent replaces, if the state still holds it for the name."""
    current = state.rooms.get(intent.name)
    if intent.replaces and current and current.room_id == intent.replaces:
        return intent.replaces
    return None


def participants(request: Mapping[str, Any]) -> frozenset[str]:
    """The user ids of a create request's participants."""
    return frozenset(participant_ids(request))
