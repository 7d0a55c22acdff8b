"""Error answers in every envelope the API may use, classified by status first.

kaleyra-api.md, "What the published reference shows": the error envelope is
not published, and unknown-room answers are not documented. The client reads
the nested, flat, string and bare envelopes and non-JSON bodies, and calls a
room gone only when the API's own error names the room.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from provisioner.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    WrongAddressError,
)
from provisioner.kaleyra import KaleyraClient
from provisioner.kaleyra.failures import read_refusal

if TYPE_CHECKING:
    from conftest import ScriptedApi

Call = Callable[[KaleyraClient], Awaitable[Any]]
Shape = Callable[[str, str, str], httpx.Response | Any]


def nested(name: str, code: str, message: str) -> dict[str, Any]:
    return {"error": {"name": name, "code": code, "message": message}}


def flat(name: str, code: str, message: str) -> dict[str, Any]:
    return {"name": name, "code": code, "message": message}


def string(name: str, code: str, message: str) -> dict[str, Any]:
    return {"error": name, "code": code, "message": message}


NAMED_SHAPES = {"nested": nested, "flat": flat, "string": string}
NOT_THE_API = {
    "html": lambda status: httpx.Response(status, text="<html><h1>Oops</h1></html>"),
    "empty": lambda status: httpx.Response(status, text=""),
    "bare": lambda status: httpx.Response(status, json={"message": "Not Found"}),
    "framework": lambda status: httpx.Response(status, json={"detail": "Not Found"}),
    "spring": lambda status: httpx.Response(
        status, json={"status": status, "error": "Not Found", "path": "/x"}
    ),
}

ROOM_CALLS: dict[str, Call] = {
    "info": lambda c: c.room_info("room_x"),
    "disable": lambda c: c.disable_room("room_x"),
    "delete": lambda c: c.delete_room("room_x"),
}
USER_CALLS: dict[str, Call] = {
    "get": lambda c: c.get_user("ghost"),
    "update": lambda c: c.update_user("ghost", role="plus"),
    "delete": lambda c: c.delete_user("ghost"),
}
OTHER_CALLS: dict[str, Call] = {
    "list": lambda c: c.list_rooms(0, 10),
    "create": lambda c: c.create_room({"participants": []}),
    "users": lambda c: c.list_users(),
}
EVERY_CALL = {**ROOM_CALLS, **{f"user-{k}": v for k, v in USER_CALLS.items()}}
EVERY_CALL |= OTHER_CALLS


def answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


# -- reading the envelope --------------------------------------------------------


@pytest.mark.parametrize("shape", NAMED_SHAPES)
def test_each_named_envelope_is_read(shape: str) -> None:
    body = NAMED_SHAPES[shape]("invalid_request_error", "room_not_found", "no room")
    refusal = read_refusal(answer(404, body), ())
    assert (refusal.name, refusal.code, refusal.message, refusal.api) == (
        "invalid_request_error",
        "room_not_found",
        "no room",
        True,
    )


@pytest.mark.parametrize("shape", NOT_THE_API)
def test_bodies_without_an_error_name_are_not_the_api(shape: str) -> None:
    refusal = read_refusal(NOT_THE_API[shape](404), ())
    assert (refusal.name, refusal.code, refusal.api) == (None, None, False)


def test_a_bare_message_is_kept_scrubbed() -> None:
    body = {"message": "bad key ak_test_x at https://api.test/rest?apikey=ak_test_x"}
    refusal = read_refusal(answer(400, body), ("ak_test_x",))
    assert refusal.message == "bad key *** at <url>"


def test_a_numeric_code_is_read_as_text() -> None:
    refusal = read_refusal(answer(400, {"code": 1002, "message": "x"}), ())
    assert (refusal.code, refusal.api) == ("1002", True)


# -- status first --------------------------------------------------------------


@pytest.mark.parametrize("call", EVERY_CALL)
@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, AuthError), (403, AuthError), (422, ValidationError), (409, ApiError)],
)
@pytest.mark.parametrize("shape", [*NOT_THE_API, *NAMED_SHAPES])
def test_the_status_decides_first(
    scripted: type[ScriptedApi],
    call: str,
    status: int,
    kind: type[ApiError],
    shape: str,
) -> None:
    if shape in NAMED_SHAPES:
        response = answer(status, NAMED_SHAPES[shape]("some_error", "some_code", "m"))
    else:
        response = NOT_THE_API[shape](status)
    error = scripted(response).fails(EVERY_CALL[call], kind)
    assert type(error) is kind
    assert error.status == status


@pytest.mark.parametrize("shape", [*NOT_THE_API, *NAMED_SHAPES])
@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, ServerError), (503, ServerError), (429, RateLimitedError)],
)
def test_failures_in_any_shape(
    scripted: type[ScriptedApi], shape: str, status: int, kind: type[ApiError]
) -> None:
    if shape in NAMED_SHAPES:
        response = answer(status, NAMED_SHAPES[shape]("x_error", "x", "m"))
    else:
        response = NOT_THE_API[shape](status)
    if status == 429:  # flow control: waited out, not counted as an attempt
        response.headers["retry-after"] = "0"
        scripted(response, answer(200, {"user_id_list": []})).run(
            lambda c: c.list_users()
        )
        return
    error = scripted(response).fails(lambda c: c.list_users(), kind)
    assert error.status == status


# -- a 4xx that names the key is an authentication failure ---------------------


@pytest.mark.parametrize("shape", NAMED_SHAPES)
@pytest.mark.parametrize("status", [400, 404, 422])
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("invalid_api_key", "invalid_api_key"),
        ("invalid_request_error", "invalid_api_key"),
        ("invalid_api_key", "x"),
        ("authentication_error", "missing_apikey"),
    ],
)
def test_a_refusal_naming_the_key(
    scripted: type[ScriptedApi], shape: str, status: int, name: str, code: str
) -> None:
    body = NAMED_SHAPES[shape](name, code, "wrong key")
    error = scripted(answer(status, body)).fails(lambda c: c.room_info("r"), AuthError)
    assert type(error) is AuthError


@pytest.mark.parametrize("shape", NOT_THE_API)
def test_a_400_without_a_name_is_not_an_auth_failure(
    scripted: type[ScriptedApi], shape: str
) -> None:
    error = scripted(NOT_THE_API[shape](400)).fails(
        lambda c: c.create_room({}), ValidationError
    )
    assert error.code is None


# -- gone: only when the API's own error names the room or user ------------------


ROOM_NAMING = [
    ("invalid_request_error", "room_not_found"),
    ("invalid_request_error", "invalid_room_id"),
    ("invalid_request_error", "ROOM_NOT_FOUND"),
    ("room_not_found", "x"),
]


@pytest.mark.parametrize("call", ROOM_CALLS)
@pytest.mark.parametrize("shape", NAMED_SHAPES)
@pytest.mark.parametrize("status", [404, 400])
@pytest.mark.parametrize(("name", "code"), ROOM_NAMING)
def test_an_unknown_room_in_any_envelope(
    scripted: type[ScriptedApi],
    call: str,
    shape: str,
    status: int,
    name: str,
    code: str,
) -> None:
    body = NAMED_SHAPES[shape](name, code, "no such room")
    error = scripted(answer(status, body)).fails(ROOM_CALLS[call], NotFoundError)
    assert type(error) is NotFoundError
    assert error.status == status


@pytest.mark.parametrize("call", [*ROOM_CALLS, *OTHER_CALLS])
@pytest.mark.parametrize("shape", NOT_THE_API)
def test_a_404_that_is_not_the_api_is_a_wrong_address(
    scripted: type[ScriptedApi], call: str, shape: str
) -> None:
    calls = {**ROOM_CALLS, **OTHER_CALLS}
    error = scripted(NOT_THE_API[shape](404)).fails(calls[call], WrongAddressError)
    assert not isinstance(error, NotFoundError)
    assert "KALEYRA_API_URL" in str(error) and "/rest" in str(error)


@pytest.mark.parametrize("call", ROOM_CALLS)
@pytest.mark.parametrize("shape", NAMED_SHAPES)
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("invalid_request_error", "route_not_found"),
        ("invalid_request_error", "not_found"),
        ("not_found", "session_not_found"),
    ],
)
def test_a_404_naming_no_room_is_not_a_room_gone(
    scripted: type[ScriptedApi], call: str, shape: str, name: str, code: str
) -> None:
    body = NAMED_SHAPES[shape](name, code, "no route")
    error = scripted(answer(404, body)).fails(ROOM_CALLS[call], WrongAddressError)
    assert "names no room" in str(error)


@pytest.mark.parametrize("call", OTHER_CALLS)
def test_a_404_on_a_path_naming_nothing_is_a_wrong_address(
    scripted: type[ScriptedApi], call: str
) -> None:
    body = nested("invalid_request_error", "room_not_found", "no")
    scripted(answer(404, body)).fails(OTHER_CALLS[call], WrongAddressError)


@pytest.mark.parametrize("shape", NAMED_SHAPES)
@pytest.mark.parametrize("code", ["room_not_found", "invalid_room_id"])
def test_a_400_naming_a_room_on_create_is_a_rejected_request(
    scripted: type[ScriptedApi], shape: str, code: str
) -> None:
    body = NAMED_SHAPES[shape]("invalid_request_error", code, "x")
    scripted(answer(400, body)).fails(OTHER_CALLS["create"], ValidationError)


@pytest.mark.parametrize("call", USER_CALLS)
@pytest.mark.parametrize("shape", NAMED_SHAPES)
@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "invalid_user_id"), (400, "user_not_found"), (404, "user_not_found")],
)
def test_an_unknown_user_in_any_envelope(
    scripted: type[ScriptedApi], call: str, shape: str, status: int, code: str
) -> None:
    body = NAMED_SHAPES[shape]("invalid_request_error", code, "no such user")
    scripted(answer(status, body)).fails(USER_CALLS[call], NotFoundError)


@pytest.mark.parametrize("call", USER_CALLS)
@pytest.mark.parametrize("shape", NOT_THE_API)
def test_a_user_404_that_is_not_the_api_is_a_wrong_address(
    scripted: type[ScriptedApi], call: str, shape: str
) -> None:
    scripted(NOT_THE_API[shape](404)).fails(USER_CALLS[call], WrongAddressError)


def test_an_unknown_token_is_not_found(scripted: type[ScriptedApi]) -> None:
    body = flat("invalid_request_error", "token_not_found", "no")
    token = "90643787db1e7d3f"
    error = scripted(answer(404, body)).fails(
        lambda c: c.delete_token(token), NotFoundError, token
    )
    assert error.path == "/rest/token/delete/***"


@pytest.mark.parametrize("shape", NAMED_SHAPES)
def test_the_api_message_from_any_envelope_reaches_the_error(
    scripted: type[ScriptedApi], shape: str
) -> None:
    body = NAMED_SHAPES[shape](
        "validation_error", "duration_validation_error", "too long"
    )
    error = scripted(answer(422, body)).fails(OTHER_CALLS["create"], ValidationError)
    assert "too long" in str(error)
    assert error.code == "duration_validation_error"
