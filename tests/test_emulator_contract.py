"""Every other endpoint of kaleyra-api.md in the emulator, as documented, over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from emulatorexpect import (
    TIMESTAMP,
    create,
    pair,
)

if TYPE_CHECKING:
    from conftest import EmulatorHandle

# -- authentication -----------------------------------------------------------

ENDPOINTS = [
    ("POST", "/rest/room/create"),
    ("GET", "/rest/room/info/room_000000000000"),
    ("GET", "/rest/room/list"),
    ("PUT", "/rest/room/disable/room_000000000000"),
    ("DELETE", "/rest/room/delete/room_000000000000"),
    ("DELETE", "/rest/token/delete/0123456789abcdef"),
    ("POST", "/rest/user/create"),
    ("GET", "/rest/user/list"),
    ("GET", "/rest/user/list/alice"),
    ("PUT", "/rest/user/update/alice"),
    ("DELETE", "/rest/user/delete/alice"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("key", [None, "", "ak_test_wrong"])
def test_every_endpoint_wants_the_key(
    emulator: EmulatorHandle, method: str, path: str, key: str | None
) -> None:
    headers = {} if key is None else {"apikey": key}
    response = httpx.request(
        method, emulator.url + path, headers=headers, json={"role": "plus"}
    )
    error = emulator.expect_error(response, 401, "invalid_api_key")
    assert error["name"] == "invalid_api_key"
    assert emulator.stats()["users"] == []


def test_unknown_routes_answer_json(emulator: EmulatorHandle) -> None:
    emulator.expect_error(
        emulator.api("GET", "/rest/room/nothing"), 404, "route_not_found"
    )


# -- info ---------------------------------------------------------------------


def test_info_reads_a_room_back(people: EmulatorHandle) -> None:
    made = create(people, pair(duration=600, description="Clinic"))
    response = people.api("GET", f"/rest/room/info/{made['room_id']}")
    assert response.status_code == 200
    room = response.json()["room"]
    assert room == {
        "room_id": made["room_id"],
        "record": False,
        "duration": 600,
        "durationUsed": 0,
        "call_type": "audio_video",
        "live": False,
        "description": "Clinic",
        "status": "NOT_RUNNING",
        "user_urls": [{"user": u["user"], "url": u["url"]} for u in made["user_urls"]],
    }


@pytest.mark.parametrize("status", ["RUNNING", "CLOSED", "NOT_RUNNING"])
def test_info_shows_the_status_set_by_the_test(
    people: EmulatorHandle, status: str
) -> None:
    room_id = create(people, pair())["room_id"]
    people.set_status(room_id, status)
    assert (
        people.api("GET", f"/rest/room/info/{room_id}").json()["room"]["status"]
        == status
    )


def test_info_of_an_unknown_room_is_404(people: EmulatorHandle) -> None:
    people.expect_error(
        people.api("GET", "/rest/room/info/room_000000000000"), 404, "room_not_found"
    )


# -- list ---------------------------------------------------------------------


def test_list_pages_newest_first(people: EmulatorHandle) -> None:
    ids = [create(people, pair(description=f"r{n}"))["room_id"] for n in range(5)]
    first = people.api("GET", "/rest/room/list", params={"skip": 0, "limit": 2}).json()
    assert (first["skip"], first["limit"], first["count"], first["has_more"]) == (
        0,
        2,
        2,
        True,
    )
    assert [r["room_id"] for r in first["rooms"]] == ids[::-1][:2]
    last = people.api("GET", "/rest/room/list", params={"skip": 4, "limit": 2}).json()
    assert [r["room_id"] for r in last["rooms"]] == [ids[0]]
    assert (last["count"], last["has_more"]) == (1, False)
    entry = first["rooms"][0]
    assert set(entry) == {
        "room_id",
        "record",
        "call_type",
        "live",
        "description",
        "status",
        "creationDate",
    }
    assert TIMESTAMP.fullmatch(entry["creationDate"])


def test_list_defaults_to_20(people: EmulatorHandle) -> None:
    body = people.api("GET", "/rest/room/list").json()
    assert (body["skip"], body["limit"], body["rooms"], body["has_more"]) == (
        0,
        20,
        [],
        False,
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 101}, "limit_validation_error"),
        ({"limit": 0}, "limit_validation_error"),
        ({"limit": "ten"}, "limit_validation_error"),
        ({"skip": -1}, "skip_validation_error"),
    ],
)
def test_list_refuses_bad_paging(
    people: EmulatorHandle, params: dict[str, Any], code: str
) -> None:
    people.expect_error(people.api("GET", "/rest/room/list", params=params), 422, code)


def test_list_accepts_limit_100(people: EmulatorHandle) -> None:
    assert (
        people.api("GET", "/rest/room/list", params={"limit": 100}).status_code == 200
    )


# -- disable, delete, tokens --------------------------------------------------


def test_disable_kills_every_link_and_shows_in_info_and_list(
    people: EmulatorHandle,
) -> None:
    room_id = create(people, pair())["room_id"]
    response = people.api("PUT", f"/rest/room/disable/{room_id}")
    assert response.status_code == 200
    assert response.json()["room"]["room_id"] == room_id
    assert "message" in response.json()["room"]
    info = people.api("GET", f"/rest/room/info/{room_id}").json()["room"]
    assert (info["disabled"], info["user_urls"]) == (True, [])
    listed = people.api("GET", "/rest/room/list").json()["rooms"][0]
    assert listed["disabled"] is True
    # [ASSUMED] disabling again is harmless
    assert people.api("PUT", f"/rest/room/disable/{room_id}").status_code == 200


def test_delete_hides_the_room_but_stats_keep_it(people: EmulatorHandle) -> None:
    room_id = create(people, pair(description="gone"))["room_id"]
    response = people.api("DELETE", f"/rest/room/delete/{room_id}")
    assert response.status_code == 200
    assert response.json()["room"]["room_id"] == room_id
    people.expect_error(
        people.api("GET", f"/rest/room/info/{room_id}"), 404, "room_not_found"
    )
    people.expect_error(
        people.api("DELETE", f"/rest/room/delete/{room_id}"), 404, "room_not_found"
    )
    people.expect_error(
        people.api("PUT", f"/rest/room/disable/{room_id}"), 404, "room_not_found"
    )
    assert people.api("GET", "/rest/room/list").json()["rooms"] == []
    [audit] = people.rooms()
    assert (audit["room_id"], audit["deleted"], audit["description"]) == (
        room_id,
        True,
        "gone",
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_disable_or_delete_unknown_room_is_404(
    people: EmulatorHandle, method: str
) -> None:
    verb = "disable" if method == "PUT" else "delete"
    response = people.api(method, f"/rest/room/{verb}/room_000000000000")
    people.expect_error(response, 404, "room_not_found")


def test_token_delete_revokes_one_link(people: EmulatorHandle) -> None:
    room = create(people, pair())
    token = room["user_urls"][1]["url"].rsplit("/", 1)[1]
    response = people.api("DELETE", f"/rest/token/delete/{token}")
    assert response.status_code == 200
    assert response.json()["token"] == token
    info = people.api("GET", f"/rest/room/info/{room['room_id']}").json()["room"]
    assert [u["user"] for u in info["user_urls"]] == ["alice"]
    people.expect_error(
        people.api("DELETE", f"/rest/token/delete/{token}"), 404, "token_not_found"
    )


def test_token_delete_of_unknown_or_dead_links_is_404(people: EmulatorHandle) -> None:
    people.expect_error(
        people.api("DELETE", "/rest/token/delete/0123456789abcdef"),
        404,
        "token_not_found",
    )
    room = create(people, pair())
    people.api("PUT", f"/rest/room/disable/{room['room_id']}")
    token = room["user_urls"][0]["url"].rsplit("/", 1)[1]
    people.expect_error(
        people.api("DELETE", f"/rest/token/delete/{token}"), 404, "token_not_found"
    )
