"""`provisioner dump`'s reading: rooms on the API, through room/list and room/info.

Every live room is listed (disabled and CLOSED rooms are skipped: nothing to
adopt); the rooms to dump are those the state does not manage (with `all_`,
every one) and no `import:` entry already names, each read back with
room/info. The descriptions of every live room are counted, so that a room
sharing its description with another is listed rather than dumped.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from provisioner.apply.adoption import refusal, shown
from provisioner.apply.records import api_time
from provisioner.config.dumpfile import ApiRoom
from provisioner.errors import NotFoundError
from provisioner.kaleyra import KaleyraClient, RoomSummary
from provisioner.rules import RoomStatus

PARALLELISM = 16


@dataclass(frozen=True)
class Listing:
    """The rooms to dump, every live description, and how many were skipped."""

    rooms: list[ApiRoom]
    described: Counter[str]
    skipped: int


async def read_rooms(client: KaleyraClient, leave_out: Collection[str]) -> Listing:
    """Every live room on the API but those in `leave_out`, read back."""
    listed = [room async for room in client.iter_rooms()]
    live = [r for r in listed if not r.disabled and r.status != RoomStatus.CLOSED]
    described = Counter(r.description for r in live if r.description)
    wanted = [r for r in live if r.room_id not in leave_out]
    limit = asyncio.Semaphore(PARALLELISM)

    async def read(summary: RoomSummary) -> ApiRoom | None:
        async with limit:
            try:
                info = await client.room_info(summary.room_id)
            except NotFoundError:
                return None  # gone since it was listed
        if refusal(info) is not None:
            return None
        users = tuple(sorted(info.urls))
        created = api_time(summary.created_at)
        return ApiRoom(info.room_id, info.description, created, shown(info), users)

    found = await asyncio.gather(*(read(r) for r in wanted))
    rooms = [room for room in found if room is not None]
    closed_since = len(wanted) - len(rooms)
    return Listing(rooms, described, len(listed) - len(live) + closed_since)
