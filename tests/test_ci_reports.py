"""validate --format github | codequality: problems where each platform shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from estatefiles import write

from provisioner.ci.reports import (
    codequality,
    escape_data,
    escape_property,
    github_commands,
    github_summary,
)
from provisioner.cli import cli
from provisioner.errors import Problem

pytestmark = pytest.mark.usefixtures("no_ci_environment")
USERS = "users:\n  alice: {role: plus}\n  bob: {role: basic}\n"
ROOM = "    participants: [{user_id: alice}, {user_id: bob}]\n"
BROKEN = {
    "rooms/a.yaml": USERS + "rooms:\n  x:\n    recording: maybe\n"
    "    live: maybe\n" + ROOM,
    "rooms/b.yaml": "rooms:\n  z:\n    live: 2\n" + ROOM,
}


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
        ("x::error::y", "x::error::y", "x%3A%3Aerror%3A%3Ay"),
        ("a,b", "a,b", "a%2Cb"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_workflow_command_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_a_hostile_file_name_and_message_stay_in_their_command() -> None:
    problem = Problem("rooms/a,line=1::x.yaml", 3, 5, "bad\n::error::forged 100%")
    [line] = github_commands([problem], []).splitlines()
    assert line == (
        "::error file=rooms/a%2Cline=1%3A%3Ax.yaml,line=3,col=5,"
        "title=provisioner validate::bad%0A::error::forged 100%25"
    )


def test_validate_format_github_annotates_and_fills_the_summary(
    estate_dir: Path,
) -> None:
    write(estate_dir, BROKEN)
    summary = estate_dir / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner().invoke(cli, ["validate", "--format", "github"], env=env)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=rooms/a.yaml,line=6,col=16,title=provisioner validate::"
        "rooms.x.recording: expected true or false, got 'maybe'",
        "::error file=rooms/a.yaml,line=7,col=11,title=provisioner validate::"
        "rooms.x.live: expected true or false, got 'maybe'",
        "::error file=rooms/b.yaml,line=3,col=11,title=provisioner validate::"
        "rooms.z.live: expected true or false, got 2",
    ]
    text = summary.read_text()
    assert text.startswith("earlier step\n### ❌ provisioner validate: 3 problem(s)")
    assert "| ❌ | rooms/b.yaml | 3 | 11 | rooms.z.live: expected true or false" in text


def test_validate_format_github_when_valid(estate_dir: Path) -> None:
    write(estate_dir, {"rooms/a.yaml": USERS + "rooms:\n  x:\n" + ROOM})
    result = CliRunner().invoke(cli, ["validate", "--format", "github"], env={})
    assert result.exit_code == 0
    assert result.stdout == (
        "Valid: 1 file, 1 room, 2 managed users, 0 external users.\n"
    )


def test_the_summary_lists_more_than_github_s_ten_annotations() -> None:
    problems = [Problem("rooms/a.yaml", n, 1, f"problem {n} |x|") for n in range(25)]
    summary = github_summary(problems, [])
    assert summary.count("| ❌ |") == 25
    assert "problem 7 &#124;x&#124;" in summary  # a | in a message keeps the table


def test_warnings_are_warnings() -> None:
    warning = Problem("provisioner.yaml", 1, 1, "the state file is tracked by git")
    assert github_commands([], [warning]).startswith("::warning file=provisioner.yaml")
    assert "valid, with warnings" in github_summary([], [warning])


def test_validate_format_codequality(estate_dir: Path) -> None:
    write(estate_dir, BROKEN)
    result = CliRunner().invoke(cli, ["validate", "--format", "codequality"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report[0] == {
        "description": "rooms.x.recording: expected true or false, got 'maybe'",
        "check_name": "provisioner-validate",
        "fingerprint": report[0]["fingerprint"],
        "severity": "major",
        "location": {"path": "rooms/a.yaml", "lines": {"begin": 6}},
    }
    assert [issue["location"]["lines"]["begin"] for issue in report] == [6, 7, 3]
    assert len({issue["fingerprint"] for issue in report}) == 3


def test_codequality_fingerprints_survive_a_moved_line_but_not_a_repeat() -> None:
    before = json.loads(codequality([Problem("a.yaml", 3, 1, "m")], []))
    after = json.loads(codequality([Problem("a.yaml", 9, 1, "m")], []))
    assert before[0]["fingerprint"] == after[0]["fingerprint"]
    twice = json.loads(codequality([Problem("a.yaml", 3, 1, "m")] * 2, []))
    assert twice[0]["fingerprint"] != twice[1]["fingerprint"]
    warned = json.loads(codequality([], [Problem("a.yaml", 1, 1, "m")]))
    assert warned[0]["severity"] == "minor"
    assert json.loads(codequality([], [])) == []
