"""The state lock, exercised by real processes."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.state.local import LocalBackend
from provisioner.state.lock import FileLock, LockOwner

HOLDER = """
import sys, time
from pathlib import Path
from provisioner.state.local import LocalBackend
with LocalBackend(Path(sys.argv[1])).lock("apply", 0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""

CONTENDER = """
import json, sys, time
from pathlib import Path
from provisioner.errors import StateLockedError
from provisioner.state.local import LocalBackend
backend = LocalBackend(Path(sys.argv[1]))
start = time.monotonic()
try:
    with backend.lock("apply", float(sys.argv[2])):
        waited = time.monotonic() - start
        previous = backend.previous_holder
        print(json.dumps({"waited": waited, "previous": previous and previous.pid}))
except StateLockedError as exc:
    print(json.dumps({"waited": time.monotonic() - start, "error": str(exc)}))
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "rooms.state.json"


def _lock_file(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@pytest.fixture
def holder(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A real process holding the lock as `apply` for up to 30 s."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "30"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        yield process
        process.kill()


def _contend(path: Path, timeout: float) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", CONTENDER, str(path), str(timeout)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return dict(json.loads(result.stdout))


def test_a_second_process_fails_within_a_second_naming_the_holder(
    path: Path, holder: subprocess.Popen[str]
) -> None:
    result = _contend(path, 0)
    assert float(str(result["waited"])) < 1.0
    owner = json.loads(_lock_file(path).read_text())
    clock = owner["started"][11:19]  # 2026-01-05T10:02:11.123Z -> 10:02:11
    host = re.escape(socket.gethostname())
    assert re.fullmatch(
        f"state is locked by apply, pid {holder.pid} on {host}"
        rf" since (\d{{4}}-\d\d-\d\d )?{clock} UTC \(lock ID {owner['id']}\); "
        "wait for it, or retry with --lock-timeout",
        str(result["error"]),
    )


def test_a_second_process_waits_with_a_timeout_until_the_holder_releases(
    path: Path,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "0.7"],
        stdout=subprocess.PIPE,
        text=True,
    ) as short:
        assert short.stdout is not None
        assert short.stdout.readline().strip() == "held"
        result = _contend(path, 20)
        assert short.wait(timeout=10) == 0
    assert 0.2 < float(str(result["waited"])) < 10
    assert result["previous"] is None  # a clean release is not an interruption


def test_waiting_gives_up_at_the_timeout(
    path: Path, holder: subprocess.Popen[str]
) -> None:
    result = _contend(path, 0.3)
    assert 0.3 <= float(str(result["waited"])) < 1.5
    assert "; still locked after 0.3s: wait for it, or retry with a longer " in str(
        result["error"]
    )


def test_a_killed_holder_is_recovered_and_reported(
    path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    result = _contend(path, 0)
    assert result["previous"] == holder.pid
    assert float(str(result["waited"])) < 1.0
    assert _lock_file(path).read_text() == ""  # the recovering run released cleanly
    assert _contend(path, 0)["previous"] is None


def test_recovery_is_logged_for_the_command_line(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = LockOwner("abc", socket.gethostname(), 4242, "apply", "2026-01-05T10:02:11Z")
    _lock_file(path).write_text(json.dumps(dead.__dict__))
    backend = LocalBackend(path)
    with caplog.at_level(logging.WARNING), backend.lock("apply", 0):
        assert backend.previous_holder == dead
    assert caplog.messages == [
        "the previous apply, pid 4242, was interrupted; recovering"
    ]


def test_the_lock_is_released_on_an_exception_and_on_ctrl_c(path: Path) -> None:
    backend = LocalBackend(path)
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), backend.lock("apply", 0):
            raise exc
        assert _lock_file(path).read_text() == ""
        with backend.lock("apply", 0):
            assert backend.previous_holder is None


def test_the_lock_file_holds_the_owner_and_is_mode_0600(path: Path) -> None:
    backend = LocalBackend(path)
    with backend.lock("state rm", 0):
        owner = json.loads(_lock_file(path).read_text())
        assert stat.S_IMODE(_lock_file(path).stat().st_mode) == 0o600
    assert owner["command"] == "state rm"
    assert owner["pid"] == os.getpid()
    assert owner["host"] == socket.gethostname()
    assert sorted(owner) == ["command", "host", "id", "pid", "started"]
    assert owner["started"].endswith("Z")


def _remote_owner(path: Path) -> LockOwner:
    owner = LockOwner("id-123", "ci-runner-7", 4242, "apply", "2026-01-05T10:02:11Z")
    _lock_file(path).write_text(json.dumps(owner.__dict__))
    return owner


def test_a_holder_on_another_host_is_refused_until_force_unlocked(path: Path) -> None:
    _remote_owner(path)
    backend = LocalBackend(path)
    with pytest.raises(StateLockedError) as error, backend.lock("apply", 0):
        pass  # pragma: no cover - never entered
    assert str(error.value) == (
        "state is locked by apply, pid 4242 on ci-runner-7 since 2026-01-05 10:02:11 "
        "UTC (lock ID id-123); a holder on another host cannot be checked from "
        "here: if that run is gone, run `provisioner force-unlock id-123`"
    )
    assert json.loads(_lock_file(path).read_text())["id"] == "id-123"  # untouched
    assert backend.force_unlock("id-123").host == "ci-runner-7"
    with backend.lock("apply", 0):
        assert backend.previous_holder is None


def test_force_unlock_refuses_a_wrong_id_and_changes_nothing(path: Path) -> None:
    _remote_owner(path)
    before = _lock_file(path).read_bytes()
    with pytest.raises(StateError) as error:
        LocalBackend(path).force_unlock("id-999")
    assert str(error.value) == (
        "lock ID id-999 does not match the current holder, apply, pid 4242 on "
        "ci-runner-7 since 2026-01-05 10:02:11 UTC (lock ID id-123); "
        "nothing was changed"
    )
    assert _lock_file(path).read_bytes() == before


def test_force_unlock_cannot_break_a_live_os_lock(
    path: Path, holder: subprocess.Popen[str]
) -> None:
    owner = json.loads(_lock_file(path).read_text())
    with pytest.raises(StateError) as error:
        LocalBackend(path).force_unlock(owner["id"])
    assert str(error.value).startswith(
        f"the state lock is held by a live process: apply, pid {holder.pid} on "
    )
    assert str(error.value).endswith(
        f"(lock ID {owner['id']}); force-unlock cannot break an OS lock: stop that "
        "process or wait for it"
    )
    assert json.loads(_lock_file(path).read_text()) == owner


def test_force_unlock_of_an_unlocked_state_says_so(path: Path) -> None:
    with pytest.raises(StateError, match="the state is not locked"):
        LocalBackend(path).force_unlock("x")
    with LocalBackend(path).lock("apply", 0):
        pass
    with pytest.raises(StateError, match="the state is not locked"):
        FileLock(_lock_file(path)).force_unlock("x")


def test_unreadable_owner_information_is_recovered_with_a_warning(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _lock_file(path).write_text("{not json")
    backend = LocalBackend(path)
    with caplog.at_level(logging.WARNING), backend.lock("apply", 0):
        assert json.loads(_lock_file(path).read_text())["pid"] == os.getpid()
    assert caplog.messages == [
        "the lock file held unreadable owner information; recovering"
    ]
