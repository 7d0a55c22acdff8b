"""Secrets stay secret: no key, token or join link in any error or log record.

Everything is logged at DEBUG (httpx and httpcore included) while the client
works against the real emulator, through successes, refusals and faults.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import pytest

from provisioner.errors import ApiError
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

if TYPE_CHECKING:
    from conftest import EmulatorHandle

PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
POLICY = RetryPolicy(attempts=2, base=0.001, cap=0.01, timeout=5.0)
FAULTS = [{"fail_rate": 1.0}, {"commit_then_drop": 1.0, "drop_mode": "disconnect"}]


class Witness:
    """Collects every text a user could see, and every secret met."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.secrets: list[str] = []

    def on_retry(self, what: str, delay: float) -> None:
        self.texts.append(what)

    async def expect_failure(self, attempt: Awaitable[Any]) -> None:
        try:
            await attempt
        except ApiError as exc:
            self.texts.append(str(exc))
        else:
            raise AssertionError("expected an ApiError")


async def _happy_paths(client: KaleyraClient, seen: Witness) -> list[str]:
    room = await client.create_room(PAIR)
    seen.secrets += room.urls.values()
    tokens = [url.rsplit("/", 1)[1] for url in room.urls.values()]
    seen.secrets += tokens
    info = await client.room_info(room.room_id)
    seen.texts += [repr(room), repr(info), str(room)]
    await client.delete_token(tokens[0])
    return tokens


async def _failures(
    client: KaleyraClient, tokens: list[str], emulator: EmulatorHandle, seen: Witness
) -> None:
    await seen.expect_failure(client.delete_token(tokens[0]))  # already revoked
    await seen.expect_failure(client.get_user("nobody"))
    await seen.expect_failure(client.create_room({**PAIR, "duration": 1}))
    for faults in FAULTS:
        emulator.configure(**faults)
        await seen.expect_failure(client.create_room(PAIR))
        if "fail_rate" in faults:
            await seen.expect_failure(client.delete_token(tokens[1]))
        emulator.configure(fail_rate=0.0, commit_then_drop=0.0)


async def _scenario(emulator: EmulatorHandle, seen: Witness) -> None:
    key = ApiKey(emulator.api_key)
    async with KaleyraClient(
        emulator.url, key, retry=POLICY, on_retry=seen.on_retry
    ) as client:
        tokens = await _happy_paths(client, seen)
        await _failures(client, tokens, emulator, seen)
    wrong = ApiKey(emulator.api_key + "x")
    async with KaleyraClient(emulator.url, wrong, retry=POLICY) as client:
        await seen.expect_failure(client.list_users())


def test_no_secret_in_errors_or_logs(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    seen = Witness()
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "provisioner"):
            caplog.set_level(logging.DEBUG, logger=name)
        asyncio.run(_scenario(emulator, seen))
    logged = [r.getMessage() for r in caplog.records]
    logged += [repr(r.args) for r in caplog.records]
    assert any(r.name == "provisioner.kaleyra" for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records)
    assert any("/rest/token/delete/***" in text for text in logged)
    assert any("HTTP 50" in text for text in seen.texts)  # the faults did strike
    assert len(seen.secrets) == 4
    for secret in [emulator.api_key, emulator.api_key + "x", *seen.secrets]:
        for text in seen.texts + logged:
            assert secret not in text
    assert not any("sandbox.bandyer.com" in text for text in seen.texts + logged)
