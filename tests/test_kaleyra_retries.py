"""How the client judges each failure: retry, give up, or refuse to guess.

The ``scripted`` fixture plays the server, so every transport error class and
status can be produced exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from scriptedanswers import (
    CREATED,
    INFO,
    LINK,
    SCRIPT_POLICY,
    TOKEN,
    Step,
    create,
    info,
    reply,
)

from provisioner.errors import (
    ApiError,
    ConnectionFailed,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
)
from provisioner.kaleyra import KaleyraClient, RetryPolicy

if TYPE_CHECKING:
    from conftest import ScriptedApi


# -- reads are retried --------------------------------------------------------

RETRYABLE = [
    reply(500),
    reply(502),
    reply(503),
    reply(504),
    reply(429),
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
]


@pytest.mark.parametrize("failure", RETRYABLE)
def test_reads_are_retried_until_they_succeed(
    scripted: type[ScriptedApi], failure: Step
) -> None:
    server = scripted(failure, failure, reply(200, INFO))
    retries: list[tuple[str, float]] = []
    room = server.run(info, retries=retries)
    assert room.room_id == "room_abcdefabcdef"
    assert len(server.requests) == 3
    assert len(retries) == 2
    assert all(
        what.startswith("GET /rest/room/info/room_abcdefabcdef: ")
        for what, _ in retries
    )
    assert all(0 <= delay <= SCRIPT_POLICY.cap for _, delay in retries)


@pytest.mark.parametrize(
    ("failure", "kind", "status"),
    [
        (reply(503), ServerError, 503),
        (reply(500), ServerError, 500),
        (httpx.ConnectError, ConnectionFailed, None),
        (httpx.ReadTimeout, ConnectionFailed, None),
    ],
)
def test_reads_give_up_after_every_attempt(
    scripted: type[ScriptedApi], failure: Step, kind: type[ApiError], status: int | None
) -> None:
    server = scripted(failure)
    error = server.fails(info, kind, TOKEN)
    assert len(server.requests) == SCRIPT_POLICY.attempts
    assert (error.method, error.path, error.status) == (
        "GET",
        "/rest/room/info/room_abcdefabcdef",
        status,
    )
    assert f"after {SCRIPT_POLICY.attempts} attempt" in str(error)


def test_a_read_still_rate_limited_gives_up_when_its_budget_is_spent(
    scripted: type[ScriptedApi],
) -> None:
    """429s use up no attempt (see test_kaleyra_ratelimit.py): time bounds them."""
    server = scripted(reply(429))
    policy = RetryPolicy(attempts=3, base=0.001, cap=0.01, retry_budget_seconds=0.05)
    with pytest.raises(RateLimitedError) as caught:
        server.run(info, policy)
    error = caught.value
    assert len(server.requests) > SCRIPT_POLICY.attempts
    assert (error.method, error.path, error.status) == (
        "GET",
        "/rest/room/info/room_abcdefabcdef",
        429,
    )
    assert "retry budget" in str(error)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.delete_room("r"),
        lambda c: c.disable_room("r"),
        lambda c: c.delete_token(TOKEN),
        lambda c: c.list_users(),
        lambda c: c.delete_user("u"),
    ],
    ids=["delete", "disable", "token", "users", "delete-user"],
)
def test_deletes_and_user_ops_are_retried(
    scripted: type[ScriptedApi], call: Callable[[KaleyraClient], Any]
) -> None:
    server = scripted(httpx.ReadTimeout, reply(503), reply(200, {"user_id_list": []}))
    server.run(call)
    assert len(server.requests) == 3


def test_user_create_is_retried_on_ambiguous_failures(
    scripted: type[ScriptedApi],
) -> None:
    user = {"user": {"id": "al", "role": "plus", "can_video": True, "language": None}}
    server = scripted(httpx.ReadTimeout, reply(502), reply(200, user))
    result = server.run(lambda c: c.create_user("al", "plus"))
    assert result.user_id == "al"
    assert len(server.requests) == 3


# -- creates are never blindly repeated ---------------------------------------

AMBIGUOUS = [
    reply(500),
    reply(502),
    reply(503, **{"Retry-After": "0"}),
    reply(504),
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    reply(200, ["not", "a", "room"]),
    httpx.Response(200, content=b"<html>"),
]


@pytest.mark.parametrize("failure", AMBIGUOUS)
def test_an_ambiguous_create_is_not_repeated(
    scripted: type[ScriptedApi], failure: Step
) -> None:
    server = scripted(failure, reply(200, CREATED))
    error = server.fails(create, OutcomeUnknownError, TOKEN)
    assert len(server.requests) == 1
    assert (error.method, error.path) == ("POST", "/rest/room/create")
    assert "room may have been created" in str(error)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, reply(429)],
)
def test_a_create_that_surely_did_nothing_is_retried(
    scripted: type[ScriptedApi], failure: Step
) -> None:
    server = scripted(failure, reply(201, CREATED))
    room = server.run(create)
    assert room.room_id == "room_abcdefabcdef"
    assert room.urls == {"a": LINK}
    assert len(server.requests) == 2


def test_a_create_that_never_connects_is_a_connection_failure(
    scripted: type[ScriptedApi],
) -> None:
    server = scripted(httpx.ConnectError)
    server.fails(create, ConnectionFailed, TOKEN)
    assert len(server.requests) == SCRIPT_POLICY.attempts


# -- Retry-After --------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "0.02"}, 0.02),
        ({"Retry-After": "5"}, 0.5),  # capped
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
    ],
)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_sets_the_wait(
    scripted: type[ScriptedApi], status: int, headers: dict[str, str], expected: float
) -> None:
    server = scripted(reply(status, **headers), reply(200, INFO))
    retries: list[tuple[str, float]] = []
    server.run(info, RetryPolicy(attempts=2, base=0.001, cap=0.5), retries)
    assert [delay for _, delay in retries] == [expected]


def test_retry_after_on_other_statuses_is_ignored(scripted: type[ScriptedApi]) -> None:
    server = scripted(reply(500, **{"Retry-After": "3"}), reply(200, INFO))
    retries: list[tuple[str, float]] = []
    server.run(info, RetryPolicy(attempts=2, base=0.001, cap=5.0), retries)
    assert retries[0][1] <= 0.001


@pytest.mark.parametrize("create_it", [True, False])
def test_a_request_that_cannot_be_encoded_fails_at_once(
    scripted: type[ScriptedApi], create_it: bool
) -> None:
    server = scripted(httpx.LocalProtocolError)
    server.fails(create if create_it else info, ConnectionFailed, TOKEN)
    assert len(server.requests) == 1


def test_an_outcome_unknown_create_keeps_the_status(
    scripted: type[ScriptedApi],
) -> None:
    error = scripted(reply(503)).fails(create, OutcomeUnknownError, TOKEN)
    assert error.status == 503
