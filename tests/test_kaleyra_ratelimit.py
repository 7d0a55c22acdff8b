"""Rate limits are flow control: waited out within a time budget, never an attempt.

Time is fake: the client gets a clock and a sleep that only move the clock,
so waits of minutes take no time and every wait can be asserted exactly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from provisioner.apply.patience import PatientClient
from provisioner.errors import (
    ConnectionFailed,
    RateLimitedError,
    ServerError,
)
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

KEY = "ak_test_ratelimitratelimit"
TOKEN = "90643787db1e7d3f"
USERS = {"user_id_list": ["alice"]}
POLICY = RetryPolicy(attempts=3, base=1.0, cap=30.0, timeout=2.0)
Step = httpx.Response | type[Exception]


def limited(**headers: str) -> httpx.Response:
    return httpx.Response(429, json={"message": "slow down"}, headers=headers)


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json=USERS if body is None else body)


@dataclass
class FakeTime:
    """A clock that moves only when the client sleeps (or ``advance``)."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)
    moves: bool = True

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.moves:
            self.now += seconds


@dataclass
class Script:
    """The server: answers in order, the last one repeating."""

    steps: list[Step]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, httpx.Response):
            return step
        raise step("simulated", request=request)  # type: ignore[call-arg]


@dataclass
class Rig:
    script: Script
    time: FakeTime = field(default_factory=FakeTime)
    retries: list[tuple[str, float]] = field(default_factory=list)

    def client(self, policy: RetryPolicy = POLICY) -> KaleyraClient:
        return KaleyraClient(
            "https://api.test",
            ApiKey(KEY),
            retry=policy,
            transport=httpx.MockTransport(self.script),
            on_retry=lambda what, delay: self.retries.append((what, delay)),
            sleep=self.time.sleep,
            clock=self.time.clock,
        )

    def run(
        self,
        call: Callable[[KaleyraClient], Awaitable[Any]],
        policy: RetryPolicy = POLICY,
    ) -> Any:
        async def main() -> Any:
            async with self.client(policy) as client:
                return await call(client)

        return asyncio.run(main())


def rig(*steps: Step) -> Rig:
    return Rig(Script(list(steps)))


def users(client: KaleyraClient) -> Awaitable[list[str]]:
    return client.list_users()


# -- 429s use up no attempt ----------------------------------------------------


def test_many_429s_do_not_use_up_the_attempts() -> None:
    server = rig(*[limited()] * 12, ok())
    assert server.run(users) == ["alice"]
    assert len(server.script.requests) == 13  # POLICY.attempts is 3


def test_failures_keep_their_attempts_between_429s() -> None:
    steps = [limited(), httpx.Response(503), limited(), httpx.ConnectError, ok()]
    server = rig(*steps)
    assert server.run(users) == ["alice"]
    assert len(server.script.requests) == 5


def test_failures_still_run_out_whatever_the_429s() -> None:
    server = rig(limited(), httpx.Response(502), limited(), httpx.Response(502))
    with pytest.raises(ServerError, match=r"gave up after 5 attempt\(s\)"):
        server.run(users)
    assert len(server.script.requests) == 5  # 3 failures, 2 rate limits


def test_a_429_on_create_is_retried_without_limit_on_attempts() -> None:
    created = {"room": {"room_id": "room_x", "user_urls": []}}
    server = rig(*[limited()] * 5, ok(created))
    room = server.run(lambda c: c.create_room({"participants": []}))
    assert room.room_id == "room_x"
    assert len(server.script.requests) == 6


# -- the time budget bounds the waiting ----------------------------------------


@pytest.mark.parametrize("budget", [0.0, 5.0, 120.0, 900.0])
def test_a_lasting_rate_limit_gives_up_when_the_budget_is_spent(
    budget: float,
) -> None:
    server = rig(limited())
    policy = RetryPolicy(attempts=3, base=1.0, retry_budget_seconds=budget)
    with pytest.raises(RateLimitedError) as caught:
        server.run(users, policy)
    assert sum(server.time.waits) == pytest.approx(budget)
    assert "retry budget (api.retry_budget_seconds)" in str(caught.value)
    assert caught.value.status == 429


def test_the_default_budget_is_fifteen_minutes() -> None:
    assert RetryPolicy().retry_budget_seconds == 900.0
    server = rig(limited())
    with pytest.raises(RateLimitedError, match=r"in 900 s"):
        server.run(users, RetryPolicy())
    assert sum(server.time.waits) == pytest.approx(900.0)


def test_the_budget_bounds_failure_waits_too() -> None:
    server = rig(httpx.Response(503, headers={"retry-after": "30"}))
    policy = RetryPolicy(attempts=10, cap=30.0, retry_budget_seconds=45.0)
    with pytest.raises(ServerError, match="retry budget"):
        server.run(users, policy)
    assert server.time.waits == [30.0, 15.0]


def test_connection_failures_keep_their_message() -> None:
    server = rig(httpx.ConnectError)
    with pytest.raises(ConnectionFailed, match=r"no answer after 3 attempt\(s\)"):
        server.run(users)


# -- how long a 429 waits --------------------------------------------------------


def test_without_retry_after_the_wait_doubles_up_to_a_minute() -> None:
    server = rig(*[limited()] * 10, ok())
    server.run(users, RetryPolicy(base=1.0))
    ceilings = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert len(server.time.waits) == len(ceilings)
    for wait, ceiling in zip(server.time.waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_retry_after_is_honoured() -> None:
    server = rig(limited(**{"Retry-After": "40"}), ok())
    server.run(users, RetryPolicy(cap=60.0))
    assert server.time.waits == [40.0]


def test_the_rate_limit_cap_is_a_setting() -> None:
    server = rig(*[limited()] * 4, ok())
    server.run(users, RetryPolicy(base=10.0, rate_limit_cap=15.0))
    assert all(wait <= 15.0 for wait in server.time.waits)
    assert server.time.waits[-1] >= 7.5


# -- what a wait looks like -------------------------------------------------------


def test_each_wait_is_logged_and_announced(caplog: pytest.LogCaptureFixture) -> None:
    server = rig(limited(), limited(**{"Retry-After": "40"}), ok())
    with caplog.at_level(logging.INFO, logger="provisioner.kaleyra"):
        server.run(users, RetryPolicy(cap=60.0))
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines[-1] == "GET /rest/user/list: rate limited, waiting 40 s (attempt 2)"
    assert lines[0].startswith("GET /rest/user/list: rate limited, waiting ")
    assert lines[0].endswith(" s (attempt 1)")
    assert server.retries[-1] == (lines[-1], 40.0)


def test_a_wait_never_shows_the_key_or_a_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = rig(limited(**{"Retry-After": "2"}), ok({}))
    with caplog.at_level(logging.DEBUG):
        server.run(lambda c: c.delete_token(TOKEN))
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("provisioner")]
    shown = "\n".join(ours) + repr(server.retries)
    assert "/rest/token/delete/***: rate limited, waiting 2 s (attempt 1)" in shown
    assert "https://" not in shown
    for secret in (KEY, TOKEN):
        assert secret not in caplog.text + shown


# -- one pause for every call --------------------------------------------------------


def test_a_rate_limit_holds_back_every_call_of_the_client() -> None:
    time = FakeTime(moves=False)  # the clock stands still: the pause is not over
    server = Rig(Script([limited(**{"Retry-After": "5"}), ok()]), time)

    async def two_calls(client: KaleyraClient) -> None:
        await client.list_users()  # 429, waits 5 s, then succeeds
        await client.list_users()  # never refused, yet waits out the same pause

    server.run(two_calls, RetryPolicy(cap=60.0))
    assert time.waits == [5.0, 5.0]
    assert len(server.script.requests) == 3


def test_a_pause_that_is_over_holds_nothing_back() -> None:
    server = rig(limited(**{"Retry-After": "5"}), ok())

    async def two_calls(client: KaleyraClient) -> None:
        await client.list_users()
        await client.list_users()

    server.run(two_calls, RetryPolicy(cap=60.0))
    assert server.time.waits == [5.0]


# -- a stopping run does not wait ------------------------------------------------------


def test_a_stopping_client_gives_up_a_rate_limit_at_once() -> None:
    server = rig(limited(**{"Retry-After": "40"}), ok())

    async def stopping(client: KaleyraClient) -> None:
        client.stop_waiting_when(lambda: True)
        await client.list_users()

    with pytest.raises(RateLimitedError, match="stopping"):
        server.run(stopping)
    assert server.time.waits == []
    assert len(server.script.requests) == 1


def test_the_patient_client_stops_waiting_when_the_run_stops() -> None:
    server = rig(limited(), ok())
    stopped = [False]

    async def scenario(client: KaleyraClient) -> list[str]:
        patient = PatientClient(client, lambda: stopped[0])
        first = await patient.client.list_users()  # waits and succeeds
        stopped[0] = True
        server.script.steps = [limited()]
        with pytest.raises(RateLimitedError):
            await patient.room_info("room_x")
        return first

    assert server.run(scenario) == ["alice"]
    assert len(server.time.waits) == 1


def test_the_patient_client_does_not_multiply_the_budget() -> None:
    server = rig(limited())
    policy = RetryPolicy(retry_budget_seconds=60.0)

    async def scenario(client: KaleyraClient) -> None:
        await PatientClient(client).room_info("room_x")

    with pytest.raises(RateLimitedError):
        server.run(scenario, policy)
    assert sum(server.time.waits) == pytest.approx(60.0)
