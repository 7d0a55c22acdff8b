"""Checks against the API before the first change, so an apply fails whole.

Every user a room to be created needs must exist (or be created by this plan),
and every such room must have a `plus` participant by the users' real roles.
Failing here costs nothing; failing halfway leaves half an estate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from provisioner.apply.patience import RoomApi
from provisioner.apply.records import participants
from provisioner.errors import NotFoundError, ProvisionerError
from provisioner.plan import Action, Plan, RoomChange
from provisioner.rules import PLUS_ROLE

NOTHING_CHANGED = "nothing was changed"


def planned_roles(plan: Plan) -> dict[str, str]:
    """The role of each user the plan creates or updates, once it has.

    An unchanged managed user is not taken on the state's word: it may have
    been deleted outside the provisioner, so it is read from the API.
    """
    return {
        change.user_id: str(change.after["role"])
        for change in plan.users
        if change.action in (Action.CREATE, Action.UPDATE)
        and change.after
        and "role" in change.after
    }


def rooms_to_create(plan: Plan) -> list[RoomChange]:
    return [c for c in plan.rooms if c.action in (Action.CREATE, Action.REPLACE)]


async def read_roles(
    client: RoomApi, user_ids: Iterable[str], parallelism: int
) -> dict[str, str | None]:
    """Each user's real role; None for a user that does not exist."""
    limit = asyncio.Semaphore(max(1, parallelism))

    async def role(user_id: str) -> tuple[str, str | None]:
        async with limit:
            try:
                return user_id, (await client.get_user(user_id)).role
            except NotFoundError:
                return user_id, None

    found = await asyncio.gather(*(role(u) for u in sorted(set(user_ids))))
    return dict(found)


async def preflight(
    client: RoomApi,
    plan: Plan,
    external_users: Iterable[str] = (),
    parallelism: int = 8,
) -> None:
    """Raise before any change when a needed user is missing or a room lacks plus."""
    rooms = rooms_to_create(plan)
    roles: dict[str, str | None] = dict(planned_roles(plan))
    needed = {u for c in rooms for u in participants(c.request or {})}
    needed |= set(external_users)
    unread = needed - roles.keys()
    if not unread and (rooms or plan.users):
        # Nothing to read, yet changes to make: prove the key with one cheap
        # read, so a wrong key is one error, not a failure per operation.
        await client.probe()
    roles.update(await read_roles(client, unread, parallelism))
    missing = sorted(u for u in needed if roles.get(u) is None)
    if missing:
        raise ProvisionerError(
            f"pre-flight: {_users(missing)} not exist in Kaleyra "
            f"(create them, or fix external_users and the rooms); {NOTHING_CHANGED}"
        )
    lacking = [c.name for c in rooms if not _has_plus(c.request or {}, roles)]
    if lacking:
        raise ProvisionerError(
            f"pre-flight: no participant with role {PLUS_ROLE} in "
            f"{', '.join(sorted(lacking))} (by the users' roles in Kaleyra); "
            f"{NOTHING_CHANGED}"
        )


def _has_plus(request: Mapping[str, object], roles: Mapping[str, str | None]) -> bool:
    return any(roles.get(u) == PLUS_ROLE for u in participants(request))


def _users(ids: list[str]) -> str:
    return f"user {ids[0]} does" if len(ids) == 1 else f"users {', '.join(ids)} do"
