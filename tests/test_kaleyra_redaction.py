"""Secrets stay secret: no key, token or join link in any error or log record.

Everything is logged at DEBUG (httpx and httpcore included) while the client
works against the real emulator, through successes, refusals and faults.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest

from provisioner.errors import ApiError
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

if TYPE_CHECKING:
    from conftest import EmulatorHandle

PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
POLICY = RetryPolicy(attempts=2, base=0.001, cap=0.01, timeout=5.0)


async def _scenario(
    url: str, key: str, emulator: EmulatorHandle, seen: list[str]
) -> list[str]:
    """Exercise every path that could leak; return the tokens and links met."""
    secrets: list[str] = []
    retry_texts: list[str] = []

    def on_retry(what: str, delay: float) -> None:
        retry_texts.append(what)

    async with KaleyraClient(
        url, ApiKey(key), retry=POLICY, on_retry=on_retry
    ) as client:
        room = await client.create_room(PAIR)
        links = list(room.urls.values())
        tokens = [link.rsplit("/", 1)[1] for link in links]
        secrets += links + tokens
        info = await client.room_info(room.room_id)
        seen += [repr(room), repr(info)]
        await client.delete_token(tokens[0])
        for attempt in (
            client.delete_token(tokens[0]),  # 404 for a known-to-us token
            client.get_user("nobody"),
            client.create_room({**PAIR, "duration": 1}),
        ):
            try:
                await attempt
            except ApiError as exc:
                seen.append(str(exc))
        for faults in (
            {"fail_rate": 1.0},
            {"commit_then_drop": 1.0, "drop_mode": "disconnect"},
        ):
            emulator.configure(**faults)
            for attempt in (client.create_room(PAIR), client.delete_token(tokens[1])):
                try:
                    await attempt
                except ApiError as exc:
                    seen.append(str(exc))
            emulator.configure(fail_rate=0.0, commit_then_drop=0.0)
    async with KaleyraClient(url, ApiKey(key + "x"), retry=POLICY) as wrong:
        try:
            await wrong.list_users()
        except ApiError as exc:
            seen.append(str(exc))
    seen += retry_texts
    assert retry_texts, "the fault scenarios should have retried something"
    return secrets


def test_no_secret_in_errors_or_logs(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "provisioner"):
            caplog.set_level(logging.DEBUG, logger=name)
        secrets = asyncio.run(_scenario(emulator.url, emulator.api_key, emulator, seen))
    logged = [r.getMessage() for r in caplog.records]
    logged += [repr(r.args) for r in caplog.records]
    assert any(r.name == "provisioner.kaleyra" for r in caplog.records)
    assert any("/rest/token/delete/***" in text for text in logged)
    for secret in [emulator.api_key, emulator.api_key + "x", *secrets]:
        for text in seen + logged:
            assert secret not in text
    assert not any("sandbox.bandyer.com" in text for text in seen + logged)
