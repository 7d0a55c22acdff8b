"""The apply, import and state resolve commands: arguments, refusals, messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from e2ekit import FAST_ENV, Project

from provisioner.cli import _register, cli
from provisioner.state.document import PendingCreate, op_pending_add, utc_now
from provisioner.state.local import LocalBackend

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

_register()


@pytest.fixture
def project(
    tmp_path: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"]})
    monkeypatch.chdir(tmp_path)
    for name, value in {**FAST_ENV, **emulator.env}.items():
        monkeypatch.setenv(name, value)
    yield project


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_a_saved_plan_cannot_be_narrowed_at_apply(project: Project) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    result = run("apply", "plan.json", "--target", "standup")
    assert result.exit_code == 1
    assert "--target cannot change a saved plan; make a new plan with it" in (
        result.output
    )


def test_an_allowance_typed_at_apply_cannot_change_a_saved_plan(
    project: Project,
) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    result = run("apply", "plan.json", "--allow-deletes")
    assert result.exit_code == 1
    assert "--allow-deletes cannot change a saved plan" in result.output


def test_an_allowance_from_the_ci_environment_does_not_break_a_saved_plan(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    monkeypatch.setenv("PROVISIONER_ALLOW_DELETES", "1")
    monkeypatch.setenv("PROVISIONER_ALLOW_REPLACE", "1")
    result = run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert set(project.room_ids()) == {"standup"}


def test_a_file_that_is_not_a_plan_is_refused(project: Project) -> None:
    (project.root / "notes.json").write_text("{}")
    result = run("apply", "notes.json", "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: notes.json: not a usable plan (not a provisioner plan)\n"
    )
    assert project.room_ids() == {}


def test_a_missing_argument_is_refused(project: Project) -> None:
    result = run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: plan.json: no such project folder or saved plan"
    )


def test_nothing_to_do_exits_zero(project: Project) -> None:
    assert run("apply", "--auto-approve").exit_code == 0
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0
    assert result.stdout.endswith("No changes.\n")


def test_changes_without_a_key_are_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KALEYRA_API_KEY")
    result = run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "Plan: 1 to create" in result.stdout
    assert result.stderr == (
        "Error: no API key: set KALEYRA_API_KEY to apply these changes\n"
    )


def test_import_refuses_a_name_already_managed(project: Project) -> None:
    assert run("apply", "--auto-approve").exit_code == 0
    held = project.room_ids()["standup"]
    result = run("import", "standup", "room_whatever")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: standup is already in the state (room {held}); "
        "`provisioner state rm standup` first to import another room\n"
    )


def test_import_refuses_an_unknown_room(project: Project) -> None:
    result = run("import", "standup", "room_nosuchroom1")
    assert result.exit_code == 1
    assert result.stderr == "Error: room room_nosuchroom1 does not exist on the API\n"


@pytest.mark.parametrize("name", ["Standup", "stand_up", "stand up", "a" * 64, ""])
def test_import_refuses_a_name_that_breaks_the_room_name_rule(
    project: Project, emulator: Any, name: str
) -> None:
    result = run("import", name, "room_whatever")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {name!r} is not a valid room name (lowercase letters, digits and "
        "dashes, starting with a letter or digit, at most 63 characters); "
        "nothing was changed\n"
    )
    assert emulator.stats()["total_requests"] == 0
    assert not project.state_path.exists()


def test_import_refuses_a_name_the_files_do_not_define(
    project: Project, emulator: Any
) -> None:
    made = make_room(emulator)
    before = emulator.stats()["total_requests"]
    result = run("import", "standpu", made)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: standpu is not a room of the files in rooms (did you mean "
        "standup?): define it there first (the next plan would delete a room the "
        "files lack); nothing was changed\n"
    )
    assert emulator.stats()["total_requests"] == before
    assert not project.state_path.exists()


def test_import_refuses_while_the_room_files_have_problems(
    project: Project, emulator: Any
) -> None:
    (project.root / "rooms" / "broken.yaml").write_text("rooms:\n  desk: 1\n")
    result = run("import", "standup", "room_whatever")
    assert result.exit_code == 1
    assert "rooms/broken.yaml:2:9: rooms.desk: expected a mapping, got 1" in (
        result.stderr
    )
    assert emulator.stats()["total_requests"] == 0


def leave_pending(project: Project) -> PendingCreate:
    backend = LocalBackend(project.state_path)
    request = {
        "call_type": "audio_video",
        "description": "standup",
        "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
    }
    intent = PendingCreate("standup", request, "sha256:x", utc_now())
    backend.commit(backend.read(), [op_pending_add(intent)])
    return intent


def make_room(emulator: Any, description: str = "standup") -> str:
    emulator.add_user("alice", "plus")
    emulator.add_user("bob", "basic")
    body = {
        "description": description,
        "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
    }
    response = emulator.api("POST", "/rest/room/create", json=body)
    room_id: str = response.json()["room"]["room_id"]
    return room_id


def test_resolve_adopt_records_the_chosen_room(project: Project, emulator: Any) -> None:
    leave_pending(project)
    chosen = make_room(emulator)
    result = run("state", "resolve", "standup", "--adopt", chosen)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"standup: adopted {chosen}\n"
    state = project.state()
    assert state["pending"] == {}
    assert state["rooms"]["standup"]["room_id"] == chosen
    assert sorted(state["rooms"]["standup"]["urls"]) == ["alice", "bob"]


def test_resolve_adopt_refuses_a_room_that_does_not_match(
    project: Project, emulator: Any
) -> None:
    leave_pending(project)
    other = make_room(emulator, description="another")
    result = run("state", "resolve", "standup", "--adopt", other)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: room {other} does not match the pending create of standup "
        "(description differs); nothing was changed\n"
    )
    assert "standup" in project.state()["pending"]


def test_resolve_recreate_clears_the_intent(project: Project) -> None:
    leave_pending(project)
    result = run("state", "resolve", "standup", "--recreate")
    assert result.exit_code == 0
    assert project.state()["pending"] == {}


def test_resolve_needs_exactly_one_choice(project: Project) -> None:
    result = run("state", "resolve", "standup")
    assert result.exit_code == 1
    assert "pass exactly one of --adopt ROOM_ID or --recreate" in result.output


def test_resolve_without_a_pending_create(project: Project) -> None:
    result = run("state", "resolve", "standup", "--recreate")
    assert result.exit_code == 1
    assert result.stderr == "Error: standup has no pending create; nothing to resolve\n"
