"""`provisioner validate`: exit codes, output formats, PATH narrowing, end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from estatefiles import write

import provisioner.cli.config_cmds  # noqa: F401  (registers the commands)
from provisioner.cli import cli

REPO = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "validate"
USERS = "users:\n  alice: {role: plus}\n  bob: {role: basic}\n"
ROOM = "    participants: [{user_id: alice}, {user_id: bob}]\n"


def test_example_estate_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Valid: 3 files, 8 rooms, 7 managed users, 1 external user.\n"
    )


def test_valid_estate_as_json_is_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_every_problem_is_listed_sorted_by_file_line_col(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/b.yaml": "rooms:\n  z:\n    live: 2\n" + ROOM,
            "rooms/a.yaml": USERS + "rooms:\n  x:\n    recording: maybe\n"
            "    live: maybe\n" + ROOM,
        },
    )
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "rooms/a.yaml:6:16: rooms.x.recording: expected true or false, got 'maybe'",
        "rooms/a.yaml:7:11: rooms.x.live: expected true or false, got 'maybe'",
        "rooms/b.yaml:3:11: rooms.z.live: expected true or false, got 2",
    ]
    assert result.stderr == "3 problems in 2 files.\n"


def test_paths_narrow_the_report_to_their_files(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/a.yaml": USERS + "rooms:\n  x:\n    live: maybe\n" + ROOM,
            "rooms/b.yaml": "rooms:\n  z:\n    live: 2\n" + ROOM,
        },
    )
    result = CliRunner().invoke(cli, ["validate", "rooms/b.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "rooms/b.yaml:3:11: rooms.z.live: expected true or false, got 2"
    ]


def test_a_clean_path_passes_while_others_are_broken(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/users.yaml": USERS,
            "rooms/a.yaml": "rooms:\n  x:\n" + ROOM,
            "rooms/b.yaml": "rooms:\n  z:\n    live: 2\n" + ROOM,
        },
    )
    result = CliRunner().invoke(cli, ["validate", "rooms/a.yaml"])
    assert result.exit_code == 0, result.output


def test_settings_problems_are_reported_with_the_rooms(estate_dir: Path) -> None:
    write(
        estate_dir,
        {"provisioner.yaml": "on_replace: keep\n", "rooms/a.yaml": "rooms:\n  x: 1\n"},
    )
    result = CliRunner().invoke(cli, ["validate"])
    assert result.stdout.splitlines() == [
        "provisioner.yaml:1:13: on_replace: expected disable or delete, got 'keep'",
        "rooms/a.yaml:2:6: rooms.x: expected a mapping, got 1",
    ]
    only_settings = CliRunner().invoke(cli, ["validate", "provisioner.yaml"])
    assert only_settings.stdout.splitlines() == result.stdout.splitlines()[:1]


def test_missing_path_is_an_error(estate_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "nope.yaml"])
    assert result.exit_code == 1
    assert result.stderr == "Error: nope.yaml: no such file or folder\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_tracked_state_is_a_warning_not_a_failure(estate_dir: Path) -> None:
    write(estate_dir, {"rooms/a.yaml": "", "rooms.state.json": "{}"})
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "add", "-f", "rooms.state.json"], check=True)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: rooms.state.json is tracked by git")
    assert result.stdout.startswith("Valid: ")
    as_json = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert as_json.exit_code == 0
    [warning] = json.loads(as_json.stdout)
    assert (warning["file"], warning["severity"]) == ("rooms.state.json", "warning")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_end_to_end_valid_example_estate() -> None:
    result = run_cli("validate", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Valid: 3 files, 8 rooms")


def test_end_to_end_invalid_estate_reports_and_exits_1() -> None:
    result = run_cli("validate", cwd=FIXTURES / "unknown-user")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "rooms/a.yaml:6:48: rooms.standup.participants[1].user_id: unknown user "
        "'bobby': declare it under users or list it in external_users "
        "(did you mean 'bob'?)"
    ]
    assert result.stderr == "1 problem in 1 file.\n"


def test_end_to_end_json_and_bad_format() -> None:
    result = run_cli("validate", "--format", "json", cwd=FIXTURES / "bad-enum")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert problem == {
        "file": "rooms/a.yaml",
        "line": 6,
        "col": 16,
        "message": "rooms.standup.call_type: expected audio_only, "
        "audio_upgradable or audio_video, got 'video'",
        "severity": "error",
    }
    usage = run_cli("validate", "--format", "xml", cwd=REPO)
    assert usage.returncode == 1
    assert "Traceback" not in usage.stderr


def test_benchmark_estate_is_valid(tmp_path: Path) -> None:
    generator = REPO / "benchmarks" / "gen_rooms.py"
    made = subprocess.run(
        [sys.executable, str(generator), str(tmp_path), "--rooms", "250"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert made.stdout == f"wrote 250 rooms in 4 files under {tmp_path}\n"
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("Valid: 4 files, 250 rooms, 24 managed users")
