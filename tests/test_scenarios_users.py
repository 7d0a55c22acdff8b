"""User scenarios: a managed user deleted outside the provisioner.

Someone removes a user in the Kaleyra dashboard (or the emulator restarts and
forgets its users). The state still records the user, so a plan that trusted
it would leave the user alone and the apply would fail halfway, on the first
room that needs it, every time. Refresh finds the user gone and plans it as a
create; without refresh, the pre-flight refuses before any change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest


def _applied(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"], "retro": ["alice", "bob"]})
    first = project.cli("apply", "--auto-approve")
    assert first.returncode == 0, first.stderr
    gone = emulator.api("DELETE", "/rest/user/delete/bob")
    assert gone.status_code == 200, gone.text
    return project


def test_plan_recreates_a_managed_user_deleted_outside(
    tmp_path: Path, emulator: Any
) -> None:
    project = _applied(tmp_path, emulator)
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "Warning: user bob was deleted outside the provisioner; apply creates it again",
        "",
    ]
    assert "  + bob (role basic)" in result.stdout
    assert "Users: 1 to create, 0 to update, 0 to delete, 0 to forget." in (
        result.stdout
    )


def test_apply_recreates_the_user_and_changes_no_room(
    tmp_path: Path, emulator: Any
) -> None:
    project = _applied(tmp_path, emulator)
    rooms_before = project.room_ids()
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert "created user bob" in result.stderr
    assert project.room_ids() == rooms_before
    users = {u["id"] for u in emulator.stats()["users"]}
    assert {"alice", "bob"} <= users
    assert converged(project, ["standup", "retro"]) == []
    again = project.cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_without_refresh_the_preflight_refuses_before_any_change(
    tmp_path: Path, emulator: Any
) -> None:
    project = _applied(tmp_path, emulator)
    project.write_rooms(
        {
            "standup": {
                "duration": 600,
                "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
            },
            "retro": ["alice", "bob"],
        }
    )
    creates = emulator.count("POST /rest/room/create")
    result = project.cli("apply", "--auto-approve", "--no-refresh")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: pre-flight: user bob does not exist in Kaleyra (create them, or "
        "fix external_users and the rooms); nothing was changed"
    )
    assert emulator.count("POST /rest/room/create") == creates
