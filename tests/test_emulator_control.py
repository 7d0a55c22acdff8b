"""The emulator's test-facing endpoints and its fault knobs, over HTTP."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import EmulatorHandle

PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}


@pytest.fixture
def api(emulator: EmulatorHandle) -> EmulatorHandle:
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    return emulator


def make_room(api: EmulatorHandle, **extra: Any) -> str:
    response = api.api("POST", "/rest/room/create", json={**PAIR, **extra})
    assert response.status_code == 200
    room_id: str = response.json()["room"]["room_id"]
    return room_id


def test_stats_count_api_requests_by_route_and_status(api: EmulatorHandle) -> None:
    room_id = make_room(api)
    api.api("GET", f"/rest/room/info/{room_id}")
    api.api("GET", "/rest/room/info/room_000000000000")
    api.api("GET", "/rest/room/list", headers={"apikey": "wrong"})
    api.api("GET", "/rest/nowhere")
    stats = api.stats()
    assert stats["requests"] == {
        "POST /rest/user/create": {"200": 2},
        "POST /rest/room/create": {"200": 1},
        "GET /rest/room/info/{room_id}": {"200": 1, "404": 1},
        "GET /rest/room/list": {"401": 1},
        "GET (unmatched)": {"404": 1},
    }
    assert stats["total_requests"] == 7
    assert [u["id"] for u in stats["users"]] == ["alice", "bob"]


def test_stats_show_every_room_with_what_it_was_asked(api: EmulatorHandle) -> None:
    kept = make_room(api, description="kept")
    gone = make_room(api, description="gone")
    api.api("PUT", f"/rest/room/disable/{kept}")
    api.api("DELETE", f"/rest/room/delete/{gone}")
    rooms = {room["room_id"]: room for room in api.rooms()}
    assert (rooms[kept]["disabled"], rooms[kept]["deleted"]) == (True, False)
    assert (rooms[gone]["disabled"], rooms[gone]["deleted"]) == (False, True)
    assert rooms[gone]["description"] == "gone"
    assert rooms[gone]["created_at"].endswith("Z")
    assert [p["user_id"] for p in rooms[gone]["participants"]] == ["alice", "bob"]
    assert rooms[gone]["received"] == {**PAIR, "description": "gone"}
    assert rooms[gone]["request"]["call_type"] == "audio_video"
    assert "url" not in str(rooms)


def test_set_status(api: EmulatorHandle) -> None:
    room_id = make_room(api)
    control = httpx.Client(base_url=api.url)
    path = f"/_emulator/rooms/{room_id}/status"
    assert control.post(path, json={"status": "RUNNING"}).json() == {
        "room_id": room_id,
        "status": "RUNNING",
    }
    control.post(path, json={"status": "CLOSED", "duration_used": 42})
    info = api.api("GET", f"/rest/room/info/{room_id}").json()["room"]
    assert (info["status"], info["durationUsed"]) == ("CLOSED", 42)
    assert control.post(path, json={"status": "OPEN"}).status_code == 400
    assert (
        control.post(path, json={"status": "RUNNING", "duration_used": -1}).status_code
        == 400
    )
    assert control.post(path, content=b"[]").status_code == 400
    missing = "/_emulator/rooms/room_000000000000/status"
    assert control.post(missing, json={"status": "RUNNING"}).status_code == 404
    control.close()


def test_configure_reads_and_changes_faults(emulator: EmulatorHandle) -> None:
    faults = emulator.configure(latency_ms=5, fail_rate=0.25)
    assert faults == {
        "latency_ms": 5,
        "jitter_ms": 0.0,
        "rate_limit": 0.0,
        "fail_rate": 0.25,
        "commit_then_drop": 0.0,
        "drop_mode": "error",
    }
    assert httpx.get(f"{emulator.url}/_emulator/config").json() == faults


@pytest.mark.parametrize(
    "body",
    [
        {"fail_rate": 1.5},
        {"latency_ms": -1},
        {"rate_limit": "fast"},
        {"commit_then_drop": True},
        {"drop_mode": "explode"},
        {"chaos": 1},
        ["fail_rate"],
    ],
)
def test_configure_refuses_nonsense(emulator: EmulatorHandle, body: Any) -> None:
    response = httpx.post(f"{emulator.url}/_emulator/config", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert emulator.stats()["faults"]["fail_rate"] == 0.0


def test_reset_forgets_everything(api: EmulatorHandle) -> None:
    make_room(api)
    api.configure(latency_ms=1)
    api.reset()
    stats = api.stats()
    assert (stats["rooms"], stats["users"], stats["requests"]) == ([], [], {})
    assert stats["faults"]["latency_ms"] == 0.0


def test_latency_delays_the_api_only(emulator: EmulatorHandle) -> None:
    emulator.configure(latency_ms=200, jitter_ms=50)
    started = time.monotonic()
    emulator.api("GET", "/rest/user/list")
    assert 0.2 <= time.monotonic() - started < 1.0
    started = time.monotonic()
    emulator.stats()
    assert time.monotonic() - started < 0.15


def test_rate_limit_answers_429_with_retry_after(emulator: EmulatorHandle) -> None:
    emulator.configure(rate_limit=2)
    statuses = [emulator.api("GET", "/rest/user/list") for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    limited = statuses[2]
    assert limited.headers["retry-after"] == "1"
    assert set(limited.json()["error"]) == {"name", "code", "message"}
    assert emulator.count("GET /rest/user/list", 429) == 1


def test_fail_rate_answers_5xx_and_does_nothing(api: EmulatorHandle) -> None:
    api.configure(fail_rate=1.0)
    answers = [api.api("POST", "/rest/room/create", json=PAIR) for _ in range(8)]
    assert {r.status_code for r in answers} <= {500, 503}
    assert all(r.json()["error"]["code"] for r in answers)
    assert api.rooms() == []


def test_commit_then_drop_error_mode_makes_the_room_and_answers_500(
    api: EmulatorHandle,
) -> None:
    api.configure(commit_then_drop=1.0)
    response = api.api("POST", "/rest/room/create", json=PAIR)
    assert response.status_code == 500
    assert "room_" not in response.text
    assert len(api.rooms()) == 1


def test_commit_then_drop_disconnect_mode_hangs_up_mid_answer(
    api: EmulatorHandle,
) -> None:
    api.configure(commit_then_drop=1.0, drop_mode="disconnect")
    with pytest.raises(httpx.RemoteProtocolError):
        api.api("POST", "/rest/room/create", json=PAIR)
    assert len(api.rooms()) == 1
    assert api.count("POST /rest/room/create", "dropped") == 1
    # Other endpoints are untouched by this fault.
    assert api.api("GET", "/rest/room/list").status_code == 200
