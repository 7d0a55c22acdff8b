"""The README, taken at its word: what a user copies must work as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def block_starting(language: str, first_line: str) -> str:
    [found] = [b for b in blocks(language) if b.startswith(first_line)]
    return found


def test_the_quickstart_is_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```sh\n(.*?)```", quickstart, re.S) == [
        "make demo\nmake test\n"
    ]


def test_the_example_room_file_and_settings_validate(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    room_file = block_starting("yaml", "# rooms/team.yaml")
    (tmp_path / "rooms" / "team.yaml").write_text(room_file, encoding="utf-8")
    settings = block_starting("yaml", "rooms: rooms/")
    (tmp_path / "provisioner.yaml").write_text(settings, encoding="utf-8")
    result = provisioner(tmp_path, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (
        "Valid: 1 file, 1 room, 2 managed users, 1 external user.\n"
    )


def provisioner(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=offline_env(),
        check=False,
    )


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALEYRA_")}
    return {**env, "NO_COLOR": "1"}


def workflow_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(block_starting("yaml", "# .github/workflows/rooms.yml"))
    steps: list[dict[str, Any]] = workflow["jobs"]["plan"]["steps"]
    return steps


def run_plan_step(root: Path) -> tuple[str, str]:
    """The plan step's script as GitHub runs it: (its outputs, plan.md)."""
    [step] = [s for s in workflow_steps() if s.get("name") == "plan"]
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "provisioner"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m provisioner "$@"\n')
    shim.chmod(0o755)
    outputs = root / "github_output"
    outputs.write_text("")
    env = {
        **offline_env(),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(outputs),
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr  # the step itself never fails
    return outputs.read_text(), (root / "plan.md").read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "rooms" / "a.yaml").write_text(
        "users: {alice: {role: plus}, bob: {role: basic}}\n"
        "rooms:\n  standup: {participants: [{user_id: alice}, {user_id: bob}]}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_the_ci_plan_step_reports_changes_and_passes(project: Path) -> None:
    outputs, comment = run_plan_step(project)
    assert outputs == "code=2\n"
    # Run without a key (a fork's pull request), the comment says so first.
    banner, title = comment.split("\n\n", 2)[:2]
    assert banner.startswith("offline plan (refresh off: no KALEYRA_API_KEY)")
    assert title.startswith("## Plan: 1 to create, 0 to replace")
    fail = workflow_steps()[-1]
    assert fail == {"if": "steps.plan.outputs.code == '1'", "run": "exit 1"}


def test_a_refused_plan_is_still_posted_and_then_fails_the_check(
    project: Path,
) -> None:
    record = {
        "room_id": "room_oldoldoldold",
        "request": {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]},
        "fingerprint": "sha256:x",
        "urls": {},
        "created_at": "2024-01-01T00:00:00.000Z",
        "prevent_destroy": True,
    }
    state = {
        "version": 1,
        "lineage": "l",
        "serial": 3,
        "users": {},
        "rooms": {"vault": record},
        "retiring": {},
        "pending": {},
    }
    (project / "rooms.state.json").write_text(json.dumps(state), encoding="utf-8")
    outputs, comment = run_plan_step(project)
    assert outputs == "code=1\n"
    assert "> [!CAUTION]\n> **Refused: apply would stop before any change.**" in (
        comment
    )
    names = [s.get("uses", s.get("name", s.get("run"))) for s in workflow_steps()]
    comment_step = names.index("marocchino/sticky-pull-request-comment@v2")
    assert "if" not in workflow_steps()[comment_step]  # posted whatever the code
    assert comment_step == len(names) - 2  # and only then the check fails


def test_a_plan_that_fails_before_planning_leaves_a_comment(project: Path) -> None:
    (project / "rooms.state.json").write_text("{", encoding="utf-8")
    outputs, comment = run_plan_step(project)
    assert outputs == "code=1\n"
    assert comment == "provisioner plan failed: see the job log.\n"


def test_the_commands_table_lists_every_command_and_only_real_ones() -> None:
    from provisioner.cli import _register, cli

    _register()
    text = README.read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `provisioner ([a-z-]+)", table, re.M))
    assert listed == set(cli.commands)
