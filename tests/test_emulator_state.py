"""The emulator's configuration, seeding, persistence and rate limiter, in-process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from provisioner.emulator import EmulatorConfig, Faults, InProcessTransport, create_app
from provisioner.emulator.faults import TokenBucket

KEY = "ak_test_state"
PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
USERS = (("alice", "plus"), ("bob", "basic"))


def post_rooms(config: EmulatorConfig, count: int) -> list[dict[str, Any]]:
    app = create_app(config)

    async def main() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(
            transport=InProcessTransport(app),
            base_url="http://emulator.test",
            headers={"apikey": KEY},
        ) as http:
            rooms = []
            for _ in range(count):
                response = await http.post("/rest/room/create", json=PAIR)
                rooms.append(response.json()["room"])
            return rooms

    return asyncio.run(main())


def test_a_seed_makes_ids_and_links_reproducible() -> None:
    config = EmulatorConfig(KEY, users=USERS, seed=42)
    assert post_rooms(config, 3) == post_rooms(config, 3)
    unseeded = EmulatorConfig(KEY, users=USERS)
    assert post_rooms(unseeded, 1) != post_rooms(unseeded, 1)


def test_data_file_round_trip_in_process(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    config = EmulatorConfig(KEY, users=USERS, data_path=path)
    [room] = post_rooms(config, 1)
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    assert [r["room_id"] for r in saved["rooms"]] == [room["room_id"]]
    reloaded = create_app(config).state.emulator.store
    assert list(reloaded.rooms) == [room["room_id"]]
    token = room["user_urls"][0]["url"].rsplit("/", 1)[1]
    assert reloaded.tokens[token].user == "alice"


def test_seed_users_take_their_role_over_a_data_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    create_app(EmulatorConfig(KEY, users=(("alice", "basic"),), data_path=path))
    app = create_app(EmulatorConfig(KEY, users=(("alice", "plus"),), data_path=path))
    assert app.state.emulator.store.users["alice"].role == "plus"


@pytest.mark.parametrize(
    "content", ['{"version": 99}', "[]", '{"version": 1, "rooms": [{"x": 1}]}']
)
def test_foreign_data_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="emulator data"):
        create_app(EmulatorConfig(KEY, data_path=path))


@pytest.mark.parametrize(
    "bad",
    [
        {"api_key": ""},
        {"fail_rate": 1.01},
        {"commit_then_drop": -0.1},
        {"latency_ms": float("inf")},
        {"drop_mode": "reset"},
    ],
)
def test_config_refuses_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        EmulatorConfig(**{"api_key": KEY, **bad})


def test_config_repr_hides_the_key() -> None:
    assert KEY not in repr(EmulatorConfig(KEY))


def test_faults_update_by_name_only() -> None:
    faults = Faults().updated({"fail_rate": 0.5})
    assert faults == Faults(fail_rate=0.5)
    with pytest.raises(ValueError, match="unknown fault setting"):
        faults.updated({"latency": 5})


def test_token_bucket_allows_a_burst_then_paces() -> None:
    bucket = TokenBucket(rate=4)
    assert [bucket.take() for _ in range(4)] == [0.0] * 4
    wait = bucket.take()
    assert 0 < wait <= 0.25
    slow = TokenBucket(rate=0.5)
    assert slow.take() == 0.0
    assert 1.9 < slow.take() <= 2.0
