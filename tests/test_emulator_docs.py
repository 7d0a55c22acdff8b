"""The emulator's docs flavour: answers as the published reference's examples show.

Each difference from the contract flavour (kaleyra-api.md, "What the published
reference shows") is pinned here, mostly in-process through httpx, with the
contract's answer beside it where the two differ; then once through the real
``provisioner emulator --flavour docs`` process and the test fixtures.
"""

from __future__ import annotations

import ast
import asyncio
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from conftest import expect_error
from e2ekit import DEFAULT_E2E_FLAVOURS, e2e_flavours

import provisioner.cli.emulator_cmds
from provisioner import emulator as emulator_package
from provisioner.emulator import EmulatorConfig, InProcessTransport, create_app
from provisioner.emulator.dialect import FLAVOURS

if TYPE_CHECKING:
    from conftest import EmulatorHandle, EmulatorProcess

KEY = "ak_test_docs"
USERS = (("alice", "plus"), ("bob", "basic"))
PAIR = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
CREATE_URL = re.compile(
    r"https://sandbox\.bandyer\.com/connect/rest-call-handler/[0-9a-f]{16}"
)
INFO_URL = re.compile(r"https://sandbox\.bandyer\.com/attach/[0-9a-f]{24}")
INFO_KEYS = {
    "room_id",
    "record",
    "duration",
    "durationUsed",
    "call_type",
    "live",
    "description",
    "status",
    "user_urls",
}


class Local:
    """An emulator app in this process, called synchronously through httpx."""

    def __init__(self, flavour: str = "docs", **settings: Any) -> None:
        settings.setdefault("users", USERS)
        config = EmulatorConfig(KEY, seed=5, flavour=flavour, **settings)
        self.flavour = flavour
        self.app = create_app(config)

    def call(self, method: str, path: str, key: str = KEY, **kw: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=InProcessTransport(self.app),
                base_url="http://emulator.test",
                headers={"apikey": key},
            ) as http:
                return await http.request(method, path, **kw)

        return asyncio.run(send())

    def ok(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        response = self.call(method, path, **kw)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def create(self, **settings: Any) -> dict[str, Any]:
        room: dict[str, Any] = self.ok(
            "POST", "/rest/room/create", json={**PAIR, **settings}
        )["room"]
        return room

    def info(self, room_id: str) -> dict[str, Any]:
        room: dict[str, Any] = self.ok("GET", f"/rest/room/info/{room_id}")["room"]
        return room

    def refused(self, response: httpx.Response, status: int, code: str) -> None:
        expect_error(response, status, code, flat=self.flavour == "docs")


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


# -- record, recording_type, info keys ----------------------------------------


@pytest.mark.parametrize(
    ("flavour", "recording", "record"),
    [
        ("contract", True, True),
        ("contract", False, False),
        ("docs", True, 1),
        ("docs", False, 0),
    ],
)
def test_record_is_a_number_in_create_and_info_of_the_docs_flavour(
    flavour: str, recording: bool, record: bool | int
) -> None:
    local = Local(flavour)
    created = local.create(recording=recording)
    for room in (created, local.info(created["room_id"])):
        assert room["record"] == record
        assert type(room["record"]) is type(record)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_room_list_keeps_record_a_boolean(flavour: str) -> None:
    local = Local(flavour)
    local.create(recording=True)
    [entry] = local.ok("GET", "/rest/room/list")["rooms"]
    assert entry["record"] is True


@pytest.mark.parametrize(("flavour", "shown"), [("contract", True), ("docs", False)])
def test_the_docs_create_answer_has_no_recording_type(
    flavour: str, shown: bool
) -> None:
    room = Local(flavour).create(recording_type="manual")
    assert ("recording_type" in room) is shown


@pytest.mark.parametrize(
    ("flavour", "keys"),
    [("contract", INFO_KEYS), ("docs", {*INFO_KEYS, "dialInfo"})],
)
def test_docs_room_info_adds_dial_info(flavour: str, keys: set[str]) -> None:
    local = Local(flavour)
    room = local.info(local.create()["room_id"])
    assert set(room) == keys
    assert room["durationUsed"] == 0


# -- links --------------------------------------------------------------------


def test_docs_info_links_are_other_links_of_the_same_participants() -> None:
    local = Local()
    created = local.create()
    first = local.info(created["room_id"])["user_urls"]
    assert [u["user"] for u in first] == ["alice", "bob"]
    for made, read in zip(created["user_urls"], first, strict=True):
        assert CREATE_URL.fullmatch(made["url"])
        assert INFO_URL.fullmatch(read["url"])
        assert token_of(read["url"]) != token_of(made["url"])
    assert local.info(created["room_id"])["user_urls"] == first  # stable


def test_contract_info_links_are_the_create_links() -> None:
    local = Local("contract")
    created = local.create()
    read = local.info(created["room_id"])["user_urls"]
    assert [u["url"] for u in read] == [u["url"] for u in created["user_urls"]]


@pytest.mark.parametrize("revoke_first", ["info", "create"])
def test_either_link_of_a_participant_revokes_that_participant(
    revoke_first: str,
) -> None:
    local = Local()
    created = local.create()
    info = local.info(created["room_id"])
    tokens = {
        "create": token_of(created["user_urls"][0]["url"]),
        "info": token_of(info["user_urls"][0]["url"]),
    }
    second = "create" if revoke_first == "info" else "info"
    local.ok("DELETE", f"/rest/token/delete/{tokens[revoke_first]}")
    gone = local.call("DELETE", f"/rest/token/delete/{tokens[second]}")
    local.refused(gone, 404, "token_not_found")
    users = [u["user"] for u in local.info(created["room_id"])["user_urls"]]
    assert users == ["bob"]


def test_docs_info_links_survive_a_restart_with_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "emulator.json"
    local = Local(data_path=data)
    room_id = local.create()["room_id"]
    before = local.info(room_id)["user_urls"]
    assert Local(data_path=data).info(room_id)["user_urls"] == before


# -- list ---------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_list_count_is_this_page_and_descriptions_may_be_null(flavour: str) -> None:
    local = Local(flavour)
    for description in ("one", None, "three"):
        local.create(**({"description": description} if description else {}))
    first = local.ok("GET", "/rest/room/list", params={"limit": 2})
    assert (first["count"], first["has_more"], len(first["rooms"])) == (2, True, 2)
    last = local.ok("GET", "/rest/room/list", params={"skip": 2, "limit": 2})
    assert (last["count"], last["has_more"], len(last["rooms"])) == (1, False, 1)
    descriptions = [r["description"] for r in first["rooms"] + last["rooms"]]
    assert descriptions == ["three", None, "one"]  # newest first


# -- deleted and unknown rooms -------------------------------------------------


def test_a_deleted_room_reads_as_closed_in_the_docs_flavour() -> None:
    local = Local()
    created = local.create(recording=True)
    room_id = created["room_id"]
    local.ok("DELETE", f"/rest/room/delete/{room_id}")
    room = local.info(room_id)
    assert (room["status"], room["user_urls"], room["record"]) == ("CLOSED", [], 1)
    assert "disabled" not in room
    assert local.ok("GET", "/rest/room/list")["rooms"] == []
    token = token_of(created["user_urls"][0]["url"])
    local.refused(
        local.call("DELETE", f"/rest/token/delete/{token}"), 404, "token_not_found"
    )


@pytest.mark.parametrize(
    ("method", "action"), [("PUT", "disable"), ("DELETE", "delete")]
)
def test_a_deleted_docs_room_cannot_be_disabled_or_deleted_again(
    method: str, action: str
) -> None:
    local = Local()
    room_id = local.create()["room_id"]
    local.ok("DELETE", f"/rest/room/delete/{room_id}")
    again = local.call(method, f"/rest/room/{action}/{room_id}")
    local.refused(again, 400, "room_not_found")


def test_a_deleted_contract_room_is_unknown() -> None:
    local = Local("contract")
    room_id = local.create()["room_id"]
    local.ok("DELETE", f"/rest/room/delete/{room_id}")
    local.refused(
        local.call("GET", f"/rest/room/info/{room_id}"), 404, "room_not_found"
    )


@pytest.mark.parametrize(("flavour", "status"), [("contract", 404), ("docs", 400)])
@pytest.mark.parametrize(
    ("method", "action"), [("GET", "info"), ("PUT", "disable"), ("DELETE", "delete")]
)
def test_an_unknown_room(flavour: str, status: int, method: str, action: str) -> None:
    local = Local(flavour)
    answer = local.call(method, f"/rest/room/{action}/room_000000000000")
    local.refused(answer, status, "room_not_found")
    if flavour == "docs":
        assert answer.json()["name"] == "invalid_request_error"


# -- errors -------------------------------------------------------------------


def _bad_key(local: Local) -> httpx.Response:
    return local.call("GET", "/rest/user/list", key="ak_test_wrong")


def _bad_field(local: Local) -> httpx.Response:
    return local.call("POST", "/rest/room/create", json={**PAIR, "duration": 5})


def _unknown_user(local: Local) -> httpx.Response:
    return local.call("GET", "/rest/user/list/nobody")


def _bad_json(local: Local) -> httpx.Response:
    return local.call("POST", "/rest/user/create", content=b"{")


def _no_route(local: Local) -> httpx.Response:
    return local.call("GET", "/rest/rest/room/list")


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("ask", "status", "code"),
    [
        (_bad_key, 401, "invalid_api_key"),
        (_bad_field, 422, "duration_validation_error"),
        (_unknown_user, 400, "invalid_user_id"),
        (_bad_json, 400, "invalid_json"),
        (_no_route, 404, "route_not_found"),
    ],
)
def test_every_refusal_uses_the_flavours_envelope(
    flavour: str, ask: Callable[[Local], httpx.Response], status: int, code: str
) -> None:
    local = Local(flavour)
    local.refused(ask(local), status, code)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_injected_server_errors_use_the_flavours_envelope(flavour: str) -> None:
    local = Local(flavour, fail_rate=1.0)
    answer = local.call("GET", "/rest/room/list")
    assert answer.status_code in (500, 503)
    body = answer.json()
    error = body if flavour == "docs" else body["error"]
    assert error["name"] == "server_error"


@pytest.mark.parametrize(
    ("flavour", "retry_after"), [("contract", True), ("docs", False)]
)
def test_docs_429s_have_no_retry_after(flavour: str, retry_after: bool) -> None:
    local = Local(flavour, rate_limit=1)
    answers = [local.call("GET", "/rest/user/list") for _ in range(3)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    for answer in limited:
        local.refused(answer, 429, "too_many_requests")
        assert ("retry-after" in answer.headers) is retry_after


# -- the rules do not change with the flavour ---------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**PAIR, "recording": 1}, 422, "recording_validation_error"),
        (
            {**PAIR, "recording_type": "sometimes"},
            422,
            "recording_type_validation_error",
        ),
        ({"participants": [{"user_id": "bob"}]}, 422, "participants_validation_error"),
        (
            {"participants": [{"user_id": "bob"}, {"user_id": "carol"}]},
            400,
            "no_plus_participant",
        ),
        (
            {"participants": [{"user_id": "alice"}, {"user_id": "dave"}]},
            400,
            "invalid_user_id",
        ),
    ],
)
def test_the_docs_flavour_still_enforces_the_rules(
    body: dict[str, Any], status: int, code: str
) -> None:
    # It answers `record` as 1/0, but a request must still send booleans.
    local = Local(users=(*USERS, ("carol", "basic")))
    local.refused(local.call("POST", "/rest/room/create", json=body), status, code)


def test_an_unknown_flavour_is_refused() -> None:
    with pytest.raises(ValueError, match="flavour: expected one of contract, docs"):
        EmulatorConfig(KEY, flavour="v2")


def test_only_the_dialect_names_a_flavour() -> None:
    # The differences live in one place; views and middleware ask the dialect.
    package = Path(emulator_package.__file__).parent
    sources = [*package.glob("*.py"), Path(provisioner.cli.emulator_cmds.__file__)]
    for source in sources:
        if source.name == "dialect.py":
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        names = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in FLAVOURS
        }
        assert not names, f"{source.name} names a flavour: {names}"


# -- the real process and the fixtures ------------------------------------------


def test_the_cli_serves_the_docs_flavour(
    spawn_emulator: Callable[..., EmulatorProcess],
) -> None:
    process = spawn_emulator(
        "--flavour", "docs", "--user", "alice:plus", "--user", "bob:basic"
    )
    headers = {"apikey": process.api_key}
    made = httpx.post(f"{process.url}/rest/room/create", json=PAIR, headers=headers)
    room = made.json()["room"]
    assert (room["record"], "recording_type" in room) == (0, False)
    info = httpx.get(f"{process.url}/rest/room/info/{room['room_id']}", headers=headers)
    assert INFO_URL.fullmatch(info.json()["room"]["user_urls"][0]["url"])
    wrong = httpx.get(f"{process.url}/rest/user/list", headers={"apikey": "ak_no"})
    expect_error(wrong, 401, "invalid_api_key", flat=True)
    stats = httpx.get(f"{process.url}/_emulator/stats").json()
    assert stats["flavour"] == "docs"


def test_the_cli_refuses_an_unknown_flavour() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "emulator", "--flavour", "v2"],
        capture_output=True,
        text=True,
        env={"KALEYRA_API_KEY": KEY, "PATH": ""},
        timeout=20,
        check=False,
    )
    assert result.returncode == 1  # usage errors exit 1, as every error here
    assert "'v2' is not one of 'contract', 'docs'" in result.stderr


@pytest.mark.parametrize("flavour", ["docs"], indirect=True)
def test_the_emulator_fixture_takes_a_flavour(people: EmulatorHandle) -> None:
    assert people.flavour == "docs"
    assert people.stats()["flavour"] == "docs"
    answer = people.api("GET", "/rest/room/info/room_000000000000")
    people.expect_error(answer, 400, "room_not_found")


@pytest.mark.parametrize(
    ("value", "flavours"),
    [
        (None, DEFAULT_E2E_FLAVOURS),
        ("", DEFAULT_E2E_FLAVOURS),
        ("docs", ("docs",)),
        ("contract, docs", ("contract", "docs")),
        ("docs,docs", ("docs",)),
        ("all", FLAVOURS),
    ],
)
def test_e2e_flavours_come_from_the_environment(
    value: str | None, flavours: tuple[str, ...]
) -> None:
    environ = {} if value is None else {"PROVISIONER_TEST_FLAVOURS": value}
    assert e2e_flavours(environ) == flavours


def test_an_unknown_e2e_flavour_is_an_error() -> None:
    with pytest.raises(ValueError, match="PROVISIONER_TEST_FLAVOURS: unknown 'v2'"):
        e2e_flavours({"PROVISIONER_TEST_FLAVOURS": "contract,v2"})
