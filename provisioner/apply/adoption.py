"""Taking a room that exists on the API into the state: `import`, `import:`
entries and `state resolve`.

What room/info shows and how it is compared with the files is the plan's
(`plan/importing.py`); here the room is read and its record built, with the
links room/info shows: for an imported room those are the links of record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.apply.patience import RoomApi
from provisioner.apply.records import participants
from provisioner.errors import NotFoundError, ProvisionerError
from provisioner.kaleyra import RoomInfo
from provisioner.model import Entries, RoomSpec, fingerprint
from provisioner.plan.importing import ReadBack
from provisioner.plan.importing import imported_request as compared
from provisioner.rules import RoomStatus
from provisioner.state.document import PendingCreate, RoomRecord, State, utc_now


@dataclass(frozen=True)
class Imported:
    """An imported room's record and the fields where it differs from the files."""

    record: RoomRecord
    differs: tuple[str, ...]
    in_files: bool


async def read_room(client: RoomApi, room_id: str) -> RoomInfo:
    """A room that can be adopted: it exists and is not disabled."""
    try:
        info = await client.room_info(room_id)
    except NotFoundError:
        raise ProvisionerError(f"room {room_id} does not exist on the API") from None
    if info.disabled:
        raise ProvisionerError(
            f"room {room_id} is disabled: its links no longer work; nothing to adopt"
        )
    return info


def direct_call(info: RoomInfo) -> bool | None:
    """directCall as room/info shows it; None when it does not (the files' value
    is then kept). Links are opaque: nothing is read from their path.
    """
    return info.direct_call


def shown(info: RoomInfo) -> dict[str, Any]:
    """The request fields room/info shows, in canonical keys."""
    request: dict[str, Any] = {
        "call_type": info.call_type,
        "description": info.description,
        "live": info.live,
        "recording": info.record,
    }
    direct = direct_call(info)
    if direct is not None:
        request["directCall"] = direct
    if info.duration:
        request["duration"] = info.duration
    return request


def imported_request(
    info: RoomInfo, spec: RoomSpec | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The request to record for an imported room, and the fields that differ."""
    return compared(shown(info), tuple(info.urls), spec)


def refusal(info: RoomInfo) -> str | None:
    """Why a room read back cannot be adopted; None when it can."""
    if info.disabled:
        return f"room {info.room_id} is disabled: its links no longer work"
    if info.status == RoomStatus.CLOSED:
        return f"room {info.room_id} is CLOSED (deleted or ended)"
    return None


async def read_back(client: RoomApi, room_id: str) -> ReadBack:
    """A room to import, as the plan compares it (no links)."""
    try:
        info = await client.room_info(room_id)
    except NotFoundError:
        missing = f"room {room_id} does not exist on the API"
        return ReadBack(room_id, {}, (), missing)
    return ReadBack(room_id, shown(info), tuple(sorted(info.urls)), refusal(info))


async def read_imports(
    client: RoomApi, entries: Entries, state: State, parallelism: int = 16
) -> dict[str, ReadBack]:
    """The rooms of the `import:` entries the state has not taken yet, by name."""
    limit = asyncio.Semaphore(max(1, parallelism))
    wanted = [
        e
        for e in entries.imports
        if state.rooms.get(e.name) is None or state.rooms[e.name].room_id != e.room_id
    ]

    async def read(name: str, room_id: str) -> tuple[str, ReadBack]:
        async with limit:
            return name, await read_back(client, room_id)

    found = await asyncio.gather(*(read(e.name, e.room_id) for e in wanted))
    return dict(found)


def imported_room(info: RoomInfo, spec: RoomSpec | None) -> Imported:
    """The state record for an existing room taken under management."""
    request, differs = imported_request(info, spec)
    record = RoomRecord(
        room_id=info.room_id,
        request=request,
        fingerprint=fingerprint(request),
        urls=dict(info.urls),
        created_at=utc_now(),
        prevent_destroy=spec.prevent_destroy if spec else False,
    )
    return Imported(record, differs, spec is not None)


def check_importable(state: State, name: str, room_id: str) -> None:
    """Refuse a name already managed or a room already accounted for."""
    if name in state.rooms:
        held = state.rooms[name].room_id
        raise ProvisionerError(
            f"{name} is already in the state (room {held}); "
            f"`provisioner state rm {name}` first to import another room"
        )
    owner = next((n for n, r in state.rooms.items() if r.room_id == room_id), None)
    if owner is not None:
        raise ProvisionerError(f"room {room_id} is already in the state as {owner}")
    if room_id in state.retiring:
        raise ProvisionerError(f"room {room_id} is in the state, retiring")


def check_matches_intent(intent: PendingCreate, info: RoomInfo) -> None:
    """Refuse to resolve a pending create with a room it cannot have made."""
    wanted: Mapping[str, Any] = intent.request
    mismatches = [
        what
        for what, ok in (
            ("description", info.description == wanted.get("description")),
            ("call_type", info.call_type == wanted.get("call_type", "audio_video")),
            ("participants", frozenset(info.urls) == participants(wanted)),
        )
        if not ok
    ]
    if mismatches:
        raise ProvisionerError(
            f"room {info.room_id} does not match the pending create of "
            f"{intent.name} ({', '.join(mismatches)} "
            f"{'differs' if len(mismatches) == 1 else 'differ'}); nothing was changed"
        )
