"""Reading every managed room back from the API, to see what changed outside.

A room deleted, disabled or closed outside the provisioner is drift: the plan
re-creates it and says why. A room whose call is in progress (`RUNNING`) is
reported so that the plan refuses to replace or delete it without --force.
A managed user deleted outside is drift too: the plan creates it again, so
that an apply does not fail halfway on rooms that need it. Reads run
concurrently, a bounded number at a time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Final

from provisioner.apply.patience import RoomApi
from provisioner.errors import NotFoundError
from provisioner.rules import RoomStatus
from provisioner.state.document import State

DEFAULT_PARALLELISM: Final = 16
DELETED: Final = "deleted outside the provisioner"
DISABLED: Final = "disabled outside the provisioner"
CLOSED: Final = "closed outside the provisioner"


@dataclass(frozen=True)
class RefreshResult:
    """Drifted rooms (name -> reason), running rooms, and managed users gone."""

    drift: dict[str, str] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    users_gone: set[str] = field(default_factory=set)


async def room_condition(client: RoomApi, room_id: str) -> str | None:
    """The drift reason for one room, `RUNNING`, or None when it is as we left it."""
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
