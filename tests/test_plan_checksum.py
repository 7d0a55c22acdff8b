"""The reviewed plan is the applied plan: checksums, --expect-checksum, GitLab."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, live_rooms, text_of
from render_cases import every_change

from provisioner.plan import Action, Plan
from provisioner.render import render

pytestmark = pytest.mark.e2e


def test_the_checksum_names_the_changes_not_the_state_they_came_from() -> None:
    plan = every_change()
    later = dataclasses.replace(plan, serial=plan.serial + 5, warnings=("new",))
    assert later.checksum == plan.checksum
    assert len(plan.checksum) == 16
    fewer = dataclasses.replace(plan, rooms=plan.rooms[1:])
    assert fewer.checksum != plan.checksum
    other = dataclasses.replace(plan, on_replace="delete")
    assert other.checksum != plan.checksum


def test_every_format_shows_the_same_checksum() -> None:
    plan = every_change()
    assert f"Checksum: {plan.checksum}" in render(plan, "text")
    assert json.loads(render(plan, "json"))["checksum"] == plan.checksum
    markdown = render(plan, "markdown")
    assert f"`{plan.checksum}`" in markdown
    assert f"<!-- provisioner-plan-checksum: {plan.checksum} -->" in markdown


def test_a_plan_without_changes_shows_no_checksum() -> None:
    empty = Plan(rooms=())
    assert "Checksum" not in render(empty, "text")
    assert "checksum" not in render(empty, "markdown")


def test_gitlab_counts_a_replace_as_a_create_and_a_delete() -> None:
    plan = every_change()
    s = plan.summary()
    report = json.loads(render(plan, "gitlab"))
    assert report == {
        "create": s.create + s.replace + s.users_create,
        "update": s.users_update,
        "delete": s.delete + s.replace + s.users_delete,
    }
    assert s.replace > 0 and plan.count(Action.REPLACE) == s.replace


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]})
    return project


def _checksum(project: Project) -> str:
    result = project.cli("plan", "--format", "json")
    assert result.returncode == 0, text_of(result)
    value: str = json.loads(result.stdout)["checksum"]
    return value


def test_apply_refuses_a_plan_other_than_the_reviewed_one(
    project: Project, emulator: Any
) -> None:
    reviewed = _checksum(project)
    project.write_rooms({"standup": ["alice", "bob"]})
    before = len(emulator.rooms())
    result = project.cli("apply", "--auto-approve", "--expect-checksum", reviewed)
    assert result.returncode == 1, text_of(result)
    assert "is not the reviewed plan" in result.stderr
    assert "nothing was changed" in result.stderr
    assert len(emulator.rooms()) == before


def test_apply_runs_the_reviewed_plan(project: Project, emulator: Any) -> None:
    reviewed = _checksum(project)
    result = project.cli("apply", "--auto-approve", "--expect-checksum", reviewed)
    assert result.returncode == 0, text_of(result)
    assert sorted(r["description"] for r in live_rooms(emulator)) == [
        "desk",
        "standup",
    ]


def test_plan_writes_gitlabs_terraform_report(project: Project) -> None:
    result = project.cli("plan", "--format", "gitlab")
    assert result.returncode == 0, text_of(result)
    # Two rooms and their two users.
    assert json.loads(result.stdout) == {"create": 4, "update": 0, "delete": 0}
