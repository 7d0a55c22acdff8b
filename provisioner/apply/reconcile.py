"""Finding the room a create may have made when its answer was lost.

The API has no idempotency key, so a create whose outcome is unknown (a
timeout, a 5xx, a dropped connection, a crash) is never simply repeated. The
intent written before the request says what was asked and when; the room, if
it exists, is among the rooms listed newest first, created no earlier than
five minutes before the intent (clock skew), not already accounted for in the
state (retiring rooms included), with the same description and call type and,
read back through `room/info`, the same participants. Exactly one such room is
adopted; none means the create never happened; several stop the run for a
human, with `provisioner state resolve` as the way out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from provisioner.apply.patience import RoomApi
from provisioner.apply.records import participants
from provisioner.errors import NotFoundError, ReconcileError, StateError
from provisioner.kaleyra import RoomInfo, RoomSummary
from provisioner.kaleyra.listing import walk_rooms
from provisioner.kaleyra.models import parse_timestamp
from provisioner.state.document import PendingCreate

CLOCK_SKEW: Final = timedelta(minutes=5)
PAGE_SIZE: Final = 100
# Pages are read with an overlap so that a room deleted meanwhile, which
# shifts the later rooms one place forward, cannot make us skip one.
PAGE_OVERLAP: Final = 10
DEFAULT_CALL_TYPE: Final = "audio_video"


@dataclass(frozen=True)
class Candidate:
    """A room on the API that matches an intent."""

    summary: RoomSummary
    info: RoomInfo


def intent_time(intent: PendingCreate) -> datetime:
    """When the intent was written, as an aware UTC datetime."""
    try:
        return parse_timestamp(intent.started_at)
    except ValueError:
        raise StateError(
            f"pending create {intent.name}: unreadable started_at {intent.started_at!r}"
        ) from None


async def recent_rooms(client: RoomApi, since: datetime) -> AsyncIterator[RoomSummary]:
    """Rooms newest first, stopping at the first one created before `since`."""
    async for room in walk_rooms(client, PAGE_SIZE, PAGE_OVERLAP):
        if room.created_at < since:
            return
        yield room


async def find_candidates(
    client: RoomApi, intent: PendingCreate, known_ids: set[str]
) -> list[Candidate]:
    """Every room on the API that this intent may have created."""
    since = intent_time(intent) - CLOCK_SKEW
    description = intent.request.get("description")
    call_type = intent.request.get("call_type", DEFAULT_CALL_TYPE)
    listed = [
        room
        async for room in recent_rooms(client, since)
        if room.room_id not in known_ids
        and not room.disabled
        and room.description == description
        and room.call_type == call_type
    ]
    wanted = participants(intent.request)
    found = []
    for room in listed:
        try:
            info = await client.room_info(room.room_id)
        except NotFoundError:
            continue
        if not info.disabled and frozenset(info.urls) == wanted:
            found.append(Candidate(room, info))
    return found


def ambiguous(name: str, candidates: list[Candidate]) -> ReconcileError:
    """The error for an intent that several rooms match: a human decides."""
    ids = ", ".join(sorted(c.info.room_id for c in candidates))
    return ReconcileError(
        f"{name}: a create's answer was lost and {len(candidates)} rooms on the API "
        f"match it ({ids}); choose with `provisioner state resolve {name} "
        f"--adopt ROOM_ID` or `provisioner state resolve {name} --recreate`"
    )
