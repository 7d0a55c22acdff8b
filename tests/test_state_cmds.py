"""`provisioner state list|show|rm|mv` and `force-unlock`, through click."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from statefixtures import (
    CREATED_AT,
    URL_MARKER,
    known_url,
    room_id_for,
    room_record,
    write_state,
)

import provisioner.cli.state_cmds  # noqa: F401  (registers the commands)
from provisioner.cli import cli
from provisioner.cli.options import parse_duration
from provisioner.state.document import PendingCreate, op_pending_add, op_room_put
from provisioner.state.local import LocalBackend

STATE = "state/rooms.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project directory whose provisioner.yaml puts the state at `STATE`."""
    (tmp_path / "provisioner.yaml").write_text(f"state: {STATE}\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _state(project: Path) -> LocalBackend:
    return LocalBackend(project / STATE)


def _add(project: Path, *ops: dict[str, object]) -> None:
    backend = _state(project)
    state = backend.read()
    backend.commit(state, list(ops))
    backend.close()


def _pending(name: str, replaces: str | None = None) -> dict[str, object]:
    return op_pending_add(
        PendingCreate(name, {"description": name}, "sha256:x", CREATED_AT, replaces)
    )


def test_list_prints_names_then_retiring_rooms_and_pending_creates(
    project: Path,
) -> None:
    write_state(project / STATE)
    _add(project, _pending("new-room"), _pending("support", replaces="room_support"))
    result = run("state", "list")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        "clinic-1",
        "support",
        "weekly-standup",
        "retiring: room_old1 (was weekly-standup, to be disabled)",
        f"pending create: new-room (since {CREATED_AT})",
        f"pending create: support (since {CREATED_AT}, replacing room_support)",
    ]


def test_list_as_json(project: Path) -> None:
    write_state(project / STATE)
    _add(project, _pending("new-room"))
    result = run("state", "list", "--format", "json")
    assert json.loads(result.stdout) == {
        "rooms": ["clinic-1", "support", "weekly-standup"],
        "retiring": [
            {
                "room_id": "room_old1",
                "name": "weekly-standup",
                "action": "disable",
                "since": CREATED_AT,
            }
        ],
        "pending": [{"name": "new-room", "started_at": CREATED_AT, "replaces": None}],
    }


def test_list_of_an_empty_state_prints_nothing(project: Path) -> None:
    result = run("state", "list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert [p.name for p in project.iterdir()] == ["provisioner.yaml"]


def test_show_prints_the_record_without_urls(project: Path) -> None:
    write_state(project / STATE)
    result = run("state", "show", "clinic-1")
    assert result.exit_code == 0
    record = room_record("clinic-1", ("alice", "dr.who"))
    request = json.dumps(record.request, indent=2, sort_keys=True).splitlines()
    assert result.stdout.splitlines() == [
        "name: clinic-1",
        f"room_id: {room_id_for('clinic-1')}",
        f"created_at: {CREATED_AT}",
        f"fingerprint: {record.fingerprint}",
        "prevent_destroy: false",
        "request:",
        *(f"  {line}" for line in request),
        "participants:",
        "  alice",
        "  dr.who",
    ]
    assert URL_MARKER not in result.stdout


def test_show_urls_prints_each_participants_link_when_asked(project: Path) -> None:
    write_state(project / STATE)
    result = run("state", "show", "clinic-1", "--show-urls")
    assert result.stdout.splitlines()[-2:] == [
        f"  alice   {known_url('clinic-1', 'alice')}",
        f"  dr.who  {known_url('clinic-1', 'dr.who')}",
    ]


@pytest.mark.parametrize("command", [("show",), ("rm",), ("mv", "{}", "new")])
def test_an_unknown_room_is_a_one_line_error(
    project: Path, command: tuple[str, ...]
) -> None:
    write_state(project / STATE)
    before = (project / STATE).read_bytes()
    args = [part.format("nope") for part in command]
    result = run("state", *args, *([] if "{}" in command else ["nope"]))
    assert result.exit_code == 1
    assert result.stderr == "Error: no room named 'nope' in the state\n"
    assert (project / STATE).read_bytes() == before


def test_a_name_with_only_a_pending_create_points_at_resolve(project: Path) -> None:
    _add(project, _pending("new-room"))
    result = run("state", "show", "new-room")
    assert result.stderr == (
        "Error: no room named 'new-room' in the state (new-room has a pending "
        "create: run apply, or `provisioner state resolve new-room --adopt ROOM_ID "
        "| --recreate`)\n"
    )


def test_rm_forgets_rooms_and_compacts(project: Path) -> None:
    write_state(project / STATE)
    result = run("state", "rm", "support", "clinic-1", "support")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"Removed clinic-1 ({room_id_for('clinic-1')}) from the state; "
        "the room still exists on Kaleyra.",
        f"Removed support ({room_id_for('support')}) from the state; "
        "the room still exists on Kaleyra.",
    ]
    document = json.loads((project / STATE).read_text())
    assert sorted(document["rooms"]) == ["weekly-standup"]
    assert document["serial"] == 2
    assert not (project / f"{STATE}.journal").exists()
    assert "support" in json.loads((project / f"{STATE}.backup").read_text())["rooms"]


def test_rm_of_several_names_changes_nothing_when_one_is_unknown(
    project: Path,
) -> None:
    write_state(project / STATE)
    result = run("state", "rm", "support", "nope")
    assert result.exit_code == 1
    assert sorted(_state(project).read().rooms) == [
        "clinic-1",
        "support",
        "weekly-standup",
    ]


@pytest.mark.parametrize("command", [("rm", "support"), ("mv", "support", "help")])
def test_rm_and_mv_refuse_a_room_with_a_pending_create(
    project: Path, command: tuple[str, ...]
) -> None:
    write_state(project / STATE)
    _add(project, _pending("support", replaces="room_support"))
    result = run("state", *command)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: support has a pending create (a replacement in progress): run "
        "apply to finish it first\n"
    )


def test_mv_renames_without_replacing(project: Path) -> None:
    write_state(project / STATE)
    before = _state(project).read().rooms["support"]
    result = run("state", "mv", "support", "helpdesk")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"Moved support to helpdesk ({room_id_for('support')}); "
        "its links are unchanged.",
        "Note: its description is still 'support': keep `description: support` "
        "in the room file of helpdesk, or the next plan will replace it.",
    ]
    rooms = _state(project).read().rooms
    assert "support" not in rooms
    assert rooms["helpdesk"] == before


def test_mv_says_nothing_more_when_the_description_was_explicit(
    project: Path,
) -> None:
    record = room_record("old-name", description="Front desk")
    _add(project, op_room_put("old-name", record))
    result = run("state", "mv", "old-name", "new-name")
    assert result.stdout == (
        f"Moved old-name to new-name ({record.room_id}); its links are unchanged.\n"
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Bad_Name", "'Bad_Name' is not a valid room name"),
        ("-dash", "'-dash' is not a valid room name"),
        ("clinic-1", "a room named 'clinic-1' is already in the state"),
    ],
)
def test_mv_refuses_a_bad_or_taken_new_name(
    project: Path, new: str, message: str
) -> None:
    write_state(project / STATE)
    before = (project / STATE).read_bytes()
    result = run("state", "mv", "--", "support", new)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert (project / STATE).read_bytes() == before


HOLD = """
import sys, time
from pathlib import Path
from provisioner.state.local import LocalBackend
with LocalBackend(Path(sys.argv[1])).lock("apply", 0):
    print("held", flush=True)
    time.sleep(30)
"""


@pytest.fixture
def locked(project: Path) -> Iterator[int]:
    """Another process holds the state lock; yields its pid."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project / STATE)],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        yield holder.pid
        holder.kill()


@pytest.mark.parametrize(
    ("extra", "tail"),
    [
        ((), "; wait for it, or retry with --lock-timeout\n"),
        (
            ("--lock-timeout", "0.2s"),
            "; still locked after 0.2s: wait for it, or retry with a longer "
            "--lock-timeout\n",
        ),
    ],
)
def test_rm_and_mv_take_the_lock(
    project: Path, locked: int, extra: tuple[str, ...], tail: str
) -> None:
    write_state(project / STATE)
    for command in (("rm", "support"), ("mv", "support", "helpdesk")):
        result = run("state", *command, *extra)
        assert result.exit_code == 1
        assert result.stderr.startswith(
            f"Error: state is locked by apply, pid {locked}"
        )
        assert result.stderr.endswith(tail)
    assert "support" in _state(project).read().rooms


def test_force_unlock_forgets_a_holder_on_another_host(project: Path) -> None:
    owner = {
        "id": "id-7",
        "host": "ci-runner-7",
        "pid": 4242,
        "command": "apply",
        "started": "2026-01-05T10:02:11.000Z",
    }
    (project / STATE).parent.mkdir()
    (project / f"{STATE}.lock").write_text(json.dumps(owner))
    write_state(project / STATE)
    refused = run("state", "rm", "support")
    assert "run `provisioner force-unlock id-7`" in refused.stderr
    wrong = run("force-unlock", "id-8")
    assert (wrong.exit_code, wrong.stderr[:40]) == (
        1,
        "Error: lock ID id-8 does not match the c",
    )
    result = run("force-unlock", "id-7")
    assert result.exit_code == 0
    assert result.stdout == (
        "Unlocked the state: forgot apply, pid 4242 on ci-runner-7 since "
        "2026-01-05 10:02:11 UTC (lock ID id-7). Run plan before apply: that run "
        "may have changed rooms.\n"
    )
    assert run("state", "rm", "support").exit_code == 0


def test_a_corrupt_state_is_a_one_line_error_for_every_command(
    project: Path,
) -> None:
    (project / STATE).parent.mkdir()
    (project / STATE).write_text('{"version": 1, "rooms": {')
    for args in (("state", "list"), ("state", "show", "x"), ("output",)):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stderr.startswith(
            f"Error: {STATE}: the state file is not valid JSON (truncated?)"
        )
        assert result.stderr.count("\n") == 1
    assert (project / STATE).read_text() == '{"version": 1, "rooms": {'


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("0s", 0.0),
        ("30s", 30.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1.5", 1.5),
    ],
)
def test_lock_timeouts_read_as_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_bad_lock_timeout_is_a_usage_error(project: Path) -> None:
    result = run("state", "rm", "x", "--lock-timeout", "soon")
    assert result.exit_code == 1
    assert (
        "Invalid value for '--lock-timeout': 'soon' is not a duration (use e.g. 0s, "
        "30s, 2m or plain seconds)"
    ) in result.stderr
