"""The real CLI against a different, contract-conforming Kaleyra API (the stand-in).

Each test plays what a user does (validate, plan, apply, output, import) with
the stand-in reading the open points of kaleyra-api.md its own way: creates
answered 201, unknown keys, bare `user_urls` in room/info, list entries
without milliseconds or description, `has_more` left out, small pages, 400
for a wrong key, 429 without Retry-After, non-JSON 5xx bodies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from contract_standin import StandIn, served
from e2ekit import Project, text_of

KEY = "ak_test_contract_0123456789"


@pytest.fixture
def standin() -> StandIn:
    api = StandIn(KEY)
    api.add_user("frontdesk", "basic")
    return api


@pytest.fixture(params=["local", "postgresql"])
def project(
    request: pytest.FixtureRequest, tmp_path: Path, standin: StandIn
) -> Iterator[Project]:
    """The suite runs on both state backends (a local file, a PostgreSQL one)."""
    shared = (
        request.getfixturevalue("pg_state") if request.param == "postgresql" else None
    )
    with served(standin) as url:
        env = {"KALEYRA_API_URL": url, "KALEYRA_API_KEY": KEY}
        project = Project(tmp_path, SimpleNamespace(env=env), state=shared)
        yield project
    if shared:  # PROVISIONER_STATE took the place of the file in provisioner.yaml
        assert not project.state_path.exists()


ROOMS: dict[str, Any] = {
    "weekly-standup": {
        "description": "Weekly team stand-up",
        "duration": 3600,
        "direct_call": True,
        "initiator_alias": "alice",
        "recording": True,
        "recording_type": "manual",
        "participants": [
            {"user_id": "alice", "is_admin": True},
            {
                "user_id": "bob",
                "tools": {"chat": True, "screen_sharing": True, "whiteboard": False},
            },
        ],
    },
    "desk": {"participants": [{"user_id": "alice"}, {"user_id": "frontdesk"}]},
}


def _apply(project: Project) -> None:
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    assert "Traceback" not in result.stderr


def test_apply_sends_the_documented_request_and_reads_a_201(
    project: Project, standin: StandIn
) -> None:
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    creates = {body["description"]: body for body in standin.creates()}
    standup = creates["Weekly team stand-up"]
    assert standup["directCall"] is True
    assert standup["initiatorAlias"] == "alice"
    assert standup["recording_type"] == "manual"
    assert standup["duration"] == 3600
    assert "direct_call" not in standup and "initiator_alias" not in standup
    bob = next(p for p in standup["participants"] if p["user_id"] == "bob")
    assert bob["tools"]["chat"] is True and bob["tools"]["file_upload"] is False
    assert creates["desk"]["description"] == "desk"
    sent = [r for r in standin.requests if r["path"].startswith("/rest/")]
    assert all(r["headers"]["apikey"] == KEY for r in sent)
    assert {r["path"] for r in sent if r["method"] == "POST"} == {
        "/rest/user/create",
        "/rest/room/create",
    }
    state = project.state()
    ids = {room["room_id"] for room in standin.live()}
    assert {r["room_id"] for r in state["rooms"].values()} == ids


def test_output_gives_the_links_the_api_answered(
    project: Project, standin: StandIn
) -> None:
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    result = project.cli("output", "--format", "json")
    assert result.returncode == 0, text_of(result)
    names = {room_id: name for name, room_id in project.room_ids().items()}
    wanted = {
        names[room["room_id"]]: {u["user"]: u["url"] for u in room["user_urls"]}
        for room in standin.live()
    }
    assert json.loads(result.stdout) == wanted


def test_second_plan_sees_no_changes_through_a_refresh(
    project: Project, standin: StandIn
) -> None:
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 0, text_of(result)
    infos = [r for r in standin.requests if r["path"].startswith("/rest/room/info/")]
    assert len(infos) == 2  # the refresh read both rooms back


def test_a_wrong_key_answered_400_is_an_authentication_failure(
    project: Project, standin: StandIn
) -> None:
    standin.knobs.auth_status = 400
    project.write_rooms(ROOMS, external=["frontdesk"])
    result = project.cli(
        "apply", "--auto-approve", env=project.env(KALEYRA_API_KEY="x")
    )
    assert result.returncode == 1, text_of(result)
    assert "the API key was refused (HTTP 400, invalid_api_key)" in result.stderr
    assert "Traceback" not in result.stderr
    assert standin.creates() == []


def test_429_without_retry_after_is_waited_out(
    project: Project, standin: StandIn
) -> None:
    standin.knobs.throttle = 3
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    assert len(standin.live()) == 2


def test_a_lost_create_is_found_among_pages_without_has_more(
    project: Project, standin: StandIn
) -> None:
    knobs = standin.knobs
    knobs.send_has_more, knobs.page_cap = False, 5
    knobs.lose_creates, knobs.noise_after_lost = 1, 12
    project.write_rooms({"desk": ROOMS["desk"]}, external=["frontdesk"])
    _apply(project)
    ours = [r for r in standin.live() if r["description"] == "desk"]
    assert len(ours) == 1, "a duplicate room was created"
    assert project.room_ids() == {"desk": ours[0]["room_id"]}


def test_refresh_survives_a_non_json_503(project: Project, standin: StandIn) -> None:
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    standin.knobs.info_fails = 1
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 0, text_of(result)


def test_drift_seen_through_a_bare_disabled_room(
    project: Project, standin: StandIn
) -> None:
    project.write_rooms({"desk": ROOMS["desk"]}, external=["frontdesk"])
    _apply(project)
    standin.live()[0]["disabled"] = True
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 2, text_of(result)
    assert "disabled outside the provisioner" in result.stdout


@pytest.mark.parametrize("plain_links", [False, True])
def test_import_reads_a_room_whose_info_has_no_tools(
    project: Project, standin: StandIn, plain_links: bool
) -> None:
    # room/info does not list directCall; links of another shape cannot show it
    standin.knobs.plain_links = plain_links
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    room_id = project.room_ids()["weekly-standup"]
    assert project.cli("state", "rm", "weekly-standup").returncode == 0
    result = project.cli("import", "weekly-standup", room_id)
    assert result.returncode == 0, text_of(result)
    assert project.room_ids()["weekly-standup"] == room_id
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.returncode == 0, text_of(plan)


def test_a_user_that_already_exists_is_adopted_and_updated(
    project: Project, standin: StandIn
) -> None:
    standin.add_user("alice", "basic")
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    assert standin.users["alice"]["role"] == "plus"
    updates = [r for r in standin.requests if r["path"] == "/rest/user/update/alice"]
    assert [(r["method"], r["json"]["role"]) for r in updates] == [("PUT", "plus")]
    assert project.state()["users"]["alice"]["role"] == "plus"


def test_plan_fails_on_a_missing_external_user(
    project: Project, standin: StandIn
) -> None:
    del standin.users["frontdesk"]
    project.write_rooms(ROOMS, external=["frontdesk"])
    result = project.cli("plan")
    assert result.returncode == 1, text_of(result)
    assert "frontdesk" in result.stderr and "Traceback" not in result.stderr
    assert "GET /rest/user/list/frontdesk" in {
        f"{r['method']} {r['path']}" for r in standin.requests
    }


def test_pruned_users_are_deleted_after_the_rooms(
    project: Project, standin: StandIn
) -> None:
    project.write_rooms(ROOMS, external=["frontdesk"])
    _apply(project)
    settings = project.root / "provisioner.yaml"
    settings.write_text(settings.read_text("utf-8") + "prune_users: true\n", "utf-8")
    project.write_rooms(
        {"desk": ROOMS["desk"]}, {"alice": {"role": "plus"}}, ["frontdesk"]
    )
    _apply(project)
    paths = [f"{r['method']} {r['path']}" for r in standin.requests]
    assert "DELETE /rest/user/delete/bob" in paths
    assert paths.index("DELETE /rest/user/delete/bob") > max(
        i for i, p in enumerate(paths) if p.startswith("DELETE /rest/room/")
    )
    assert "bob" not in standin.users
