"""Users in the emulator: create, read, list, update, delete and their refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from emulatorexpect import (
    TIMESTAMP,
    USER_ID,
)

if TYPE_CHECKING:
    from conftest import EmulatorHandle

# -- users --------------------------------------------------------------------


def test_user_create_read_list_update_delete(emulator: EmulatorHandle) -> None:
    body = {"id": "dr.who", "role": "plus", "can_video": False, "language": "it"}
    created = emulator.api("POST", "/rest/user/create", json=body)
    assert created.status_code == 200
    user = created.json()["user"]
    assert set(user) == {"id", "role", "can_video", "language", "creation_date"}
    assert (user["id"], user["role"], user["can_video"], user["language"]) == (
        "dr.who",
        "plus",
        False,
        "it",
    )
    assert TIMESTAMP.fullmatch(user["creation_date"])
    assert emulator.api("GET", "/rest/user/list/dr.who").json()["user"] == user
    assert emulator.api("GET", "/rest/user/list").json() == {"user_id_list": ["dr.who"]}
    updated = emulator.api("PUT", "/rest/user/update/dr.who", json={"role": "basic"})
    assert updated.json()["user"] == {**user, "role": "basic"}
    deleted = emulator.api("DELETE", "/rest/user/delete/dr.who")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == "dr.who"
    assert emulator.api("GET", "/rest/user/list").json() == {"user_id_list": []}


def test_user_defaults_and_generated_id(emulator: EmulatorHandle) -> None:
    user = emulator.api("POST", "/rest/user/create", json={"role": "basic"}).json()[
        "user"
    ]
    assert USER_ID.fullmatch(user["id"])
    assert (user["can_video"], user["language"]) == (True, None)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id": "alice", "role": "plus"}, 400, "user_id_already_exists"),
        ({"id": "zed", "role": "admin"}, 422, "role_validation_error"),
        ({"id": "zed"}, 422, "role_validation_error"),
        (
            {"id": "zed", "role": "plus", "language": "es"},
            422,
            "language_validation_error",
        ),
        (
            {"id": "zed", "role": "plus", "can_video": "no"},
            422,
            "can_video_validation_error",
        ),
        ({"id": "z z", "role": "plus"}, 422, "id_validation_error"),
        ({"user_id": "zed", "role": "plus"}, 422, "body_validation_error"),
        (["zed"], 422, "body_validation_error"),
    ],
)
def test_user_create_refusals(
    emulator: EmulatorHandle, body: Any, status: int, code: str
) -> None:
    emulator.add_user("alice", "basic")
    emulator.expect_error(
        emulator.api("POST", "/rest/user/create", json=body), status, code
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/rest/user/list/nobody", None),
        ("PUT", "/rest/user/update/nobody", {"role": "plus"}),
        ("DELETE", "/rest/user/delete/nobody", None),
    ],
)
def test_unknown_user_is_a_400_not_a_404(
    emulator: EmulatorHandle, method: str, path: str, body: Any
) -> None:
    emulator.expect_error(emulator.api(method, path, json=body), 400, "invalid_user_id")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "owner"}, "role_validation_error"),
        ({"language": 1}, "language_validation_error"),
        ({"id": "other"}, "body_validation_error"),
    ],
)
def test_user_update_refusals(emulator: EmulatorHandle, body: Any, code: str) -> None:
    emulator.add_user("alice", "basic")
    emulator.expect_error(
        emulator.api("PUT", "/rest/user/update/alice", json=body), 422, code
    )
