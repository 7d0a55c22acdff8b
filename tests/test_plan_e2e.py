"""`provisioner plan` as a subprocess on real room files (and the emulator)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of

from provisioner.apply.planfile import load_plan

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

STANDUP = """\
users:
  alice: {role: plus}
  bob: {role: basic}
rooms:
  standup:
    duration: 3600
    participants:
      - user_id: alice
        is_admin: true
      - user_id: bob
        tools: {chat: true, whiteboard: {wb_pen: true}}
  desk:
    participants: [{user_id: alice}, {user_id: bob}]
"""

# The same two rooms: keys and participants reordered, defaults spelled out,
# anchors and aliases.
STANDUP_REWRITTEN = """\
users:
  bob: {role: basic}
  alice: {role: plus, can_video: true}
rooms:
  desk:
    description: desk
    participants:
      - &bob {user_id: bob}
      - {user_id: alice, is_admin: false}
  standup:
    participants:
      - user_id: bob
        is_admin: false
        tools:
          whiteboard: {wb_text: false, wb_pen: true}
          chat: true
      - user_id: alice
        is_admin: true
    call_type: audio_video
    recording: false
    duration: &hour 3600
"""


def offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALEYRA_")}
    return {**env, "NO_COLOR": "1", **extra}


def run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=offline_env(**env),
        timeout=60,
        check=False,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "provisioner.yaml").write_text("rooms: rooms/\n")
    (tmp_path / "rooms" / "team.yaml").write_text(STANDUP)
    return tmp_path


def test_a_first_plan_offline(root: Path) -> None:
    result = run(root, "plan", "--detailed-exitcode")
    assert result.returncode == 2, text_of(result)
    assert result.stdout.splitlines()[-2:] == [
        "Users: 2 to create, 0 to update, 0 to delete, 0 to forget.",
        "Plan: 2 to create, 0 to replace, 0 to delete, 0 unchanged.",
    ]
    assert result.stderr == ""


def test_the_path_argument_and_a_saved_plan(root: Path, tmp_path_factory: Any) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    result = run(elsewhere, "plan", str(root), "--out", "first.tfplan")
    assert result.returncode == 0, text_of(result)
    saved = load_plan(elsewhere / "first.tfplan")
    assert saved.lineage is None
    assert [c.name for c in saved.room_changes()] == ["desk", "standup"]


def test_usage_errors_exit_1(root: Path) -> None:
    result = run(root, "plan", "--detailed-exitcode", "--no-such-flag")
    assert result.returncode == 1
    assert "Error: No such option '--no-such-flag'" in result.stderr


def test_room_file_problems_are_file_line_col_and_exit_1(root: Path) -> None:
    (root / "rooms" / "bad.yaml").write_text(
        "rooms:\n  broken:\n    duration: soon\n    participants: [{user_id: alice}]\n"
    )
    result = run(root, "plan", "--detailed-exitcode")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines
    assert all(re.match(r"^rooms/bad\.yaml:\d+:\d+: ", line) for line in lines), lines
    assert "Traceback" not in result.stderr


def test_json_plan_from_real_files(root: Path) -> None:
    result = run(root, "plan", "--format", "json")
    data = json.loads(result.stdout)
    assert data["format_version"] == "1"
    assert [(c["action"], c["name"]) for c in data["changes"]] == [
        ("create", "desk"),
        ("create", "standup"),
    ]


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    (tmp_path / "rooms" / "team.yaml").write_text(STANDUP)
    applied = project.cli("apply", "--auto-approve")
    assert applied.returncode == 0, text_of(applied)
    return project


def test_the_same_rooms_written_differently_plan_no_changes(project: Project) -> None:
    (project.root / "rooms" / "team.yaml").write_text(STANDUP_REWRITTEN)
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 0, text_of(result)
    assert result.stdout == "No changes.\n"


def test_refresh_sees_a_room_deleted_outside(project: Project, emulator: Any) -> None:
    desk = project.room_ids()["desk"]
    emulator.api("DELETE", f"/rest/room/delete/{desk}")
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 2, text_of(result)
    # The docs flavour, as the reference, shows a deleted room as CLOSED.
    seen = "closed" if emulator.flavour == "docs" else "deleted"
    assert f"      {seen} outside the provisioner (was {desk})" in result.stdout
    assert "Plan: 1 to create, 0 to replace, 0 to delete, 1 unchanged." in result.stdout
    offline = project.cli("plan", "--no-refresh", "--detailed-exitcode")
    assert offline.returncode == 0, text_of(offline)


def test_a_room_in_a_call_is_not_replaced_without_force(
    project: Project, emulator: Any
) -> None:
    emulator.set_status(project.room_ids()["standup"], "RUNNING")
    (project.root / "rooms" / "team.yaml").write_text(
        STANDUP.replace("duration: 3600", "duration: 1800")
    )
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 1, text_of(result)
    assert result.stderr == (
        "Error: refusing to replace or delete 1 room with a call in progress "
        "(RUNNING): standup; wait for the call to end or pass --force\n"
    )
    assert "  -/+ standup" in result.stdout
    forced = project.cli("plan", "--detailed-exitcode", "--force")
    assert forced.returncode == 2, text_of(forced)


def test_a_missing_external_user_fails_the_plan(
    project: Project, emulator: Any
) -> None:
    text = STANDUP.replace(
        "  bob: {role: basic}\n", "  bob: {role: basic}\nexternal_users: [frontdesk]\n"
    )
    text += "  lobby:\n    participants: [{user_id: alice}, {user_id: frontdesk}]\n"
    (project.root / "rooms" / "team.yaml").write_text(text)
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 1, text_of(result)
    assert "  + lobby" in result.stdout
    assert result.stderr == (
        "Error: pre-flight: user frontdesk does not exist in Kaleyra (create them, "
        "or fix external_users and the rooms); nothing was changed\n"
    )
    emulator.add_user("frontdesk", "basic")
    found = project.cli("plan", "--detailed-exitcode")
    assert found.returncode == 2, text_of(found)
    offline = project.cli("plan", "--no-refresh", "--detailed-exitcode")
    assert offline.returncode == 2, text_of(offline)
