"""Finding the room files: every folder read or reported, nothing outside the root.

A folder that cannot be listed, an entry that cannot be looked at, a room file
that is not a regular file, or a room file or folder that resolves outside the
project root (through a symbolic link, or `rooms: ../elsewhere`): each one is
a problem naming the path, never a silent skip. A plan made from part of the
estate would delete the rest. Nothing outside the root is ever opened, so no
byte of it can appear in a message (a pull request may add such a link, and
its plan comment is public).

Hidden entries (a leading dot: `.git`, editors' files) are skipped on purpose.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.errors import Problem

ROOM_FILE_SUFFIXES = (".yaml", ".yml")
SET_ROOMS = "set rooms: in provisioner.yaml"
OUTSIDE = "resolves outside the project folder {root}; refusing to read it"


def real(path: Path) -> Path:
    """`path` with every link followed; a loop or a missing part is left as is."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path` resolves to `root` or below it (`root` already resolved)."""
    return real(path).is_relative_to(root)


def not_a_folder(path: Path) -> Path | None:
    """The first of `path`'s folders that exists as something else (a file)."""
    for folder in reversed(path.parents):
        if os.path.lexists(folder) and not os.path.isdir(folder):
            return folder
    return None


@dataclass
class Found:
    """The room files found (as reached, once each) and what could not be read."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Walk:
    root: Path
    shown: Callable[[Path], str]
    found: Found = field(default_factory=Found)
    seen: set[Path] = field(default_factory=set)

    def problem(self, path: Path, message: str) -> None:
        self.found.problems.append(Problem(self.shown(path), 1, 1, message))

    def outside(self, path: Path, what: str) -> None:
        self.problem(path, f"{what} {OUTSIDE.format(root=self.root)}")

    def folder(self, path: Path, resolved: Path | None = None) -> None:
        resolved = resolved or real(path)
        if resolved in self.seen:
            return  # reached twice (a link to a folder already walked, a loop)
        self.seen.add(resolved)
        try:
            with os.scandir(path) as listing:
                entries = sorted((e.name, e) for e in listing if e.name[0] != ".")
        except OSError as exc:
            self.problem(path, f"cannot read the folder: {_reason(exc)}")
            return
        for name, entry in entries:
            self.listed(path / name, resolved / name, entry)

    def listed(self, path: Path, resolved: Path, entry: os.DirEntry[str]) -> None:
        """An entry of a folder walked: the common cases without a system call.

        Only a link can lead elsewhere: a plain entry of a folder inside the
        root is inside it, and its real path is its folder's plus its name.
        """
        try:
            if entry.is_symlink():
                self.entry(path)
            elif entry.is_dir(follow_symlinks=False):
                self.folder(path, resolved)
            elif path.name.endswith(ROOM_FILE_SUFFIXES):
                plain = entry.is_file(follow_symlinks=False)
                self.file(path, stat.S_IFREG if plain else 0, resolved)
        except OSError as exc:
            self.problem(path, f"cannot read it: {_reason(exc)}")

    def entry(self, path: Path) -> None:
        room_file = path.name.endswith(ROOM_FILE_SUFFIXES)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            if room_file or not isinstance(exc, FileNotFoundError):
                self.problem(path, f"cannot read it: {_reason(exc)}")
            return  # a dangling link that is not a room file is not ours
        if stat.S_ISDIR(mode):
            self.inside_or(path, "the folder", self.folder)
        elif room_file:
            self.inside_or(path, "the room file", lambda file: self.file(file, mode))

    def inside_or(self, path: Path, what: str, then: Callable[[Path], None]) -> None:
        if is_inside(path, self.root):
            then(path)
        else:
            self.outside(path, what)

    def file(self, path: Path, mode: int, resolved: Path | None = None) -> None:
        if not stat.S_ISREG(mode):
            # A FIFO or a device would block or never end: not a file to read.
            self.problem(path, "not a regular file; a room file must be one")
            return
        resolved = resolved or real(path)
        if resolved not in self.seen:
            self.seen.add(resolved)
            self.found.files.append(path)


def room_files(
    root: Path,
    rooms_dir: Path,
    given: Sequence[Path],
    shown: Callable[[Path], str],
) -> Found:
    """Every room file under `rooms_dir` and `given`, all inside `root`.

    `shown` turns a path into the text a message names it by.
    """
    walk = _Walk(real(root), shown)
    mode = _mode(walk, rooms_dir, f"rooms folder not found ({SET_ROOMS})")
    if mode is not None and not stat.S_ISDIR(mode):
        walk.problem(rooms_dir, f"the rooms folder is not a folder ({SET_ROOMS})")
    elif mode is not None:
        _start(walk, rooms_dir, mode)
    return _given(walk, given)


def given_files(
    root: Path, given: Sequence[Path], shown: Callable[[Path], str]
) -> Found:
    """Every room file under `given` (files and folders), all inside `root`."""
    return _given(_Walk(real(root), shown), given)


def _given(walk: _Walk, given: Sequence[Path]) -> Found:
    for path in given:
        mode = _mode(walk, path, "no such file or folder")
        if mode is not None:
            _start(walk, path, mode)
    walk.found.files.sort()
    return walk.found


def _mode(walk: _Walk, path: Path, missing: str) -> int | None:
    """The mode of `path`, or None after reporting why it cannot be had."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        walk.problem(path, missing)
    except OSError as exc:
        walk.problem(path, f"cannot read it: {_reason(exc)}")
    return None


def _start(walk: _Walk, path: Path, mode: int) -> None:
    folder = stat.S_ISDIR(mode)
    if not is_inside(path, walk.root):
        walk.outside(path, "the folder" if folder else "the room file")
    elif folder:
        walk.folder(path)
    else:
        walk.file(path, mode)


def _reason(exc: OSError) -> str:
    """The operating system's words for `exc`, without repeating the path."""
    if isinstance(exc, NotADirectoryError):
        return "a part of the path is a file, not a folder"
    return exc.strerror or type(exc).__name__
