"""Room creation in the emulator: the documented answer, every refusal, over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from emulatorexpect import (
    DIRECT_URL,
    ROOM_ID,
    URL,
    WB,
    all_tools,
    create,
    pair,
)

if TYPE_CHECKING:
    from conftest import EmulatorHandle

# -- create -------------------------------------------------------------------


def test_create_answers_the_documented_shape_with_defaults(
    people: EmulatorHandle,
) -> None:
    room = create(people, pair())
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


def test_create_echoes_the_settings_it_was_given(people: EmulatorHandle) -> None:
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
    room = create(people, body)
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
    assert people.rooms()[0]["received"] == body


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
    people: EmulatorHandle, tools: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = {"participants": [{"user_id": "alice"}, {"user_id": "bob", "tools": tools}]}
    room = create(people, body)
    assert room["user_urls"][0]["tools"] == all_tools(True)
    assert room["user_urls"][1]["tools"] == expected


def test_create_accepts_25_participants(people: EmulatorHandle) -> None:
    for n in range(22):
        people.add_user(f"guest.{n}", "basic")
    ids = ["alice", "bob", "carol", *(f"guest.{n}" for n in range(22))]
    room = create(people, {"participants": [{"user_id": u} for u in ids]})
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
    people: EmulatorHandle, body: Any, status: int, code: str
) -> None:
    response = people.api("POST", "/rest/room/create", json=body)
    people.expect_error(response, status, code)
    assert people.rooms() == []


def test_create_refuses_a_body_that_is_not_json(people: EmulatorHandle) -> None:
    response = people.api("POST", "/rest/room/create", content=b"{participants")
    people.expect_error(response, 400, "invalid_json")
