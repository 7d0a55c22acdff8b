"""`provisioner output`: the one command that prints join URLs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from statefixtures import DEFAULT_ROOMS, URL_MARKER, all_urls, known_url, write_state

import provisioner.cli.state_cmds  # noqa: F401  (registers the commands)
from provisioner.cli import cli

STATE = "state/rooms.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project directory whose provisioner.yaml puts the state at `STATE`."""
    (tmp_path / "provisioner.yaml").write_text(f"state: {STATE}\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_text_groups_links_by_room_with_aligned_users(project: Path) -> None:
    write_state(project / STATE)
    result = run("output")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "clinic-1",
        f"  alice   {known_url('clinic-1', 'alice')}",
        f"  dr.who  {known_url('clinic-1', 'dr.who')}",
        "support",
        f"  bob      {known_url('support', 'bob')}",
        f"  zed_ext  {known_url('support', 'zed_ext')}",
        "weekly-standup",
        f"  alice  {known_url('weekly-standup', 'alice')}",
        f"  bob    {known_url('weekly-standup', 'bob')}",
        f"  carol  {known_url('weekly-standup', 'carol')}",
    ]


def test_json_maps_room_to_user_to_url(project: Path) -> None:
    write_state(project / STATE)
    result = run("output", "--format", "json")
    assert json.loads(result.stdout) == {
        room: {user: known_url(room, user) for user in users}
        for room, users in DEFAULT_ROOMS.items()
    }


def test_csv_has_a_header_and_one_row_per_link(project: Path) -> None:
    state = write_state(project / STATE)
    result = run("output", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["room", "user", "url"]
    assert rows[1:] == sorted(
        [room, user, known_url(room, user)]
        for room, users in DEFAULT_ROOMS.items()
        for user in users
    )
    assert len(rows) - 1 == len(all_urls(state))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "text",
            "support\n"
            f"  bob      {known_url('support', 'bob')}\n"
            f"  zed_ext  {known_url('support', 'zed_ext')}\n",
        ),
        (
            "json",
            json.dumps(
                {
                    "support": {
                        "bob": known_url("support", "bob"),
                        "zed_ext": known_url("support", "zed_ext"),
                    }
                },
                indent=2,
            )
            + "\n",
        ),
        (
            "csv",
            "room,user,url\n"
            f"support,bob,{known_url('support', 'bob')}\n"
            f"support,zed_ext,{known_url('support', 'zed_ext')}\n",
        ),
    ],
)
def test_a_name_narrows_to_one_room(project: Path, fmt: str, expected: str) -> None:
    write_state(project / STATE)
    result = run("output", "support", "--format", fmt)
    assert (result.exit_code, result.stdout) == (0, expected)


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_an_unknown_name_is_an_error_without_any_link(project: Path, fmt: str) -> None:
    write_state(project / STATE)
    result = run("output", "nope", "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no room named 'nope' in the state\n"


@pytest.mark.parametrize(
    ("fmt", "expected"), [("text", ""), ("json", "{}\n"), ("csv", "room,user,url\n")]
)
def test_an_empty_state_gives_empty_output(
    project: Path, fmt: str, expected: str
) -> None:
    result = run("output", "--format", fmt)
    assert (result.exit_code, result.stdout) == (0, expected)
    # An empty answer alone looks like a broken command (or the wrong folder).
    assert result.stderr == (
        f"No rooms in the state ({STATE}): run provisioner apply first, "
        "or run this where provisioner.yaml is.\n"
    )


def test_values_that_need_quoting_are_quoted_in_csv(project: Path) -> None:
    write_state(project / STATE)
    state_file = project / STATE
    document = json.loads(state_file.read_text())
    document["rooms"]["support"]["urls"]["bob"] = 'https://x.test/a,b"c'
    state_file.write_text(json.dumps(document))
    rows = list(csv.reader(io.StringIO(run("output", "--format", "csv").stdout)))
    assert ["support", "bob", 'https://x.test/a,b"c'] in rows


@pytest.mark.parametrize(
    "args",
    [
        ("state", "list"),
        ("state", "list", "--format", "json"),
        ("state", "show", "weekly-standup"),
        ("state", "show", "nope"),
        ("state", "mv", "support", "helpdesk"),
        ("state", "rm", "clinic-1"),
        ("state", "rm", "nope"),
        ("force-unlock", "nope"),
        ("output", "nope"),
    ],
)
def test_no_other_state_command_prints_a_link(
    project: Path, args: tuple[str, ...]
) -> None:
    write_state(project / STATE)
    result = run(*args)
    assert URL_MARKER not in result.stdout
    assert URL_MARKER not in result.stderr
    assert URL_MARKER in (project / STATE).read_text()
