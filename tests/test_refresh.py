"""Refresh reads every managed room back and reports drift and running calls;
`rooms_on_api` walks the room list for the rooms a lost state would duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from pathlib import Path
from typing import Any

import httpx
import pytest
from applyfixtures import Rig, create, plan_of, spec
from plan_builders import room, state

from provisioner.apply.refresh import RefreshResult, refresh, rooms_on_api
from provisioner.errors import ApiError, NotFoundError
from provisioner.state.document import RetiringRoom, State


def test_refresh_reports_drift_and_running_rooms(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    names = ["deleted", "disabled", "closed", "running", "fine"]
    rig.apply(plan_of(*(create(spec(n)) for n in names)))
    state = rig.state()
    store = rig.emulator.store
    store.delete(state.rooms["deleted"].room_id)
    store.disable(state.rooms["disabled"].room_id)
    store.room(state.rooms["closed"].room_id).status = "CLOSED"
    store.room(state.rooms["running"].room_id).status = "RUNNING"

    async def main() -> RefreshResult:
        async with rig.client() as client:
            return await refresh(client, state, parallelism=2)

    result = asyncio.run(main())
    assert result.drift == {
        "deleted": "deleted outside the provisioner",
        "disabled": "disabled outside the provisioner",
        "closed": "closed outside the provisioner",
    }
    assert result.running == {"running"}


@pytest.mark.parametrize("status", [500, 503, 400, 422, 401])
def test_any_other_error_fails_the_refresh_and_assumes_nothing_gone(
    scripted: Any, status: int
) -> None:
    # Only the API saying so (not found, CLOSED, disabled) makes a room gone.
    body = {"error": {"name": "x", "code": "something_else", "message": "no"}}
    api = scripted(httpx.Response(status, json=body))
    current = state([room("standup")])
    with pytest.raises(ApiError) as caught:
        api.run(lambda client: refresh(client, current))
    assert not isinstance(caught.value, NotFoundError)


EMPTY_LIST = {"skip": 0, "limit": 1, "has_more": False, "count": 0, "rooms": []}


def test_a_404_is_gone(scripted: Any) -> None:
    body = {"error": {"name": "invalid_request_error", "code": "room_not_found"}}
    api = scripted(httpx.Response(200, json=EMPTY_LIST), httpx.Response(404, json=body))
    current = state([room("standup")])
    result = api.run(lambda client: refresh(client, current))
    assert result.drift == {"standup": "deleted outside the provisioner"}


def test_a_404_behind_an_address_that_is_not_the_api_is_no_drift(
    scripted: Any,
) -> None:
    # Refresh proves the address first: a 404 there means a wrong base URL.
    body = {"error": {"name": "invalid_request_error", "code": "room_not_found"}}
    api = scripted(httpx.Response(404, json=body))
    current = state([room("standup")])
    with pytest.raises(ApiError) as caught:
        api.run(lambda client: refresh(client, current))
    assert not isinstance(caught.value, NotFoundError)
    assert "api.url" in str(caught.value)


def listing(rig: Rig, state: State, descriptions: Collection[str]) -> set[str]:
    async def main() -> set[str]:
        async with rig.client() as client:
            found = await rooms_on_api(client, state, descriptions)
        return {room.room_id for room in found}

    return asyncio.run(main())


def test_rooms_on_api_are_live_rooms_the_state_lacks_with_a_wanted_description(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("managed"))))
    current = rig.state()
    store = rig.emulator.store
    lost = rig.make_room(spec("lost"))
    rig.make_room(spec("other"))
    store.disable(rig.make_room(spec("disabled")).room_id)
    store.room(rig.make_room(spec("closed")).room_id).status = "CLOSED"
    retiring = rig.make_room(spec("retiring"))
    current.retiring[retiring.room_id] = RetiringRoom(
        retiring.room_id, "retiring", "disable", "t"
    )
    wanted = ["managed", "lost", "disabled", "closed", "retiring", "nowhere"]
    assert listing(rig, current, wanted) == {lost.room_id}


def test_rooms_on_api_walk_every_page_once_and_only_when_asked(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    made = {rig.make_room(spec(f"r{i:03d}")).room_id for i in range(230)}
    names = [f"r{i:03d}" for i in range(230)]
    assert listing(rig, State(), names) == made
    pages = rig.requests("GET /rest/room/list")
    assert 3 <= pages <= 4
    assert listing(rig, State(), []) == set()
    assert rig.requests("GET /rest/room/list") == pages
