"""Never act on what could not be read: every room file is read or its path named.

An unreadable folder, an unreadable `rooms/`, a link that leads outside the
project: each is an error naming the path, never a skip (a plan made from part
of the estate deletes the rest). Nothing outside the project is ever opened,
so none of it can appear in a message. Unreadable files need a user other than
root: those tests run the CLI as nobody (see nobodykit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2ekit import FAST_ENV, USERS, live_rooms, text_of
from nobodykit import hand_to_nobody, run_as_nobody

SECRET = "root:x:0:0:the-first-line-of-a-file-outside"


def room_file(*names: str, users: bool = False) -> str:
    """A valid room file: `names`, each with alice (plus) and bob."""
    document: dict[str, Any] = {"users": dict(USERS)} if users else {}
    document["rooms"] = {
        name: {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
        for name in names
    }
    return yaml.safe_dump(document, sort_keys=True)


def project(root: Path, files: dict[str, str], settings: str = "") -> Path:
    (root / "provisioner.yaml").write_text(
        "rooms: rooms/\nstate: rooms.state.json\n" + settings
    )
    (root / "rooms").mkdir(exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def estate(root: Path) -> Path:
    """Eight rooms: users and two in rooms/, three each in two team folders."""
    return project(
        root,
        {
            "rooms/main.yaml": room_file("lobby", "desk", users=True),
            "rooms/team-a/rooms.yaml": room_file("a1", "a2", "a3"),
            "rooms/team-b/rooms.yaml": room_file("b1", "b2", "b3"),
        },
    )


def cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **FAST_ENV, **env},
        timeout=60,
        check=False,
    )


# --- unreadable files and folders (as nobody: root reads everything) --------


def test_an_unreadable_folder_is_an_error_not_a_smaller_estate(
    shared_folder: Path,
) -> None:
    root = estate(shared_folder)
    assert "Valid: 3 files, 8 rooms" in run_as_nobody(root, "validate").stdout
    hand_to_nobody(root)
    (root / "rooms/team-b").chmod(0)
    result = run_as_nobody(root, "validate")
    assert result.returncode == 1, text_of(result)
    assert result.stdout == (
        "rooms/team-b:1:1: cannot read the folder: Permission denied\n"
    )
    assert "Valid" not in result.stdout + result.stderr


def test_an_unreadable_rooms_folder_is_an_error_not_an_empty_estate(
    shared_folder: Path,
) -> None:
    root = estate(shared_folder)
    hand_to_nobody(root)
    (root / "rooms").chmod(0)
    result = run_as_nobody(root, "validate")
    assert result.returncode == 1, text_of(result)
    assert result.stdout == "rooms:1:1: cannot read the folder: Permission denied\n"
    plan = run_as_nobody(root, "plan", "--no-refresh")
    assert plan.returncode == 1, text_of(plan)
    assert "rooms:1:1: cannot read the folder: Permission denied" in plan.stderr
    assert "Plan:" not in plan.stdout


def test_an_unreadable_room_file_is_named(shared_folder: Path) -> None:
    root = estate(shared_folder)
    hand_to_nobody(root)
    (root / "rooms/team-a/rooms.yaml").chmod(0)
    result = run_as_nobody(root, "validate")
    assert result.returncode == 1, text_of(result)
    assert result.stdout == (
        "rooms/team-a/rooms.yaml:1:1: cannot read the file: Permission denied\n"
    )


def test_a_reading_problem_is_reported_whatever_paths_narrow_the_report(
    shared_folder: Path,
) -> None:
    root = estate(shared_folder)
    hand_to_nobody(root)
    (root / "rooms/team-b").chmod(0)
    result = run_as_nobody(root, "validate", "rooms/team-a/rooms.yaml")
    assert result.returncode == 1, text_of(result)
    assert "rooms/team-b:1:1: cannot read the folder" in result.stdout


@pytest.mark.e2e
def test_apply_never_deletes_the_rooms_of_a_folder_it_could_not_read(
    shared_folder: Path, emulator: Any
) -> None:
    root = estate(shared_folder)
    hand_to_nobody(root)
    env = {**FAST_ENV, **emulator.env}
    first = run_as_nobody(root, "apply", "--auto-approve", env=env)
    assert first.returncode == 0, text_of(first)
    assert len(live_rooms(emulator)) == 8
    before = emulator.stats()["total_requests"]
    (root / "rooms/team-b").chmod(0)
    # 3 of 8 would be over the 25% delete limit: allow deletes, as a hurried
    # user would, to show that the files' reading alone stops it.
    result = run_as_nobody(root, "apply", "--auto-approve", "--allow-deletes", env=env)
    assert result.returncode == 1, text_of(result)
    assert "rooms/team-b:1:1: cannot read the folder: Permission denied" in (
        result.stderr
    )
    assert "nothing was changed" in result.stderr
    assert emulator.stats()["total_requests"] == before  # not even a read
    assert len(live_rooms(emulator)) == 8


# --- nothing outside the project root --------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, holding a file the project must not read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text(f"{SECRET}: 1\nx: [\n")
    (folder / "more.yaml").write_text(f"{SECRET}: 2\n")
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return project(folder, {"rooms/main.yaml": room_file("lobby", users=True)})


def refused(root: Path, *args: str) -> str:
    """What `args` printed, checked to be an error holding nothing from outside."""
    result = cli(root, *args)
    assert result.returncode == 1, text_of(result)
    output = result.stdout + result.stderr
    assert SECRET not in output
    assert "Traceback" not in output
    return output


def test_a_link_to_a_file_outside_the_project_is_refused_unread(
    root: Path, outside: Path
) -> None:
    (root / "rooms/leak.yaml").symlink_to(outside / "secret.yaml")
    output = refused(root, "validate")
    real_root = os.path.realpath(root)
    assert output.splitlines()[0] == (
        f"rooms/leak.yaml:1:1: the room file resolves outside the project folder "
        f"{real_root}; refusing to read it"
    )
    assert "rooms/leak.yaml:1:1" in refused(root, "plan", "--no-refresh")
    assert SECRET not in json.dumps(refused(root, "validate", "--format", "json"))


def test_a_link_outside_is_never_even_opened(root: Path, outside: Path) -> None:
    # Opening a FIFO for reading waits for a writer: the run would hang.
    os.mkfifo(outside / "pipe.yaml")
    (root / "rooms/pipe.yaml").symlink_to(outside / "pipe.yaml")
    assert "rooms/pipe.yaml:1:1: the room file resolves outside" in refused(
        root, "validate"
    )


def test_a_link_to_a_folder_outside_the_project_is_refused(
    root: Path, outside: Path
) -> None:
    (root / "rooms/shared").symlink_to(outside)
    output = refused(root, "validate")
    assert "rooms/shared:1:1: the folder resolves outside the project folder" in (
        output
    )


def test_a_rooms_setting_outside_the_project_is_refused(
    root: Path, outside: Path
) -> None:
    (root / "provisioner.yaml").write_text("rooms: ../outside\n")
    output = refused(root, "validate")
    assert "../outside:1:1: the folder resolves outside the project folder" in output


def test_a_path_given_outside_the_project_is_refused(root: Path, outside: Path) -> None:
    output = refused(root, "validate", str(outside / "secret.yaml"))
    assert "secret.yaml:1:1: the room file resolves outside the project" in output


def test_a_settings_file_linked_outside_the_project_is_refused(
    root: Path, outside: Path
) -> None:
    (root / "provisioner.yaml").unlink()
    (root / "provisioner.yaml").symlink_to(outside / "more.yaml")
    output = refused(root, "validate")
    assert "provisioner.yaml:1:1: the settings file resolves outside the project" in (
        output
    )


def test_links_inside_the_project_are_followed(root: Path) -> None:
    common = root / "common"
    common.mkdir()
    (common / "desk.yaml").write_text(room_file("desk"))
    (root / "rooms/desk.yaml").symlink_to("../common/desk.yaml")
    (root / "rooms/again").symlink_to("../rooms")  # a loop: walked once
    result = cli(root, "validate")
    assert result.returncode == 0, text_of(result)
    assert "Valid: 2 files, 2 rooms" in result.stdout


def test_a_fifo_or_a_broken_link_is_named_not_waited_on(root: Path) -> None:
    os.mkfifo(root / "rooms/pipe.yaml")
    (root / "rooms/gone.yaml").symlink_to("nowhere.yaml")
    (root / "rooms/notes.txt").symlink_to("nowhere.txt")  # not a room file
    output = refused(root, "validate")
    assert output.splitlines()[:2] == [
        "rooms/gone.yaml:1:1: cannot read it: No such file or directory",
        "rooms/pipe.yaml:1:1: not a regular file; a room file must be one",
    ]


def test_a_rooms_setting_that_names_a_file_is_refused(root: Path) -> None:
    (root / "provisioner.yaml").write_text("rooms: rooms/main.yaml\n")
    output = refused(root, "validate")
    assert output.splitlines()[0] == (
        "rooms/main.yaml:1:1: the rooms folder is not a folder "
        "(set rooms: in provisioner.yaml)"
    )


@pytest.mark.parametrize("args", [(), ("rooms/leak.yaml",), ("rooms",)])
def test_fmt_never_touches_a_file_outside_the_project(
    root: Path, outside: Path, args: tuple[str, ...]
) -> None:
    (outside / "messy.yaml").write_text("rooms:   {}\n")
    (root / "rooms/leak.yaml").symlink_to(outside / "messy.yaml")
    output = refused(root, "fmt", *args)
    assert "rooms/leak.yaml:1:1: the room file resolves outside the project" in output
    assert (outside / "messy.yaml").read_text() == "rooms:   {}\n"
