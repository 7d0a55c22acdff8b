"""How the client judges each failure: retry, give up, or refuse to guess.

A scripted httpx.MockTransport plays the server, so every transport error
class and status can be produced exactly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from provisioner.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

KEY = "ak_test_5ecret5ecret5ecret"
TOKEN = "90643787db1e7d3f"
LINK = f"https://sandbox.bandyer.com/connect/rest-call-handler/{TOKEN}"
POLICY = RetryPolicy(attempts=3, base=0.001, cap=0.01, timeout=2.0)
CREATED = {
    "room": {"room_id": "room_abcdefabcdef", "user_urls": [{"user": "a", "url": LINK}]}
}
INFO = {
    "room": {
        "room_id": "room_abcdefabcdef",
        "description": None,
        "call_type": "audio_video",
        "status": "NOT_RUNNING",
        "user_urls": [],
    }
}
Step = httpx.Response | type[Exception] | Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json=body if body is not None else {}, headers=headers
    )


def refusal(
    status: int, code: str, message: str = "nope", name: str = "x"
) -> httpx.Response:
    error = {"error": {"name": name, "code": code, "message": message}}
    return httpx.Response(status, json=error)


class Server:
    """Answers with the scripted steps in order; the last one repeats."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, type):
            raise step("simulated failure for " + str(request.url), request=request)  # type: ignore[call-arg]
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def run(
    server: Server,
    call: Callable[[KaleyraClient], Awaitable[Any]],
    policy: RetryPolicy = POLICY,
    retries: list[tuple[str, float]] | None = None,
) -> Any:
    async def scenario() -> Any:
        client = KaleyraClient(
            "https://api.test",
            ApiKey(KEY),
            retry=policy,
            transport=httpx.MockTransport(server),
            on_retry=lambda what, delay: (
                retries if retries is not None else []
            ).append((what, delay)),
        )
        async with client:
            return await call(client)

    return asyncio.run(scenario())


def fails(
    server: Server,
    call: Callable[[KaleyraClient], Awaitable[Any]],
    kind: type[Exception],
) -> Any:
    with pytest.raises(kind) as caught:
        run(server, call)
    error = caught.value
    # Never chained to the httpx error: its text can quote URLs.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    text = str(error)
    assert KEY not in text and TOKEN not in text and "https://" not in text
    return error


def create(client: KaleyraClient) -> Awaitable[Any]:
    return client.create_room({"participants": []})


def info(client: KaleyraClient) -> Awaitable[Any]:
    return client.room_info("room_abcdefabcdef")


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
def test_reads_are_retried_until_they_succeed(failure: Step) -> None:
    server = Server(failure, failure, reply(200, INFO))
    retries: list[tuple[str, float]] = []
    room = run(server, info, retries=retries)
    assert room.room_id == "room_abcdefabcdef"
    assert len(server.requests) == 3
    assert len(retries) == 2
    assert all(
        what.startswith("GET /rest/room/info/room_abcdefabcdef: ")
        for what, _ in retries
    )
    assert all(0 <= delay <= POLICY.cap for _, delay in retries)


@pytest.mark.parametrize(
    ("failure", "kind", "status"),
    [
        (reply(503), ServerError, 503),
        (reply(500), ServerError, 500),
        (reply(429), RateLimitedError, 429),
        (httpx.ConnectError, ConnectionFailed, None),
        (httpx.ReadTimeout, ConnectionFailed, None),
    ],
)
def test_reads_give_up_after_every_attempt(
    failure: Step, kind: type[ApiError], status: int | None
) -> None:
    server = Server(failure)
    error = fails(server, info, kind)
    assert len(server.requests) == POLICY.attempts
    assert (error.method, error.path, error.status) == (
        "GET",
        "/rest/room/info/room_abcdefabcdef",
        status,
    )
    assert f"after {POLICY.attempts} attempt" in str(error)


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
def test_deletes_and_user_ops_are_retried(call: Callable[[KaleyraClient], Any]) -> None:
    server = Server(httpx.ReadTimeout, reply(503), reply(200, {"user_id_list": []}))
    run(server, call)
    assert len(server.requests) == 3


def test_user_create_is_retried_on_ambiguous_failures() -> None:
    user = {"user": {"id": "al", "role": "plus", "can_video": True, "language": None}}
    server = Server(httpx.ReadTimeout, reply(502), reply(200, user))
    result = run(server, lambda c: c.create_user("al", "plus"))
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
def test_an_ambiguous_create_is_not_repeated(failure: Step) -> None:
    server = Server(failure, reply(200, CREATED))
    error = fails(server, create, OutcomeUnknownError)
    assert len(server.requests) == 1
    assert (error.method, error.path) == ("POST", "/rest/room/create")
    assert "room may have been created" in str(error)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, reply(429)],
)
def test_a_create_that_surely_did_nothing_is_retried(failure: Step) -> None:
    server = Server(failure, reply(201, CREATED))
    room = run(server, create)
    assert room.room_id == "room_abcdefabcdef"
    assert room.urls == {"a": LINK}
    assert len(server.requests) == 2


def test_a_create_that_never_connects_is_a_connection_failure() -> None:
    server = Server(httpx.ConnectError)
    fails(server, create, ConnectionFailed)
    assert len(server.requests) == POLICY.attempts


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
    status: int, headers: dict[str, str], expected: float
) -> None:
    server = Server(reply(status, **headers), reply(200, INFO))
    retries: list[tuple[str, float]] = []
    run(server, info, RetryPolicy(attempts=2, base=0.001, cap=0.5), retries)
    assert [delay for _, delay in retries] == [expected]


def test_retry_after_on_other_statuses_is_ignored() -> None:
    server = Server(reply(500, **{"Retry-After": "3"}), reply(200, INFO))
    retries: list[tuple[str, float]] = []
    run(server, info, RetryPolicy(attempts=2, base=0.001, cap=5.0), retries)
    assert retries[0][1] <= 0.001


# -- refusals map to our errors -----------------------------------------------


@pytest.mark.parametrize(
    ("response", "call", "kind", "code"),
    [
        (refusal(401, "invalid_api_key"), info, AuthError, "invalid_api_key"),
        (refusal(403, "forbidden"), info, AuthError, "forbidden"),
        (refusal(400, "invalid_api_key"), info, AuthError, "invalid_api_key"),
        (refusal(400, "", name="invalid_api_key"), info, AuthError, "invalid_api_key"),
        (refusal(404, "room_not_found"), info, NotFoundError, "room_not_found"),
        (refusal(422, "duration_validation_error"), create, ValidationError, None),
        (refusal(400, "no_plus_participant"), create, ValidationError, None),
        (refusal(400, "invalid_user_id"), create, ValidationError, None),
        (
            refusal(400, "invalid_user_id"),
            lambda c: c.get_user("x"),
            NotFoundError,
            None,
        ),
        (
            refusal(400, "invalid_user_id"),
            lambda c: c.update_user("x", role="plus"),
            NotFoundError,
            None,
        ),
        (
            refusal(400, "invalid_user_id"),
            lambda c: c.delete_user("x"),
            NotFoundError,
            None,
        ),
        (
            refusal(400, "user_id_already_exists"),
            lambda c: c.create_user("x", "plus"),
            ValidationError,
            None,
        ),
        (refusal(409, "conflict"), info, ApiError, "conflict"),
        (httpx.Response(400, content=b"not json"), create, ValidationError, "-"),
    ],
)
def test_refusals_become_our_errors_without_retry(
    response: httpx.Response,
    call: Callable[[KaleyraClient], Awaitable[Any]],
    kind: type[ApiError],
    code: str | None,
) -> None:
    server = Server(response)
    error = fails(server, call, kind)
    assert type(error) is kind
    assert len(server.requests) == 1
    assert error.status == response.status_code
    expected = response.json()["error"]["code"] if code is None else code
    assert error.code == (None if expected == "-" else expected)


def test_the_api_message_is_kept_but_scrubbed() -> None:
    message = f"bad key {KEY} for {LINK} and\nmore"
    error = fails(
        Server(refusal(422, "x_validation_error", message)), create, ValidationError
    )
    assert "bad key *** for <url> and more" in str(error)


def test_redirects_are_not_followed() -> None:
    server = Server(
        httpx.Response(302, headers={"Location": "https://elsewhere.test/"})
    )
    error = fails(server, info, ApiError)
    assert len(server.requests) == 1
    assert error.status == 302


def test_an_unreadable_read_answer_is_an_api_error() -> None:
    error = fails(Server(httpx.Response(200, content=b"<html>")), info, ApiError)
    assert type(error) is ApiError
    assert "not JSON" in str(error)


def test_a_misshapen_answer_names_the_key_not_the_value() -> None:
    body = {"room": {**INFO["room"], "user_urls": [{"user": 5, "url": LINK}]}}
    error = fails(Server(reply(200, body)), info, ApiError)
    assert "user: expected a string" in str(error)


# -- what goes over the wire --------------------------------------------------


def test_every_request_carries_the_key_a_timeout_and_no_redirects() -> None:
    server = Server(reply(200, {"user_id_list": ["a"]}))
    assert run(server, lambda c: c.list_users()) == ["a"]
    [request] = server.requests
    assert request.headers["apikey"] == KEY
    assert request.headers["accept"] == "application/json"
    assert request.extensions["timeout"] == dict.fromkeys(
        ("connect", "read", "write", "pool"), POLICY.timeout
    )


def test_create_sends_the_body_as_given() -> None:
    body = {
        "participants": [{"user_id": "a"}],
        "directCall": True,
        "initiatorAlias": "a",
    }
    server = Server(reply(200, CREATED))
    run(server, lambda c: c.create_room(body))
    assert json.loads(server.requests[0].content) == body


@pytest.mark.parametrize(
    ("room_id", "path"),
    [
        ("room_abc", "/rest/room/info/room_abc"),
        ("a/b?c", "/rest/room/info/a%2Fb%3Fc"),
        ("..", "/rest/room/info/%2E%2E"),
    ],
)
def test_ids_stay_one_path_segment(room_id: str, path: str) -> None:
    server = Server(reply(200, INFO))
    run(server, lambda c: c.room_info(room_id))
    assert server.requests[0].url.raw_path.decode() == path


def test_user_bodies_leave_out_what_was_not_given() -> None:
    user = {"user": {"id": "al", "role": "basic", "can_video": False, "language": "it"}}
    server = Server(reply(200, user))
    result = run(server, lambda c: c.update_user("al", can_video=False))
    assert json.loads(server.requests[0].content) == {"can_video": False}
    assert (result.role, result.can_video, result.language) == ("basic", False, "it")


def test_iter_rooms_walks_every_page_once() -> None:
    def page(ids: list[str], more: bool) -> httpx.Response:
        rooms = [
            {
                "room_id": i,
                "call_type": "audio_video",
                "status": "NOT_RUNNING",
                "creationDate": "2026-11-25T10:15:00.000Z",
            }
            for i in ids
        ]
        return reply(200, {"rooms": rooms, "has_more": more})

    # A room created mid-walk shifts the pages: "b" comes twice.
    server = Server(page(["a", "b"], True), page(["b", "c"], True), page([], False))

    async def walk(client: KaleyraClient) -> list[str]:
        return [room.room_id async for room in client.iter_rooms(page_size=2)]

    assert run(server, walk) == ["a", "b", "c"]
    skips = [r.url.params["skip"] for r in server.requests]
    assert skips == ["0", "2", "4"]
