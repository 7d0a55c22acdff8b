"""The state commands as a user runs them: real processes, real lock contention."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from statefixtures import URL_MARKER, known_url, write_state

from provisioner.state.local import LocalBackend

STATE = "state/rooms.json"

HOLD = """
import sys, time
from pathlib import Path
from provisioner.state.local import LocalBackend
with LocalBackend(Path(sys.argv[1])).lock("apply", 0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "provisioner.yaml").write_text(f"state: {STATE}\n")
    write_state(tmp_path / STATE)
    return tmp_path


def provisioner(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def holder(
    project: Path, request: pytest.FixtureRequest
) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the lock as `apply` (for `param` seconds, 30 default)."""
    seconds = str(getattr(request, "param", 30))
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project / STATE), seconds],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        yield process
        process.send_signal(signal.SIGKILL)


def test_read_commands_print_from_the_configured_state(project: Path) -> None:
    listed = provisioner(project, "state", "list")
    assert listed.stdout.splitlines()[:3] == ["clinic-1", "support", "weekly-standup"]
    shown = provisioner(project, "state", "show", "support")
    assert (shown.returncode, URL_MARKER in shown.stdout) == (0, False)
    csv = provisioner(project, "output", "support", "--format", "csv")
    assert csv.stdout == (
        "room,user,url\n"
        f"support,bob,{known_url('support', 'bob')}\n"
        f"support,zed_ext,{known_url('support', 'zed_ext')}\n"
    )


def test_an_unknown_room_is_one_line_and_exit_1(project: Path) -> None:
    result = provisioner(project, "output", "nope")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "Error: no room named 'nope' in the state\n"


def test_a_locked_state_fails_at_once_naming_the_holder(
    project: Path, holder: subprocess.Popen[str]
) -> None:
    started = time.monotonic()
    result = provisioner(project, "state", "rm", "support")
    assert time.monotonic() - started < 5  # interpreter start-up included
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: state is locked by apply, pid {holder.pid} on "
    )
    assert result.stderr.endswith("; wait for it, or retry with --lock-timeout\n")
    assert "support" in LocalBackend(project / STATE).read().rooms


@pytest.mark.parametrize("holder", [1.0], indirect=True)
def test_lock_timeout_waits_for_the_holder(
    project: Path, holder: subprocess.Popen[str]
) -> None:
    result = provisioner(
        project, "state", "mv", "support", "helpdesk", "--lock-timeout", "30s"
    )
    assert result.returncode == 0, result.stderr
    assert "helpdesk" in LocalBackend(project / STATE).read().rooms


def test_a_killed_holder_is_reported_and_the_command_proceeds(
    project: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    result = provisioner(project, "state", "rm", "support")
    assert result.returncode == 0, result.stderr
    message = f"the previous apply, pid {holder.pid}, was interrupted; recovering"
    # Worded like the CLI's other warnings, without the logger's name.
    assert f"Warning: {message}\n" in result.stderr.splitlines(keepends=True)
    assert "support" not in LocalBackend(project / STATE).read().rooms
