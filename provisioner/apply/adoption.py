"""Taking a room that exists on the API into the state: `import` and `state resolve`.

`room/info` shows a room's description, call type, recording, live, duration,
participants and (by the shape of its links) direct call; it does not show
each participant's admin flag and tools, the recording type, the initiator
alias or a call action. An imported room takes those from the files (they
cannot be proven either way), and everything it shows is compared honestly:
where it differs from the files, the next plan replaces the room.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from provisioner.apply.patience import RoomApi
from provisioner.apply.records import participants
from provisioner.errors import NotFoundError, ProvisionerError
from provisioner.kaleyra import RoomInfo
from provisioner.model import RoomSpec, fingerprint
from provisioner.state.document import PendingCreate, RoomRecord, State, utc_now

UNREADABLE: Final = (
    "participants' is_admin and tools",
    "recording_type",
    "initiator_alias",
    "call_action",
)


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
    read = shown(info)
    users = sorted(info.urls)
    if spec is None:
        read["participants"] = [{"user_id": u} for u in users]
        return dict(sorted(read.items())), ()
    request = dict(spec.request)
    differs = []
    for key in sorted({*read, "duration"}):
        if read.get(key) != request.get(key):
            differs.append(key)
            _set(request, key, read.get(key))
    if set(users) != set(spec.participants):
        differs.append("participants")
        given = {p["user_id"]: p for p in spec.request["participants"]}
        request["participants"] = [given.get(u, {"user_id": u}) for u in users]
    return dict(sorted(request.items())), tuple(differs)


def _set(request: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        request.pop(key, None)
    else:
        request[key] = value


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
