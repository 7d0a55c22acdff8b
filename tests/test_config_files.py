"""Finding room files, in process: what is found, what is named, and why.

The CLI tests (test_reading_files.py) run these cases end to end, some as
nobody; these pin the walk itself, with permission errors simulated (root,
which runs CI, may read everything).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.config import files


def found(root: Path, *given: Path) -> tuple[list[str], list[str]]:
    result = files.room_files(root, root / "rooms", given, lambda p: str(p))
    shown = [str(path.relative_to(root)) for path in result.files]
    return shown, [
        f"{p.path.removeprefix(str(root) + '/')}: {p.message}" for p in result.problems
    ]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "rooms" / "team").mkdir(parents=True)
    for name in ("a.yaml", "b.yml", "notes.txt", ".hidden.yaml", "team/c.yaml"):
        (tmp_path / "rooms" / name).write_text("")
    (tmp_path / "rooms" / ".git").mkdir()
    (tmp_path / "rooms" / ".git" / "x.yaml").write_text("")
    return tmp_path


def test_room_files_in_every_folder_sorted_hidden_ones_skipped(root: Path) -> None:
    assert found(root) == (["rooms/a.yaml", "rooms/b.yml", "rooms/team/c.yaml"], [])


def test_a_file_reached_twice_is_read_once(root: Path) -> None:
    (root / "rooms" / "again.yaml").symlink_to("a.yaml")
    (root / "rooms" / "loop").symlink_to(".")
    given = [root / "rooms" / "team", root / "rooms" / "a.yaml"]
    files_found, problems = found(root, *given)
    assert files_found == ["rooms/a.yaml", "rooms/b.yml", "rooms/team/c.yaml"]
    assert problems == []


def test_links_leading_outside_are_named_and_not_followed(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "x.yaml").write_text("")
    (root / "rooms" / "leak.yaml").symlink_to(elsewhere / "x.yaml")
    (root / "rooms" / "shared").symlink_to(elsewhere)
    (root / "rooms" / "leak.txt").symlink_to(elsewhere / "x.yaml")  # not a room file
    outside = files.OUTSIDE.format(root=os.path.realpath(root))
    assert found(root)[1] == [
        f"rooms/leak.yaml: the room file {outside}",
        f"rooms/shared: the folder {outside}",
    ]
    assert found(root, elsewhere / "x.yaml")[1][-1] == (
        f"{elsewhere}/x.yaml: the room file {outside}"
    )


def test_what_is_not_a_readable_room_file_is_named(root: Path) -> None:
    os.mkfifo(root / "rooms" / "pipe.yaml")
    (root / "rooms" / "gone.yml").symlink_to("nowhere")
    (root / "rooms" / "gone.txt").symlink_to("nowhere")
    assert found(root)[1] == [
        "rooms/gone.yml: cannot read it: No such file or directory",
        "rooms/pipe.yaml: not a regular file; a room file must be one",
    ]


def test_a_missing_or_misplaced_rooms_folder_is_named(tmp_path: Path) -> None:
    assert found(tmp_path)[1] == [
        "rooms: rooms folder not found (set rooms: in provisioner.yaml)"
    ]
    (tmp_path / "rooms").write_text("")
    assert found(tmp_path)[1] == [
        "rooms: the rooms folder is not a folder (set rooms: in provisioner.yaml)"
    ]
    assert found(tmp_path, tmp_path / "rooms" / "x.yaml")[1][1] == (
        "rooms/x.yaml: cannot read it: a part of the path is a file, not a folder"
    )


@pytest.fixture
def denied(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Names whose folder listing or stat fails as for a user without rights."""
    names: set[str] = set()
    scandir, stat = os.scandir, os.stat

    def refuse(path: Any) -> None:
        if Path(path).name in names:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def fake_scandir(path: Any) -> Any:
        refuse(path)
        return scandir(path)

    def fake_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        refuse(Path(path).parent)
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "scandir", fake_scandir)
    monkeypatch.setattr(files.os, "stat", fake_stat)
    yield names


def test_a_folder_that_cannot_be_listed_is_named(root: Path, denied: set[str]) -> None:
    denied.add("team")
    assert found(root) == (
        ["rooms/a.yaml", "rooms/b.yml"],
        ["rooms/team: cannot read the folder: Permission denied"],
    )
    denied.add("rooms")
    assert found(root) == ([], ["rooms: cannot read the folder: Permission denied"])


def test_an_entry_that_cannot_be_looked_at_is_named(
    root: Path, denied: set[str]
) -> None:
    (root / "rooms" / "team" / "link.yaml").symlink_to("c.yaml")
    denied.add("team")  # stat below team fails; listing it fails too
    (root / "other").mkdir()
    (root / "other" / "x.yaml").write_text("")
    denied.add("other")
    assert found(root, root / "other" / "x.yaml")[1] == [
        "rooms/team: cannot read the folder: Permission denied",
        "other/x.yaml: cannot read it: Permission denied",
    ]
