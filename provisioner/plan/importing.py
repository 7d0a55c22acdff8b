"""PURE: an existing room, as room/info shows it, compared with the files.

room/info shows a room's description, call type, recording, live, duration,
participants and (sometimes) direct call; it does not show each participant's
admin flag and tools, the recording type, the initiator alias or a call
action. An adopted room takes those from the files (they cannot be proven
either way); everything it shows is compared honestly, and where it differs
from the files the plan replaces the room. `import NAME ROOM_ID` and the
`import:` entries of room files share this comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from provisioner.model import RoomSpec

UNREADABLE: Final = (
    "participants' is_admin and tools",
    "recording_type",
    "initiator_alias",
    "call_action",
)
DIRECT_CALL: Final = "directCall"


@dataclass(frozen=True)
class ReadBack:
    """A room to import as room/info showed it (no links: a plan holds none).

    `shown` holds the request fields room/info shows, in canonical keys;
    `refusal` says why it cannot be adopted (missing, disabled, closed).
    """

    room_id: str
    shown: Mapping[str, Any]
    users: tuple[str, ...]
    refusal: str | None = None


def unchecked(shown: Mapping[str, Any] | None) -> tuple[str, ...]:
    """What the comparison could not check (everything, unread)."""
    if shown is None:
        return ("every field until apply reads the room", *UNREADABLE)
    return UNREADABLE + (() if DIRECT_CALL in shown else ("direct_call",))


def imported_request(
    shown: Mapping[str, Any], users: Sequence[str], spec: RoomSpec | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The request to record for an adopted room, and the fields that differ.

    Unreadable fields come from the files; what room/info shows wins.
    """
    read = dict(shown)
    people = sorted(users)
    if spec is None:
        read["participants"] = [{"user_id": u} for u in people]
        return dict(sorted(read.items())), ()
    request = dict(spec.request)
    differs = []
    for key in sorted({*read, "duration"}):
        if read.get(key) != request.get(key):
            differs.append(key)
            _set(request, key, read.get(key))
    if set(people) != set(spec.participants):
        differs.append("participants")
        given = {p["user_id"]: p for p in spec.request["participants"]}
        request["participants"] = [given.get(u, {"user_id": u}) for u in people]
    return dict(sorted(request.items())), tuple(differs)


def _set(request: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        request.pop(key, None)
    else:
        request[key] = value
