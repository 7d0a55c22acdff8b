"""The real CLI against the emulator over HTTP: the main job, end to end."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged, live_rooms, text_of, urls_in

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

CREATE = "POST /rest/room/create"


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]})
    return project


def applied(project: Project, *args: str) -> str:
    result = project.cli("apply", "--auto-approve", *args)
    assert result.returncode == 0, text_of(result)
    return result.stdout


def test_apply_creates_users_and_rooms_and_a_second_plan_is_empty(
    project: Project, emulator: Any
) -> None:
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    assert "Plan: 2 to create, 0 to replace, 0 to delete, 0 unchanged." in result.stdout
    assert "2 created, 0 replaced, 0 deleted, 0 unchanged in " in result.stdout
    assert "users: 2 created" in result.stdout
    state = project.state()
    for name, record in state["rooms"].items():
        assert f"created {name} ({record['room_id']}) in " in result.stderr
    users = {u["id"]: u["role"] for u in emulator.stats()["users"]}
    assert users == {"alice": "plus", "bob": "basic"}
    assert converged(project, ["standup", "desk"]) == []
    for url in urls_in(state):
        assert url not in result.stdout + result.stderr
    again = project.cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, text_of(again)
    assert "No changes." in again.stdout
    assert project.cli("apply", "--auto-approve").stdout.endswith("No changes.\n")


def test_replace_issues_new_links_and_disables_the_old_room(
    project: Project, emulator: Any
) -> None:
    applied(project)
    before = project.state()["rooms"]["standup"]
    project.write_rooms(
        {
            "standup": {
                "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
                "duration": 900,
            },
            "desk": ["alice", "bob"],
        }
    )
    out = applied(project)
    assert "0 created, 1 replaced, 0 deleted, 1 unchanged in " in out
    after = project.state()["rooms"]["standup"]
    assert after["room_id"] != before["room_id"]
    assert not set(after["urls"].values()) & set(before["urls"].values())
    old = {r["room_id"]: r for r in emulator.rooms()}[before["room_id"]]
    assert old["disabled"] and not old["deleted"]
    assert converged(project, ["standup", "desk"]) == []


def test_a_removed_room_is_deleted(project: Project, emulator: Any) -> None:
    applied(project)
    gone = project.room_ids()["desk"]
    project.write_rooms({"standup": ["alice", "bob"]})
    out = applied(project)
    assert "0 created, 0 replaced, 1 deleted, 1 unchanged in " in out
    assert {r["room_id"]: r for r in emulator.rooms()}[gone]["deleted"]
    assert converged(project, ["standup"]) == []


def test_a_user_change_updates_the_user(project: Project, emulator: Any) -> None:
    applied(project)
    users = {"alice": {"role": "plus"}, "bob": {"role": "plus", "language": "it"}}
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]}, users)
    out = applied(project)
    assert "users: 1 updated" in out
    bob = {u["id"]: u for u in emulator.stats()["users"]}["bob"]
    assert (bob["role"], bob["language"]) == ("plus", "it")


def test_a_saved_plan_is_applied_exactly(project: Project, emulator: Any) -> None:
    saved = project.cli("plan", "--out", "plan.json")
    assert saved.returncode == 0, text_of(saved)
    project.write_rooms({"standup": ["alice", "bob"]})  # changed after planning
    result = project.cli("apply", "plan.json")
    assert result.returncode == 0, text_of(result)
    assert "2 created" in result.stdout
    assert sorted(project.room_ids()) == ["desk", "standup"]


def test_a_stale_saved_plan_is_refused(project: Project, emulator: Any) -> None:
    applied(project)
    project.write_rooms({"standup": ["alice", "bob"]})
    assert project.cli("plan", "--out", "plan.json").returncode == 0
    project.write_rooms(
        {
            "standup": ["alice", "bob"],
            "desk": ["alice", "bob"],
            "lobby": ["alice", "bob"],
        }
    )
    applied(project)
    creates = emulator.count(CREATE)
    result = project.cli("apply", "plan.json")
    assert result.returncode == 1, text_of(result)
    assert result.stderr.startswith("Error: the state changed since this plan was made")
    assert emulator.count(CREATE) == creates
    assert "desk" in project.room_ids()


def test_apply_refuses_to_prompt_without_a_terminal(project: Project) -> None:
    result = project.cli("apply")
    assert result.returncode == 1
    assert "Error: no terminal to ask for confirmation: pass --auto-approve" in (
        result.stderr
    )
    assert project.room_ids() == {}


def test_import_adopts_an_existing_room(project: Project, emulator: Any) -> None:
    body = {
        "description": "lobby",
        "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
    }
    applied(project)
    made = emulator.api("POST", "/rest/room/create", json=body).json()["room"]
    project.write_rooms(
        {
            "standup": ["alice", "bob"],
            "desk": ["alice", "bob"],
            "lobby": ["alice", "bob"],
        }
    )
    result = project.cli("import", "lobby", made["room_id"])
    assert result.returncode == 0, text_of(result)
    assert result.stdout.startswith(f"Imported {made['room_id']} as lobby")
    record = project.state()["rooms"]["lobby"]
    # An imported room's links are the ones room/info shows (the docs flavour
    # shows other links there than at create, as the reference does).
    info = emulator.api("GET", f"/rest/room/info/{made['room_id']}").json()["room"]
    assert record["urls"] == {u["user"]: u["url"] for u in info["user_urls"]}
    for url in record["urls"].values():
        assert url not in result.stdout + result.stderr
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.returncode == 0, text_of(plan)
    creates = emulator.count(CREATE)
    assert "No changes." in applied(project)
    assert emulator.count(CREATE) == creates


def test_an_imported_room_that_differs_is_replaced(
    project: Project, emulator: Any
) -> None:
    body = {
        "description": "lobby",
        "duration": 600,
        "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
    }
    applied(project)
    made = emulator.api("POST", "/rest/room/create", json=body).json()["room"]
    project.write_rooms(
        {
            "standup": ["alice", "bob"],
            "desk": ["alice", "bob"],
            "lobby": ["alice", "bob"],
        }
    )
    result = project.cli("import", "lobby", made["room_id"])
    assert "It differs from the files in duration" in result.stdout
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.returncode == 2, text_of(plan)
    assert "lobby" in plan.stdout and "duration" in plan.stdout


def test_drift_after_an_out_of_band_delete_is_recreated(
    project: Project, emulator: Any
) -> None:
    applied(project)
    gone = project.room_ids()["desk"]
    assert emulator.api("DELETE", f"/rest/room/delete/{gone}").status_code == 200
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.returncode == 2, text_of(plan)
    # The docs flavour, as the reference, shows a deleted room as CLOSED.
    seen = "closed" if emulator.flavour == "docs" else "deleted"
    assert f"{seen} outside the provisioner" in plan.stdout
    out = applied(project)
    assert "1 created, 0 replaced, 0 deleted, 1 unchanged in " in out
    assert project.room_ids()["desk"] != gone
    assert converged(project, ["standup", "desk"]) == []


def test_a_running_room_is_not_replaced_without_force(
    project: Project, emulator: Any
) -> None:
    applied(project)
    busy = project.room_ids()["desk"]
    emulator.set_status(busy, "RUNNING")
    project.write_rooms(
        {
            "standup": ["alice", "bob"],
            "desk": {
                "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
                "duration": 600,
            },
        }
    )
    refused = project.cli("apply", "--auto-approve")
    assert refused.returncode == 1, text_of(refused)
    assert "call in progress (RUNNING): desk" in refused.stderr
    assert project.room_ids()["desk"] == busy
    forced = project.cli("apply", "--auto-approve", "--force")
    assert forced.returncode == 0, text_of(forced)
    assert project.room_ids()["desk"] != busy


def test_a_room_that_starts_running_after_planning_is_refused_at_apply(
    project: Project, emulator: Any
) -> None:
    applied(project)
    busy = project.room_ids()["desk"]
    project.write_rooms({"standup": ["alice", "bob"]})
    assert project.cli("plan", "--out", "plan.json").returncode == 0
    emulator.set_status(busy, "RUNNING")
    result = project.cli("apply", "plan.json")
    assert result.returncode == 1, text_of(result)
    assert (
        f"failed: desk: desk: room {busy} is RUNNING (a call is in progress); "
        "refusing to delete it without --force"
    ) in result.stderr
    assert busy in {r["room_id"] for r in live_rooms(emulator)}
    assert project.room_ids()["desk"] == busy


def answer_on_a_terminal(project: Project, answer: str) -> tuple[int, str]:
    """Run `apply` with a pseudo-terminal as stdin and type `answer`."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "provisioner", "apply"],
            cwd=project.root,
            env=project.env(),
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        os.write(leader, f"{answer}\n".encode())
        output, _ = process.communicate(timeout=30)
    finally:
        os.close(leader)
        os.close(follower)
    return process.returncode, output


@pytest.mark.parametrize("answer", ["yes", "no", "y"])
def test_apply_asks_on_a_terminal_and_only_yes_proceeds(
    project: Project, answer: str
) -> None:
    code, output = answer_on_a_terminal(project, answer)
    assert (
        "Do you want to perform these actions? Only 'yes' will be accepted: " in output
    )
    if answer == "yes":
        assert code == 0, output
        assert sorted(project.room_ids()) == ["desk", "standup"]
    else:
        assert code == 1, output
        assert "Error: apply cancelled; nothing was changed" in output
        assert project.room_ids() == {}
