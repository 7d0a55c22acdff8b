"""The client against the real emulator process with faults switched on.

What the client did is read back from the emulator's own counters
(``/_emulator/stats``), never inferred from the client.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

from provisioner.errors import (
    ConnectionFailed,
    OutcomeUnknownError,
    ServerError,
)
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

if TYPE_CHECKING:
    from conftest import EmulatorHandle

PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
TINY = RetryPolicy(attempts=3, base=0.01, cap=0.05, timeout=5.0)
CREATE = "POST /rest/room/create"
INFO = "GET /rest/room/info/{room_id}"


@pytest.fixture
def api(emulator: EmulatorHandle) -> EmulatorHandle:
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    return emulator


def run(
    emulator: EmulatorHandle,
    scenario: Callable[[KaleyraClient], Awaitable[Any]],
    policy: RetryPolicy = TINY,
    url: str | None = None,
) -> Any:
    async def main() -> Any:
        client = KaleyraClient(
            url or emulator.url, ApiKey(emulator.api_key), retry=policy
        )
        async with client:
            return await scenario(client)

    return asyncio.run(main())


def test_random_failures_are_retried_then_reported(api: EmulatorHandle) -> None:
    room_id = run(api, lambda c: c.create_room(PAIR)).room_id
    api.configure(fail_rate=1.0)
    with pytest.raises(ServerError) as caught:
        run(api, lambda c: c.room_info(room_id))
    assert caught.value.status in (500, 503)
    assert api.count(INFO) == TINY.attempts


def test_a_create_answered_5xx_is_sent_once(api: EmulatorHandle) -> None:
    api.configure(fail_rate=1.0)
    with pytest.raises(OutcomeUnknownError):
        run(api, lambda c: c.create_room(PAIR))
    assert api.count(CREATE) == 1
    assert api.rooms() == []  # this fault struck before the room was made


@pytest.mark.parametrize("mode", ["error", "disconnect"])
def test_commit_then_drop_leaves_exactly_one_room(
    api: EmulatorHandle, mode: str
) -> None:
    api.configure(commit_then_drop=1.0, drop_mode=mode)
    with pytest.raises(OutcomeUnknownError) as caught:
        run(api, lambda c: c.create_room({**PAIR, "description": "once"}))
    assert "reconcile" in str(caught.value)
    assert api.count(CREATE) == 1
    assert api.count(CREATE, 500 if mode == "error" else "dropped") == 1
    [room] = api.rooms()
    assert (room["description"], room["deleted"]) == ("once", False)


def test_retry_after_is_honoured_and_a_refused_create_is_retried(
    api: EmulatorHandle,
) -> None:
    api.configure(rate_limit=1)
    policy = RetryPolicy(attempts=3, base=0.01, cap=2.0, timeout=5.0)
    waits: list[float] = []

    async def scenario(client: KaleyraClient) -> None:
        await client.list_users()  # takes the only token of this second
        started = time.monotonic()
        await client.create_room(PAIR)
        waits.append(time.monotonic() - started)

    run(api, scenario, policy)
    assert api.count(CREATE, 429) == 1
    assert api.count(CREATE, 200) == 1
    assert len(api.rooms()) == 1
    assert waits[0] >= 0.95  # Retry-After: 1, not the 10 ms backoff


def test_a_slow_read_times_out_and_is_retried(api: EmulatorHandle) -> None:
    room_id = run(api, lambda c: c.create_room(PAIR)).room_id
    api.configure(latency_ms=300)
    slow = RetryPolicy(attempts=2, base=0.01, cap=0.05, timeout=0.1)
    with pytest.raises(ConnectionFailed, match="timed out"):
        run(api, lambda c: c.room_info(room_id), slow)
    assert api.settle(INFO, 2) == 2


def test_a_slow_create_is_outcome_unknown_though_the_room_appears(
    api: EmulatorHandle,
) -> None:
    api.configure(latency_ms=300)
    slow = RetryPolicy(attempts=3, base=0.01, cap=0.05, timeout=0.1)
    with pytest.raises(OutcomeUnknownError):
        run(api, lambda c: c.create_room(PAIR), slow)
    assert api.settle(CREATE, 1) == 1
    assert len(api.rooms()) == 1  # the server finished what the client gave up on


def test_nobody_listening_is_a_connection_failure_even_for_create(
    emulator: EmulatorHandle,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(ConnectionFailed) as caught:
        run(emulator, lambda c: c.create_room(PAIR), url=url)
    assert caught.value.path == "/rest/room/create"
