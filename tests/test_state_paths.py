"""A `state:` path the file system refuses: one line naming the real cause.

A parent that is a file, a folder this user may not write or enter, a state
file it may not read, a folder where the file should be: each one is a single
`Error:` line that says which part is at fault, never a traceback, and apply
refuses before it changes anything. Permissions need a user other than root:
those tests run the CLI as nobody (see nobodykit).
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2ekit import FAST_ENV, Project, text_of
from nobodykit import run_as_nobody

from provisioner.errors import StateError
from provisioner.state import files
from provisioner.state.local import LocalBackend


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The run's only stderr line, checked to be an error and no traceback."""
    assert result.returncode == 1, text_of(result)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


# --- a parent that is a file ------------------------------------------------


def test_a_parent_that_is_a_file_is_named_when_reading_and_locking(
    tmp_path: Path,
) -> None:
    (tmp_path / "afile").write_text("")
    path = tmp_path / "afile" / "rooms.state.json"
    with pytest.raises(StateError) as reading:
        LocalBackend(path).read()
    assert (
        str(reading.value)
        == f"{path}: cannot read: {path.parent} is a file, not a folder"
    )
    with pytest.raises(StateError) as locking, LocalBackend(path).lock("apply", 0):
        pass
    assert str(locking.value) == (
        f"{path}: cannot write the state here: {path.parent} is a file, not a folder"
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("plan",),
        ("apply", "--auto-approve"),
        ("state", "list"),
        ("output",),
        ("import", "standup", "room_x"),
    ],
)
def test_every_command_names_a_state_parent_that_is_a_file(
    tmp_path: Path, emulator: Any, command: tuple[str, ...]
) -> None:
    project = Project(tmp_path, emulator, "")
    (tmp_path / "provisioner.yaml").write_text(
        "rooms: rooms/\nstate: afile/rooms.state.json\n"
    )
    (tmp_path / "afile").write_text("not a folder\n")
    project.write_rooms({"standup": ["alice", "bob"]})
    result = project.cli(*command)
    assert result.returncode == 1, text_of(result)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "provisioner.yaml:2:8: state: afile is a file, not a folder" in output
    assert emulator.stats()["total_requests"] == 0


def test_a_state_path_that_is_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "rooms.state.json").mkdir()
    with pytest.raises(StateError) as error:
        LocalBackend(tmp_path / "rooms.state.json").read()
    assert str(error.value).endswith(": cannot read: it is a folder, not a file")


# --- permissions (as nobody: root may do anything) --------------------------


def nobody_project(root: Path, state: str = "rooms.state.json") -> Path:
    (root / "provisioner.yaml").write_text(f"rooms: rooms/\nstate: {state}\n")
    (root / "rooms").mkdir()
    (root / "rooms" / "estate.yaml").write_text(
        "users: {alice: {role: plus}, bob: {role: basic}}\n"
        "rooms:\n  standup:\n"
        "    participants: [{user_id: alice}, {user_id: bob}]\n"
    )
    return root


@pytest.mark.e2e
def test_apply_refuses_an_unwritable_state_folder_before_any_change(
    shared_folder: Path, emulator: Any
) -> None:
    root = nobody_project(shared_folder)  # root's folder: nobody may read it only
    env = {**FAST_ENV, **emulator.env}
    line = one_error_line(run_as_nobody(root, "apply", "--auto-approve", env=env))
    assert line == (
        f"Error: rooms.state.json: cannot write the state here: the folder "
        f"{os.path.realpath(root)} is not writable by this user "
        "(or is on a read-only file system)"
    )
    assert emulator.stats()["total_requests"] == 0
    plan = run_as_nobody(root, "plan", "--no-refresh")  # plan writes nothing
    assert plan.returncode == 0, text_of(plan)


def test_a_state_file_this_user_may_not_read_is_named(shared_folder: Path) -> None:
    root = nobody_project(shared_folder)
    state = root / "rooms.state.json"
    state.write_text("{}")
    state.chmod(0o600)  # root's, and the state holds bearer links
    line = one_error_line(run_as_nobody(root, "plan", "--no-refresh"))
    assert line == (
        "Error: rooms.state.json: cannot read: permission denied: "
        "this user may not read rooms.state.json"
    )


def test_a_state_folder_this_user_may_not_enter_is_named(shared_folder: Path) -> None:
    root = nobody_project(shared_folder, state="private/rooms.state.json")
    (root / "private").mkdir(mode=0o700)
    for command in (("state", "list"), ("state", "lock-info")):
        line = one_error_line(run_as_nobody(root, *command))
        assert line.startswith("Error: private/rooms.state.json"), command
        assert line.endswith(
            ": permission denied: this user cannot enter the folder private"
        ), command


# --- the words, in process (root may do anything: access is simulated) -----


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> dict[Path, int]:
    """Paths and the access modes this (simulated) user is refused on them."""
    rules: dict[Path, int] = {}
    real_access = os.access

    def access(path: Any, mode: int) -> bool:
        if rules.get(Path(path), 0) & mode:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(files.os, "access", access)
    return rules


def denied(path: Path, *, writing: bool = False) -> str:
    error = PermissionError(errno.EACCES, "Permission denied")
    return files.cause(path, error, writing=writing)


def test_a_refusal_names_the_folder_or_file_at_fault(
    tmp_path: Path, refused: dict[Path, int]
) -> None:
    state = tmp_path / "private" / "rooms.state.json"
    state.parent.mkdir()
    refused[state.parent] = os.X_OK
    assert denied(state) == (
        f"permission denied: this user cannot enter the folder {state.parent}"
    )
    del refused[state.parent]
    state.write_text("{}")
    refused[state] = os.R_OK | os.W_OK
    assert denied(state) == f"permission denied: this user may not read {state}"
    assert denied(state, writing=True) == (
        f"permission denied: this user may not write {state}"
    )
    refused[state.parent] = os.W_OK
    assert denied(state.with_name("new.json"), writing=True) == (
        f"permission denied: the folder {state.parent} is not writable by this "
        "user (or is on a read-only file system)"
    )
    assert denied(state.with_name("new.json")) == "permission denied"


def test_other_refusals_keep_the_systems_words(tmp_path: Path) -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    assert files.cause(tmp_path / "x", full) == "no space left on device"
    assert files.cause(tmp_path / "x", OSError(errno.ENOTDIR, "?")) == "?"
    assert files.failure(tmp_path / "x", "write", full, at=tmp_path / "x.tmp").args == (
        f"{tmp_path}/x: cannot write: no space left on device",
    )
