"""The client reads any answer kaleyra-api.md allows, not only our emulator's.

Each case is one answer a different, contract-conforming server may give
(an `httpx.MockTransport` script), and what the client must make of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from provisioner.apply.reconcile import recent_rooms
from provisioner.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    ValidationError,
    WrongAddressError,
)
from provisioner.kaleyra import KaleyraClient

if TYPE_CHECKING:
    from conftest import ScriptedApi

URL_A = "https://sandbox.example/connect/rest-call-handler/aaaa"
URL_B = "https://sandbox.example/connect/rest-call-handler/bbbb"
BODY = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}


def ok(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def listed(**extra: Any) -> dict[str, Any]:
    room = {
        "room_id": "room_aaaaaaaaaaaa",
        "record": False,
        "call_type": "audio_video",
        "live": False,
        "status": "NOT_RUNNING",
        "creationDate": "2026-11-25T10:15:00.000Z",
    }
    return {**room, **extra}


def info(**extra: Any) -> dict[str, Any]:
    room = {
        "room_id": "room_aaaaaaaaaaaa",
        "record": False,
        "duration": 0,
        "durationUsed": 0,
        "call_type": "audio_video",
        "live": False,
        "description": "Standup",
        "status": "NOT_RUNNING",
        "user_urls": [{"user": "alice", "url": URL_A}, {"user": "bob", "url": URL_B}],
    }
    return {"room": {**room, **extra}}


@pytest.mark.parametrize("status", [200, 201])
def test_create_answered_200_or_201_with_unknown_keys(
    scripted: type[ScriptedApi], status: int
) -> None:
    answer = info(recording_type="automatic", directCall=False, region="eu")
    answer["request_id"] = "r-1"
    api = scripted(ok(answer, status))
    created = api.run(lambda c: c.create_room(BODY))
    assert (created.room_id, created.urls) == (
        "room_aaaaaaaaaaaa",
        {"alice": URL_A, "bob": URL_B},
    )
    sent = api.requests[0]
    assert (sent.method, sent.url.path) == ("POST", "/rest/room/create")
    assert sent.headers["apikey"] == api.key
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == BODY


def test_info_with_bare_user_urls_and_unlimited_duration(
    scripted: type[ScriptedApi],
) -> None:
    got = scripted(ok(info())).run(lambda c: c.room_info("room_aaaaaaaaaaaa"))
    assert (got.duration, got.disabled, got.status) == (0, False, "NOT_RUNNING")
    assert got.urls == {"alice": URL_A, "bob": URL_B}


@pytest.mark.parametrize("urls", [[], None])
def test_a_disabled_room_has_no_links(scripted: type[ScriptedApi], urls: Any) -> None:
    answer = info(disabled=True, user_urls=urls, duration=None)
    got = scripted(ok(answer)).run(lambda c: c.room_info("room_aaaaaaaaaaaa"))
    assert (got.disabled, got.urls, got.duration) == (True, {}, 0)


def test_info_null_optional_fields_read_as_absent(scripted: type[ScriptedApi]) -> None:
    answer = info(disabled=None, record=None, live=None, description=None)
    got = scripted(ok(answer)).run(lambda c: c.room_info("room_aaaaaaaaaaaa"))
    assert (got.disabled, got.record, got.live, got.description) == (
        False,
        False,
        False,
        None,
    )


def test_info_duration_written_as_a_float(scripted: type[ScriptedApi]) -> None:
    got = scripted(ok(info(duration=3600.0))).run(lambda c: c.room_info("room_x"))
    assert got.duration == 3600


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-25T10:15:00.000Z",
        "2026-11-25T10:15:00Z",
        "2026-11-25T10:15:00.123456Z",
        "2026-11-25T11:15:00+01:00",
        "2026-11-25T10:15:00",
    ],
)
def test_creation_dates_with_or_without_milliseconds(
    scripted: type[ScriptedApi], stamp: str
) -> None:
    page = {"skip": 0, "limit": 100, "has_more": False, "count": 1}
    page["rooms"] = [listed(creationDate=stamp)]
    got = scripted(ok(page)).run(lambda c: c.list_rooms(0, 100))
    moment = got.rooms[0].created_at.replace(microsecond=0)
    assert moment == datetime(2026, 11, 25, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize("entry", [listed(), listed(description=None)])
def test_list_entries_without_description_or_disabled(
    scripted: type[ScriptedApi], entry: dict[str, Any]
) -> None:
    page = {"skip": 0, "limit": 20, "has_more": False, "count": 1, "rooms": [entry]}
    got = scripted(ok(page)).run(lambda c: c.list_rooms(0, 20))
    assert (got.rooms[0].description, got.rooms[0].disabled) == (None, False)


@pytest.mark.parametrize(
    ("page", "more"),
    [
        ({"skip": 0, "limit": 2, "count": 5}, True),  # count is the total
        ({"skip": 0, "limit": 2}, True),  # a full page: maybe more
        ({"skip": 3, "limit": 2, "count": 5}, True),  # full: one more look
        ({"skip": 3, "limit": 3, "count": 5}, False),  # a short last page
        ({"skip": 0, "limit": 3, "count": 2}, False),  # a short page
        ({"limit": 2, "count": 2}, True),  # count of this page, page full
        ({"skip": 0, "limit": 2, "count": 5, "has_more": False}, False),
    ],
)
def test_has_more_left_out_is_judged_from_count_and_limit(
    scripted: type[ScriptedApi], page: dict[str, Any], more: bool
) -> None:
    body = {**page, "rooms": [listed(room_id="room_1"), listed(room_id="room_2")]}
    skip, limit = int(page.get("skip", 0)), int(page["limit"])
    got = scripted(ok(body)).run(lambda c: c.list_rooms(skip, limit))
    assert got.has_more is more


def test_iter_rooms_walks_pages_without_has_more(scripted: type[ScriptedApi]) -> None:
    pages = [
        ok({"limit": 2, "rooms": [listed(room_id=f"room_{i}") for i in (1, 2)]}),
        ok({"limit": 2, "rooms": [listed(room_id="room_3")]}),
    ]
    api = scripted(*pages)

    async def walk(client: KaleyraClient) -> list[str]:
        return [room.room_id async for room in client.iter_rooms(page_size=2)]

    assert api.run(walk) == ["room_1", "room_2", "room_3"]
    assert [r.url.params["skip"] for r in api.requests] == ["0", "2"]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, text="Unauthorized"),
        httpx.Response(401, json={"error": {"name": "invalid_api_key"}}),
        ok({"error": {"name": "invalid_api_key", "code": "invalid_api_key"}}, 400),
        ok({"error": {"code": "invalid_api_key", "message": "bad key"}}, 400),
    ],
)
def test_a_refused_key_in_any_documented_shape(
    scripted: type[ScriptedApi], answer: httpx.Response
) -> None:
    scripted(answer).fails(lambda c: c.list_users(), AuthError)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (httpx.Response(400, text="<html>bad</html>"), ValidationError),
        (ok({"message": "no envelope"}, 422), ValidationError),
        (ok({"error": "a string, not an object"}, 400), ValidationError),
        # Not the API's JSON: a wrong address, never "the room is gone".
        (httpx.Response(404, text=""), WrongAddressError),
        (httpx.Response(502, text="<html>bad gateway</html>"), ServerError),
    ],
)
def test_error_bodies_without_the_envelope(
    scripted: type[ScriptedApi], answer: httpx.Response, kind: type[Exception]
) -> None:
    scripted(answer).fails(lambda c: c.room_info("room_x"), kind)


def test_unknown_user_is_400_invalid_user_id(scripted: type[ScriptedApi]) -> None:
    refused = {"error": {"name": "invalid_request_error", "code": "invalid_user_id"}}
    scripted(ok(refused, 400)).fails(lambda c: c.get_user("ghost"), NotFoundError)


def test_429_without_retry_after_backs_off(scripted: type[ScriptedApi]) -> None:
    api = scripted(httpx.Response(429), ok({"user_id_list": ["alice"]}))
    retries: list[tuple[str, float]] = []
    assert api.run(lambda c: c.list_users(), retries=retries) == ["alice"]
    assert len(retries) == 1 and 0 <= retries[0][1] <= 0.01


def test_a_create_answered_with_garbage_may_have_made_a_room(
    scripted: type[ScriptedApi],
) -> None:
    api = scripted(httpx.Response(200, text="<html>ok</html>"))
    api.fails(lambda c: c.create_room(BODY), OutcomeUnknownError)
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(204),
        httpx.Response(200, text=""),
        ok({"room": {"room_id": "room_x", "message": "disabled"}}),
    ],
)
def test_disable_and_delete_accept_any_success(
    scripted: type[ScriptedApi], answer: httpx.Response
) -> None:
    api = scripted(answer)
    api.run(lambda c: c.disable_room("room_x"))
    api.run(lambda c: c.delete_room("room_x"))
    assert [(r.method, r.url.path) for r in api.requests] == [
        ("PUT", "/rest/room/disable/room_x"),
        ("DELETE", "/rest/room/delete/room_x"),
    ]


def test_user_answers_with_unknown_keys(scripted: type[ScriptedApi]) -> None:
    user = {"id": "alice", "role": "plus", "can_video": True, "language": None}
    answer = ok({"user": {**user, "creation_date": "2026-11-25T10:15:00Z", "x": 1}})
    api = scripted(answer)
    got = api.run(lambda c: c.create_user("alice", "plus", True, "en"))
    assert (got.user_id, got.role, got.language) == ("alice", "plus", None)
    sent = json.loads(api.requests[0].content)
    assert sent == {"id": "alice", "role": "plus", "can_video": True, "language": "en"}


def test_an_unexpected_success_status_is_not_taken_for_success(
    scripted: type[ScriptedApi],
) -> None:
    scripted(httpx.Response(302, headers={"location": "https://elsewhere"})).fails(
        lambda c: c.room_info("room_x"), ApiError
    )


def test_a_server_that_ignores_skip_does_not_loop_forever(
    scripted: type[ScriptedApi],
) -> None:
    stamp = datetime.now(UTC).isoformat()
    same = ok(
        {"rooms": [listed(room_id=f"room_{i}", creationDate=stamp) for i in (1, 2)]}
    )
    api = scripted(same)

    async def walk(client: KaleyraClient) -> list[str]:
        return [room.room_id async for room in client.iter_rooms(page_size=2)]

    assert api.run(walk) == ["room_1", "room_2"]
    assert len(api.requests) == 2

    async def recent(client: KaleyraClient) -> list[str]:
        since = datetime(2000, 1, 1, tzinfo=UTC)
        return [room.room_id async for room in recent_rooms(client, since)]

    assert scripted(same).run(recent) == ["room_1", "room_2"]


def test_reconciliation_reads_small_pages_back_to_back(
    scripted: type[ScriptedApi],
) -> None:
    stamp = datetime.now(UTC).isoformat()
    # The server serves 3 a page (though asked for 100) and says so in `limit`.
    pages = [
        ok(
            {
                "limit": 3,
                "rooms": [listed(room_id=f"room_{i}", creationDate=stamp) for i in ids],
            }
        )
        for ids in ((1, 2, 3), (4, 5, 6), (7,))
    ]
    api = scripted(*pages)

    async def recent(client: KaleyraClient) -> list[str]:
        since = datetime(2000, 1, 1, tzinfo=UTC)
        return [room.room_id async for room in recent_rooms(client, since)]

    assert api.run(recent) == [f"room_{i}" for i in range(1, 8)]
    assert [r.url.params["skip"] for r in api.requests] == ["0", "3", "6"]
