"""The emulator answers every endpoint of kaleyra-api.md as documented, over HTTP."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import EmulatorHandle

ROOM_ID = re.compile(r"room_[a-z0-9]{12}")
USER_ID = re.compile(r"usr_[a-z0-9]{12}")
URL = re.compile(
    r"https://sandbox\.bandyer\.com/connect/rest-call-handler/[0-9a-f]{16}"
)
DIRECT_URL = re.compile(
    r"https://sandbox\.bandyer\.com/connect/direct-rest-call-handler/[0-9a-f]{16}"
)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
TOOLS = (
    "chat",
    "screen_sharing",
    "file_upload",
    "snapshot",
    "live_edit",
    "live_pointer",
    "present_to_everyone",
)
WB = ("wb_add_file", "wb_cursor", "wb_text", "wb_shape", "wb_pen", "wb_eraser")


def all_tools(on: bool) -> dict[str, Any]:
    return {**dict.fromkeys(TOOLS, on), "whiteboard": dict.fromkeys(WB, on)}


def pair(**extra: Any) -> dict[str, Any]:
    return {"participants": [{"user_id": "alice"}, {"user_id": "bob"}], **extra}


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the documented error envelope; return the error object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"name", "code", "message"}
    assert error["code"] == code
    return error


@pytest.fixture
def api(emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator with alice (plus), bob and carol (basic)."""
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    emulator.add_user("carol", "basic")
    return emulator


def create(api: EmulatorHandle, body: Any) -> dict[str, Any]:
    response = api.api("POST", "/rest/room/create", json=body)
    assert response.status_code == 200, response.text
    room: dict[str, Any] = response.json()["room"]
    return room


# -- create -------------------------------------------------------------------


def test_create_answers_the_documented_shape_with_defaults(api: EmulatorHandle) -> None:
    room = create(api, pair())
    assert set(room) == {
        "room_id",
        "record",
        "recording_type",
        "duration",
        "directCall",
        "call_type",
        "live",
        "description",
        "user_urls",
    }
    assert ROOM_ID.fullmatch(room["room_id"])
    assert (room["record"], room["recording_type"], room["call_type"]) == (
        False,
        "automatic",
        "audio_video",
    )
    assert (room["live"], room["directCall"], room["duration"]) == (False, False, 0)
    assert [u["user"] for u in room["user_urls"]] == ["alice", "bob"]
    for entry in room["user_urls"]:
        assert set(entry) == {"user", "url", "is_admin", "tools"}
        assert URL.fullmatch(entry["url"])
        assert entry["is_admin"] is False
        assert entry["tools"] == all_tools(True)


def test_create_echoes_the_settings_it_was_given(api: EmulatorHandle) -> None:
    body = pair(
        recording=True,
        recording_type="manual",
        call_type="audio_only",
        live=True,
        duration=3600,
        description="Weekly standup",
        initiatorAlias="alice",
        directCall=True,
        call_action={"action": "ring"},
    )
    body["participants"][0]["is_admin"] = True
    room = create(api, body)
    assert (room["record"], room["recording_type"], room["call_type"]) == (
        True,
        "manual",
        "audio_only",
    )
    assert (room["live"], room["duration"], room["description"]) == (
        True,
        3600,
        "Weekly standup",
    )
    assert room["directCall"] is True
    assert all(DIRECT_URL.fullmatch(u["url"]) for u in room["user_urls"])
    assert room["user_urls"][0]["is_admin"] is True
    assert api.rooms()[0]["received"] == body


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        ({}, all_tools(False)),
        ({"chat": True}, {**all_tools(False), "chat": True}),
        ({"chat": False, "snapshot": True}, {**all_tools(False), "snapshot": True}),
        (
            {"whiteboard": True},
            {**all_tools(False), "whiteboard": dict.fromkeys(WB, True)},
        ),
        (
            {"whiteboard": {"wb_pen": True, "wb_text": False}},
            {
                **all_tools(False),
                "whiteboard": {**dict.fromkeys(WB, False), "wb_pen": True},
            },
        ),
        (
            {**all_tools(True), "whiteboard": False},
            {**all_tools(True), "whiteboard": dict.fromkeys(WB, False)},
        ),
    ],
    ids=["empty", "one", "some", "wb-bool", "wb-object", "all-but-wb"],
)
def test_tools_come_back_fully_resolved(
    api: EmulatorHandle, tools: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = {"participants": [{"user_id": "alice"}, {"user_id": "bob", "tools": tools}]}
    room = create(api, body)
    assert room["user_urls"][0]["tools"] == all_tools(True)
    assert room["user_urls"][1]["tools"] == expected


def test_create_accepts_25_participants(api: EmulatorHandle) -> None:
    for n in range(22):
        api.add_user(f"guest.{n}", "basic")
    people = ["alice", "bob", "carol", *(f"guest.{n}" for n in range(22))]
    room = create(api, {"participants": [{"user_id": u} for u in people]})
    assert len(room["user_urls"]) == 25
    assert len({u["url"] for u in room["user_urls"]}) == 25


def _people(n: int) -> list[dict[str, str]]:
    return [{"user_id": f"user{i}"} for i in range(n)]


def _with_bob(**participant: Any) -> dict[str, Any]:
    return {"participants": [{"user_id": "alice"}, {"user_id": "bob", **participant}]}


INVALID_BODIES = [
    ({}, 422, "participants_validation_error"),
    ({"participants": "alice,bob"}, 422, "participants_validation_error"),
    ({"participants": _people(1)}, 422, "participants_validation_error"),
    ({"participants": _people(26)}, 422, "participants_validation_error"),
    (
        {"participants": [{"user_id": "alice"}] * 2},
        422,
        "participants_validation_error",
    ),
    (
        {"participants": [{"user_id": "alice"}, "bob"]},
        422,
        "participants_validation_error",
    ),
    (
        {"participants": [{"user_id": "alice"}, {}]},
        422,
        "participants_validation_error",
    ),
    (_with_bob(user_id="b ob"), 422, "participants_validation_error"),
    (_with_bob(user_id="x" * 129), 422, "participants_validation_error"),
    (_with_bob(user_id=7), 422, "participants_validation_error"),
    (_with_bob(is_admin="yes"), 422, "participants_validation_error"),
    (_with_bob(display_name="Bob"), 422, "participants_validation_error"),
    (_with_bob(tools=[]), 422, "participants_validation_error"),
    (_with_bob(tools={"chat": "yes"}), 422, "participants_validation_error"),
    (_with_bob(tools={"video": True}), 422, "participants_validation_error"),
    (_with_bob(tools={"whiteboard": "yes"}), 422, "participants_validation_error"),
    (
        _with_bob(tools={"whiteboard": {"wb_x": True}}),
        422,
        "participants_validation_error",
    ),
    (
        _with_bob(tools={"whiteboard": {"wb_pen": 1}}),
        422,
        "participants_validation_error",
    ),
    (pair(duration=59), 422, "duration_validation_error"),
    (pair(duration=86401), 422, "duration_validation_error"),
    (pair(duration=3600.5), 422, "duration_validation_error"),
    (pair(duration="3600"), 422, "duration_validation_error"),
    (pair(duration=True), 422, "duration_validation_error"),
    (pair(call_type="video"), 422, "call_type_validation_error"),
    (pair(recording_type="auto"), 422, "recording_type_validation_error"),
    (pair(recording="true"), 422, "recording_validation_error"),
    (pair(live=1), 422, "live_validation_error"),
    (pair(directCall="no"), 422, "directCall_validation_error"),
    (pair(description=5), 422, "description_validation_error"),
    (pair(description=None), 422, "description_validation_error"),
    (pair(initiatorAlias="not valid!"), 422, "initiatorAlias_validation_error"),
    (pair(call_action="ring"), 422, "call_action_validation_error"),
    (pair(direct_call=True), 422, "body_validation_error"),
    ([{"user_id": "alice"}], 422, "body_validation_error"),
    (
        {"participants": [{"user_id": "alice"}, {"user_id": "dave"}]},
        400,
        "invalid_user_id",
    ),
    (pair(initiatorAlias="dave"), 400, "invalid_user_id"),
    (
        {"participants": [{"user_id": "bob"}, {"user_id": "carol"}]},
        400,
        "no_plus_participant",
    ),
]


@pytest.mark.parametrize(("body", "status", "code"), INVALID_BODIES)
def test_create_refuses_what_the_api_refuses(
    api: EmulatorHandle, body: Any, status: int, code: str
) -> None:
    response = api.api("POST", "/rest/room/create", json=body)
    refused(response, status, code)
    assert api.rooms() == []


def test_create_refuses_a_body_that_is_not_json(api: EmulatorHandle) -> None:
    response = api.api("POST", "/rest/room/create", content=b"{participants")
    refused(response, 400, "invalid_json")


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
    error = refused(response, 401, "invalid_api_key")
    assert error["name"] == "invalid_api_key"
    assert emulator.stats()["users"] == []


def test_unknown_routes_answer_json(emulator: EmulatorHandle) -> None:
    refused(emulator.api("GET", "/rest/room/nothing"), 404, "route_not_found")


# -- info ---------------------------------------------------------------------


def test_info_reads_a_room_back(api: EmulatorHandle) -> None:
    made = create(api, pair(duration=600, description="Clinic"))
    response = api.api("GET", f"/rest/room/info/{made['room_id']}")
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
    api: EmulatorHandle, status: str
) -> None:
    room_id = create(api, pair())["room_id"]
    api.set_status(room_id, status)
    assert (
        api.api("GET", f"/rest/room/info/{room_id}").json()["room"]["status"] == status
    )


def test_info_of_an_unknown_room_is_404(api: EmulatorHandle) -> None:
    refused(api.api("GET", "/rest/room/info/room_000000000000"), 404, "room_not_found")


# -- list ---------------------------------------------------------------------


def test_list_pages_newest_first(api: EmulatorHandle) -> None:
    ids = [create(api, pair(description=f"r{n}"))["room_id"] for n in range(5)]
    first = api.api("GET", "/rest/room/list", params={"skip": 0, "limit": 2}).json()
    assert (first["skip"], first["limit"], first["count"], first["has_more"]) == (
        0,
        2,
        2,
        True,
    )
    assert [r["room_id"] for r in first["rooms"]] == ids[::-1][:2]
    last = api.api("GET", "/rest/room/list", params={"skip": 4, "limit": 2}).json()
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


def test_list_defaults_to_20(api: EmulatorHandle) -> None:
    body = api.api("GET", "/rest/room/list").json()
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
    api: EmulatorHandle, params: dict[str, Any], code: str
) -> None:
    refused(api.api("GET", "/rest/room/list", params=params), 422, code)


def test_list_accepts_limit_100(api: EmulatorHandle) -> None:
    assert api.api("GET", "/rest/room/list", params={"limit": 100}).status_code == 200


# -- disable, delete, tokens --------------------------------------------------


def test_disable_kills_every_link_and_shows_in_info_and_list(
    api: EmulatorHandle,
) -> None:
    room_id = create(api, pair())["room_id"]
    response = api.api("PUT", f"/rest/room/disable/{room_id}")
    assert response.status_code == 200
    assert response.json()["room"]["room_id"] == room_id
    assert "message" in response.json()["room"]
    info = api.api("GET", f"/rest/room/info/{room_id}").json()["room"]
    assert (info["disabled"], info["user_urls"]) == (True, [])
    listed = api.api("GET", "/rest/room/list").json()["rooms"][0]
    assert listed["disabled"] is True
    # [ASSUMED] disabling again is harmless
    assert api.api("PUT", f"/rest/room/disable/{room_id}").status_code == 200


def test_delete_hides_the_room_but_stats_keep_it(api: EmulatorHandle) -> None:
    room_id = create(api, pair(description="gone"))["room_id"]
    response = api.api("DELETE", f"/rest/room/delete/{room_id}")
    assert response.status_code == 200
    assert response.json()["room"]["room_id"] == room_id
    refused(api.api("GET", f"/rest/room/info/{room_id}"), 404, "room_not_found")
    refused(api.api("DELETE", f"/rest/room/delete/{room_id}"), 404, "room_not_found")
    refused(api.api("PUT", f"/rest/room/disable/{room_id}"), 404, "room_not_found")
    assert api.api("GET", "/rest/room/list").json()["rooms"] == []
    [audit] = api.rooms()
    assert (audit["room_id"], audit["deleted"], audit["description"]) == (
        room_id,
        True,
        "gone",
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_disable_or_delete_unknown_room_is_404(
    api: EmulatorHandle, method: str
) -> None:
    verb = "disable" if method == "PUT" else "delete"
    response = api.api(method, f"/rest/room/{verb}/room_000000000000")
    refused(response, 404, "room_not_found")


def test_token_delete_revokes_one_link(api: EmulatorHandle) -> None:
    room = create(api, pair())
    token = room["user_urls"][1]["url"].rsplit("/", 1)[1]
    response = api.api("DELETE", f"/rest/token/delete/{token}")
    assert response.status_code == 200
    assert response.json()["token"] == token
    info = api.api("GET", f"/rest/room/info/{room['room_id']}").json()["room"]
    assert [u["user"] for u in info["user_urls"]] == ["alice"]
    refused(api.api("DELETE", f"/rest/token/delete/{token}"), 404, "token_not_found")


def test_token_delete_of_unknown_or_dead_links_is_404(api: EmulatorHandle) -> None:
    refused(
        api.api("DELETE", "/rest/token/delete/0123456789abcdef"), 404, "token_not_found"
    )
    room = create(api, pair())
    api.api("PUT", f"/rest/room/disable/{room['room_id']}")
    token = room["user_urls"][0]["url"].rsplit("/", 1)[1]
    refused(api.api("DELETE", f"/rest/token/delete/{token}"), 404, "token_not_found")


# -- users --------------------------------------------------------------------


def test_user_create_read_list_update_delete(emulator: EmulatorHandle) -> None:
    body = {"id": "dr.who", "role": "plus", "can_video": False, "language": "it"}
    created = emulator.api("POST", "/rest/user/create", json=body)
    assert created.status_code == 200
    user = created.json()["user"]
    assert set(user) == {"id", "role", "can_video", "language", "creation_date"}
    assert (user["id"], user["role"], user["can_video"], user["language"]) == (
        "dr.who",
        "plus",
        False,
        "it",
    )
    assert TIMESTAMP.fullmatch(user["creation_date"])
    assert emulator.api("GET", "/rest/user/list/dr.who").json()["user"] == user
    assert emulator.api("GET", "/rest/user/list").json() == {"user_id_list": ["dr.who"]}
    updated = emulator.api("PUT", "/rest/user/update/dr.who", json={"role": "basic"})
    assert updated.json()["user"] == {**user, "role": "basic"}
    deleted = emulator.api("DELETE", "/rest/user/delete/dr.who")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == "dr.who"
    assert emulator.api("GET", "/rest/user/list").json() == {"user_id_list": []}


def test_user_defaults_and_generated_id(emulator: EmulatorHandle) -> None:
    user = emulator.api("POST", "/rest/user/create", json={"role": "basic"}).json()[
        "user"
    ]
    assert USER_ID.fullmatch(user["id"])
    assert (user["can_video"], user["language"]) == (True, None)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id": "alice", "role": "plus"}, 400, "user_id_already_exists"),
        ({"id": "zed", "role": "admin"}, 422, "role_validation_error"),
        ({"id": "zed"}, 422, "role_validation_error"),
        (
            {"id": "zed", "role": "plus", "language": "es"},
            422,
            "language_validation_error",
        ),
        (
            {"id": "zed", "role": "plus", "can_video": "no"},
            422,
            "can_video_validation_error",
        ),
        ({"id": "z z", "role": "plus"}, 422, "id_validation_error"),
        ({"user_id": "zed", "role": "plus"}, 422, "body_validation_error"),
        (["zed"], 422, "body_validation_error"),
    ],
)
def test_user_create_refusals(
    emulator: EmulatorHandle, body: Any, status: int, code: str
) -> None:
    emulator.add_user("alice", "basic")
    refused(emulator.api("POST", "/rest/user/create", json=body), status, code)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/rest/user/list/nobody", None),
        ("PUT", "/rest/user/update/nobody", {"role": "plus"}),
        ("DELETE", "/rest/user/delete/nobody", None),
    ],
)
def test_unknown_user_is_a_400_not_a_404(
    emulator: EmulatorHandle, method: str, path: str, body: Any
) -> None:
    refused(emulator.api(method, path, json=body), 400, "invalid_user_id")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "owner"}, "role_validation_error"),
        ({"language": 1}, "language_validation_error"),
        ({"id": "other"}, "body_validation_error"),
    ],
)
def test_user_update_refusals(emulator: EmulatorHandle, body: Any, code: str) -> None:
    emulator.add_user("alice", "basic")
    refused(emulator.api("PUT", "/rest/user/update/alice", json=body), 422, code)
