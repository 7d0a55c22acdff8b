"""Refusals become our errors, scrubbed; what the client puts on the wire.

The ``scripted`` fixture plays the server and records every request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from scriptedanswers import (
    CREATED,
    INFO,
    LINK,
    SCRIPT_POLICY,
    TOKEN,
    create,
    info,
    refusal,
    reply,
)

from provisioner.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    ValidationError,
)
from provisioner.kaleyra import KaleyraClient

if TYPE_CHECKING:
    from conftest import ScriptedApi


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
    scripted: type[ScriptedApi],
    response: httpx.Response,
    call: Callable[[KaleyraClient], Awaitable[Any]],
    kind: type[ApiError],
    code: str | None,
) -> None:
    server = scripted(response)
    error = server.fails(call, kind, TOKEN)
    assert type(error) is kind
    assert len(server.requests) == 1
    assert error.status == response.status_code
    expected = response.json()["error"]["code"] if code is None else code
    assert error.code == (None if expected == "-" else expected)


def test_the_api_message_is_kept_but_scrubbed(scripted: type[ScriptedApi]) -> None:
    message = f"bad key {scripted.key} for {LINK} and\nmore"
    error = scripted(refusal(422, "x_validation_error", message)).fails(
        create, ValidationError, TOKEN
    )
    assert "bad key *** for <url> and more" in str(error)


def test_redirects_are_not_followed(scripted: type[ScriptedApi]) -> None:
    server = scripted(
        httpx.Response(302, headers={"Location": "https://elsewhere.test/"})
    )
    error = server.fails(info, ApiError, TOKEN)
    assert len(server.requests) == 1
    assert error.status == 302


def test_an_unreadable_read_answer_is_an_api_error(scripted: type[ScriptedApi]) -> None:
    error = scripted(httpx.Response(200, content=b"<html>")).fails(
        info, ApiError, TOKEN
    )
    assert type(error) is ApiError
    assert "not JSON" in str(error)


def test_a_misshapen_answer_names_the_key_not_the_value(
    scripted: type[ScriptedApi],
) -> None:
    body = {"room": {**INFO["room"], "user_urls": [{"user": 5, "url": LINK}]}}
    error = scripted(reply(200, body)).fails(info, ApiError, TOKEN)
    assert "user: expected a string" in str(error)


# -- what goes over the wire --------------------------------------------------


def test_every_request_carries_the_key_a_timeout_and_no_redirects(
    scripted: type[ScriptedApi],
) -> None:
    server = scripted(reply(200, {"user_id_list": ["a"]}))
    assert server.run(lambda c: c.list_users()) == ["a"]
    [request] = server.requests
    assert request.headers["apikey"] == scripted.key
    assert request.headers["accept"] == "application/json"
    assert request.extensions["timeout"] == dict.fromkeys(
        ("connect", "read", "write", "pool"), SCRIPT_POLICY.timeout
    )


def test_create_sends_the_body_as_given(scripted: type[ScriptedApi]) -> None:
    body = {
        "participants": [{"user_id": "a"}],
        "directCall": True,
        "initiatorAlias": "a",
    }
    server = scripted(reply(200, CREATED))
    server.run(lambda c: c.create_room(body))
    assert json.loads(server.requests[0].content) == body


@pytest.mark.parametrize(
    ("room_id", "path"),
    [
        ("room_abc", "/rest/room/info/room_abc"),
        ("a/b?c", "/rest/room/info/a%2Fb%3Fc"),
        ("..", "/rest/room/info/%2E%2E"),
    ],
)
def test_ids_stay_one_path_segment(
    scripted: type[ScriptedApi], room_id: str, path: str
) -> None:
    server = scripted(reply(200, INFO))
    server.run(lambda c: c.room_info(room_id))
    assert server.requests[0].url.raw_path.decode() == path


def test_user_bodies_leave_out_what_was_not_given(scripted: type[ScriptedApi]) -> None:
    user = {"user": {"id": "al", "role": "basic", "can_video": False, "language": "it"}}
    server = scripted(reply(200, user))
    result = server.run(lambda c: c.update_user("al", can_video=False))
    assert json.loads(server.requests[0].content) == {"can_video": False}
    assert (result.role, result.can_video, result.language) == ("basic", False, "it")


def test_iter_rooms_walks_every_page_once(scripted: type[ScriptedApi]) -> None:
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
    server = scripted(page(["a", "b"], True), page(["b", "c"], True), page([], False))

    async def walk(client: KaleyraClient) -> list[str]:
        return [room.room_id async for room in client.iter_rooms(page_size=2)]

    assert server.run(walk) == ["a", "b", "c"]
    skips = [r.url.params["skip"] for r in server.requests]
    assert skips == ["0", "2", "4"]
