"""Reading every managed room back from the API, to see what changed outside.

A room deleted, disabled or closed outside the provisioner is drift: the plan
re-creates it and says why. "Gone" only when the API says so: room/info
answers NotFoundError (a 404, or a 400 naming the room: the client decides),
`status: CLOSED` or `disabled: true`. Any other failure (a 5xx, a refused
key, an answer we cannot read) fails the refresh: nothing is assumed gone.
A room whose call is in progress (`RUNNING`) is reported so that the plan
refuses to replace or delete it without --force. A managed user deleted
outside is drift too: the plan creates it again, so that an apply does not
fail halfway on rooms that need it. Reads run concurrently, a bounded number
at a time.

`rooms_on_api` is the lost-state guard's one walk of the room list: live
rooms the state does not know whose description a planned create has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from provisioner.apply.patience import RoomApi
from provisioner.apply.reconcile import recent_rooms
from provisioner.errors import NotFoundError
from provisioner.plan.safety import ListedRoom
from provisioner.rules import RoomStatus
from provisioner.state.document import State

DEFAULT_PARALLELISM: Final = 16
DELETED: Final = "deleted outside the provisioner"
DISABLED: Final = "disabled outside the provisioner"
CLOSED: Final = "closed outside the provisioner"
EVERY_ROOM: Final = datetime.min.replace(tzinfo=UTC)
"""A `since` no room predates: the room-list walk reads to the end."""


@dataclass(frozen=True)
class RefreshResult:
    """Drifted rooms (name -> reason), running rooms, and managed users gone."""

    drift: dict[str, str] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    users_gone: set[str] = field(default_factory=set)

    @property
    def gone(self) -> frozenset[str]:
        """The rooms found deleted, disabled or closed outside the provisioner."""
        return frozenset(self.drift)


async def room_condition(client: RoomApi, room_id: str) -> str | None:
    """The drift reason for one room, `RUNNING`, or None when it is as we left it.

    Only NotFoundError means deleted; every other error propagates.
    """
    try:
        info = await client.room_info(room_id)
    except NotFoundError:
        return DELETED
    if info.disabled:
        return DISABLED
    if info.status == RoomStatus.CLOSED:
        return CLOSED
    return RoomStatus.RUNNING if info.status == RoomStatus.RUNNING else None


async def refresh(
    client: RoomApi, state: State, parallelism: int = DEFAULT_PARALLELISM
) -> RefreshResult:
    """Read each managed room and user of `state` back: what drifted, what runs.

    The base URL is proved first (one read that must succeed): behind a wrong
    address every room would answer 404 and look deleted, so a failed probe
    is an error and no room is taken for gone.
    """
    if state.rooms or state.users:
        await client.probe()
    limit = asyncio.Semaphore(max(1, parallelism))

    async def check(name: str, room_id: str) -> tuple[str, str | None]:
        async with limit:
            return name, await room_condition(client, room_id)

    async def exists(user_id: str) -> tuple[str, bool]:
        async with limit:
            try:
                await client.get_user(user_id)
            except NotFoundError:
                return user_id, False
            return user_id, True

    rooms = sorted(state.rooms.items())
    found = await asyncio.gather(*(check(n, r.room_id) for n, r in rooms))
    users = await asyncio.gather(*(exists(u) for u in sorted(state.users)))
    result = RefreshResult(users_gone={u for u, present in users if not present})
    for name, condition in found:
        if condition == RoomStatus.RUNNING:
            result.running.add(name)
        elif condition is not None:
            result.drift[name] = condition
    return result


async def rooms_on_api(
    client: RoomApi, state: State, descriptions: Collection[str]
) -> tuple[ListedRoom, ...]:
    """Live rooms with one of these descriptions that the state does not know.

    One walk of the whole room list (the one reconciliation pages through),
    none when there is no description to look for. A room is live when it is
    neither disabled nor CLOSED; retiring rooms count as known.
    """
    wanted = set(descriptions)
    if not wanted:
        return ()
    known = state.known_room_ids()
    return tuple(
        [
            ListedRoom(room.room_id, room.description)
            async for room in recent_rooms(client, EVERY_ROOM)
            if room.description is not None
            and room.description in wanted
            and room.room_id not in known
            and not room.disabled
            and room.status != RoomStatus.CLOSED
        ]
    )
