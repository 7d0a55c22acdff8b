"""`provisioner plan` through click: output, exit codes, --out, safety, refresh.

The room files are injected (settings and estate), so these tests pin the
command itself; tests/test_plan_e2e.py runs it on real files as a subprocess.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from plan_builders import (
    by_name,
    record,
    room,
    room_id,
    save_state,
    state,
    user,
    users_by_id,
)

import provisioner.cli.plan_cmds as plan_cmds
from provisioner.apply.planfile import load_plan
from provisioner.cli import cli
from provisioner.config import Estate, Settings
from provisioner.errors import Problem
from provisioner.plan import Plan
from provisioner.plan.safety import ListedRoom, unrecorded_creates
from provisioner.plan.savedplan import check_fresh
from provisioner.state.document import State
from provisioner.state.local import LocalBackend

STATE = "rooms.state.json"
NOT_CHECKED = (
    "not checked: drift, users, plus roles, calls in progress, rooms already on the API"
)
OFFLINE_TEXT = f"offline plan (refresh off: no KALEYRA_API_KEY)\n  {NOT_CHECKED}\n\n"
OFFLINE_MARKDOWN = f"offline plan (refresh off: no KALEYRA_API_KEY) — {NOT_CHECKED}\n\n"
ROOMS = by_name(room("standup"), room("clinic", ["alice", "carol"]))
USERS = users_by_id(user("alice"), user("bob", "basic"), user("carol", "basic"))


class Project:
    """A project whose settings and estate the test controls."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.settings = Settings(root=root, rooms_dir=root / "rooms", state=STATE)
        self.estate = Estate(rooms=dict(ROOMS), users=dict(USERS))
        self.refreshed: list[State] = []
        self.checked: list[tuple[Plan, frozenset[str]]] = []
        self.drift: dict[str, str] = {}
        self.running: frozenset[str] = frozenset()
        self.on_api: list[ListedRoom] = []
        self.looked_for: list[dict[str, str]] = []

    def save(self, wanted: State) -> State:
        return save_state(self.root / STATE, wanted)

    def applied(self) -> State:
        """A state matching the estate exactly, as after an apply."""
        return self.save(state(list(ROOMS.values()), list(USERS.values())))

    def check_users(
        self, settings: Settings, plan: Plan, external: Collection[str]
    ) -> None:
        self.checked.append((plan, frozenset(external)))

    def find_on_api(
        self, settings: Settings, plan: Plan, current: State
    ) -> list[ListedRoom]:
        self.looked_for.append(unrecorded_creates(plan))
        return self.on_api

    def refresh(
        self, settings: Settings, current: State
    ) -> tuple[Mapping[str, str], frozenset[str], frozenset[str]]:
        self.refreshed.append(current)
        return self.drift, self.running, frozenset()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    result = Project(tmp_path)
    monkeypatch.setattr(plan_cmds, "load_settings", lambda root: result.settings)
    monkeypatch.setattr(plan_cmds, "load_estate", lambda settings: result.estate)
    monkeypatch.setattr(plan_cmds, "refresh_state", result.refresh)
    monkeypatch.setattr(plan_cmds, "check_users", result.check_users)
    monkeypatch.setattr(plan_cmds, "find_on_api", result.find_on_api)
    monkeypatch.delenv("KALEYRA_API_KEY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    return result


def plan(*args: str, env: Mapping[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["plan", *args], env=dict(env or {}))


def offline(stdout: str, banner: str = OFFLINE_TEXT) -> str:
    """A plan made without a key, after the banner it must start with."""
    assert stdout.startswith(banner), stdout
    return stdout.removeprefix(banner)


def test_a_first_plan_creates_everything(project: Project) -> None:
    result = plan()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Plan: 2 to create, 0 to replace, 0 to delete, 0 unchanged."
    )
    assert "  + clinic" in result.stdout and "  + standup" in result.stdout
    assert result.stderr == ""


def test_detailed_exitcode_is_2_with_changes_and_0_without(project: Project) -> None:
    assert plan("--detailed-exitcode").exit_code == 2
    project.applied()
    result = plan("--detailed-exitcode")
    assert result.exit_code == 0
    assert offline(result.stdout) == "No changes.\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["--format", "xml"],
        ["--lock-timeout", "soon"],
        ["one", "two"],
    ],
)
def test_usage_errors_exit_1_even_with_detailed_exitcode(
    project: Project, args: list[str]
) -> None:
    result = plan("--detailed-exitcode", *args)
    assert result.exit_code == 1
    assert "Error: " in result.stderr
    assert result.stdout == ""


def test_room_file_problems_are_listed_and_exit_1(project: Project) -> None:
    project.estate = dataclasses.replace(
        project.estate,
        problems=(
            Problem("rooms/b.yaml", 3, 5, "duration: expected an integer"),
            Problem("rooms/a.yaml", 7, 9, "participants[1].user_id: unknown user"),
        ),
    )
    result = plan("--detailed-exitcode")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "rooms/b.yaml:3:5: duration: expected an integer",
        "rooms/a.yaml:7:9: participants[1].user_id: unknown user",
    ]
    assert result.stdout == ""


def test_a_corrupt_state_is_a_one_line_error(project: Project) -> None:
    (project.root / STATE).write_text("{truncated")
    result = plan()
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("json", lambda out: json.loads(out)["summary"]["create"] == 2),
        (
            "markdown",
            lambda out: offline(out, OFFLINE_MARKDOWN).startswith(
                "## Plan: 2 to create"
            ),
        ),
        ("text", lambda out: out.endswith("0 unchanged.\n")),
    ],
)
def test_every_format(project: Project, fmt: str, check: Any) -> None:
    result = plan("--format", fmt)
    assert result.exit_code == 0
    assert check(result.stdout)


def test_out_saves_the_plan_for_apply(project: Project) -> None:
    current = project.applied()
    project.estate = dataclasses.replace(
        project.estate, rooms=by_name(room("standup", live=True))
    )
    result = plan("--out", "next.tfplan", "--allow-deletes")
    assert result.exit_code == 0, result.output
    assert (
        result.stderr
        == "Saved the plan to next.tfplan: provisioner apply next.tfplan\n"
    )
    saved = load_plan(project.root / "next.tfplan")
    assert (saved.lineage, saved.serial) == (current.lineage, current.serial)
    assert [(c.action, c.name) for c in saved.room_changes()] == [
        ("delete", "clinic"),
        ("replace", "standup"),
    ]
    assert saved.options.allow_deletes is True
    assert saved.inputs.startswith("sha256:")
    check_fresh(saved, LocalBackend(project.root / STATE).read())


def test_an_unsafe_plan_is_shown_then_refused_and_not_saved(project: Project) -> None:
    project.save(state([("standup", record(room("standup"), prevent_destroy=True))]))
    project.estate = dataclasses.replace(project.estate, rooms={})
    result = plan("--out", "p.json", "--detailed-exitcode")
    assert result.exit_code == 1
    assert f"  - standup ({room_id('standup')})" in result.stdout
    assert result.stderr == (
        "Error: refusing to delete 1 room protected by prevent_destroy: standup; "
        "pass --allow-deletes\n"
    )
    assert not (project.root / "p.json").exists()
    assert plan("--allow-deletes").exit_code == 0


def test_a_refused_markdown_plan_says_so_at_the_top(project: Project) -> None:
    # The PR comment is stdout: without the reason there, a refused plan reads
    # like one a reviewer could approve.
    project.save(state([("standup", record(room("standup"), prevent_destroy=True))]))
    project.estate = dataclasses.replace(project.estate, rooms={})
    result = plan("--format", "markdown", "--detailed-exitcode")
    assert result.exit_code == 1
    assert offline(result.stdout, OFFLINE_MARKDOWN).splitlines()[:5] == [
        "## Plan: 0 to create, 0 to replace, 1 to delete, 0 unchanged.",
        "",
        "> [!CAUTION]",
        "> **Refused: apply would stop before any change.**",
        "> - refusing to delete 1 room protected by prevent&#95;destroy: standup; "
        "pass --allow-deletes",
    ]
    assert result.stderr.startswith("Error: refusing to delete 1 room")
    assert "[!CAUTION]" not in plan("--format", "markdown", "--allow-deletes").stdout


def test_targets_and_replace_reach_the_plan(project: Project) -> None:
    project.applied()
    result = plan("--target", "clin*", "--replace", "standup", "--format", "json")
    data = json.loads(result.stdout)
    assert [(c["action"], c["name"]) for c in data["changes"]] == [
        ("replace", "standup"),
        ("no-op", "clinic"),
    ]
    assert data["changes"][0]["reasons"] == ["forced by --replace"]


def test_replace_of_an_unknown_room_is_an_error(project: Project) -> None:
    result = plan("--replace", "nope")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --replace nope: no room of that name in the files or the state\n"
    )


def test_the_sandbox_warns_about_recording(project: Project) -> None:
    project.estate = dataclasses.replace(
        project.estate, rooms=by_name(room("standup", recording=True))
    )
    result = plan()
    assert offline(result.stdout).splitlines()[0] == (
        "Warning: standup: recording is true, but the sandbox never records"
    )
    project.settings = dataclasses.replace(
        project.settings, api_environment="production"
    )
    assert "Warning" not in plan().stdout


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_a_state_file_tracked_by_git_is_warned_about(project: Project) -> None:
    project.applied()
    assert "Warning" not in plan().stdout  # not a repository
    git(project.root, "init", "-q")
    assert "Warning" not in plan().stdout  # untracked
    git(project.root, "add", "-f", STATE)
    assert offline(plan().stdout).splitlines()[0] == (
        "Warning: rooms.state.json is tracked by git, but it holds join links "
        "(bearer secrets): run `git rm --cached rooms.state.json` and add it to "
        ".gitignore"
    )


def test_refresh_is_on_when_the_key_is_set(project: Project) -> None:
    current = project.applied()
    project.drift = {"clinic": "deleted outside the provisioner"}
    result = plan(env={"KALEYRA_API_KEY": "ak_test_x"})
    assert [s.serial for s in project.refreshed] == [current.serial]
    assert "      deleted outside the provisioner (was " in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "Plan: 1 to create, 0 to replace, 0 to delete, 1 unchanged."
    )


@pytest.mark.parametrize(
    ("args", "env", "called"),
    [
        ([], {}, False),
        (["--no-refresh"], {"KALEYRA_API_KEY": "ak_test_x"}, False),
        (["--refresh"], {}, True),
    ],
)
def test_refresh_flag_and_default(
    project: Project, args: list[str], env: dict[str, str], called: bool
) -> None:
    plan(*args, env=env)
    assert bool(project.refreshed) is called
    assert bool(project.checked) is called


def test_with_refresh_the_users_are_checked_against_the_api(project: Project) -> None:
    project.estate = dataclasses.replace(
        project.estate, external_users=frozenset({"frontdesk"})
    )
    result = plan("--refresh")
    assert result.exit_code == 0
    [(checked, external)] = project.checked
    assert [c.name for c in checked.room_changes()] == ["clinic", "standup"]
    assert external == {"frontdesk"}


def test_running_rooms_are_not_replaced_without_force(project: Project) -> None:
    project.applied()
    project.running = frozenset({"standup"})
    project.estate = dataclasses.replace(
        project.estate, rooms={**ROOMS, "standup": room("standup", live=True)}
    )
    result = plan("--refresh")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: refusing to replace or delete 1 room with a call in progress "
        "(RUNNING): standup; wait for the call to end or pass --force\n"
    )
    assert plan("--refresh", "--force").exit_code == 0


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(
    tty: bool, env: dict[str, str], expected: bool
) -> None:
    assert plan_cmds.use_color(Stream(tty), env) is expected


def test_output_through_click_is_plain(project: Project) -> None:
    assert "\x1b" not in plan().stdout
