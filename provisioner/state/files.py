"""Durable file writes for the local backend: whole files and appends.

A whole file is replaced through a temporary file beside it (mode 0600),
written, fsynced, renamed over the target, and the directory fsynced, so a
crash leaves either the old file or the new one. Foreign errors (OSError)
become StateError here or in `local.py`, the one other user of these.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from provisioner.errors import StateError

FILE_MODE = 0o600
"""Every state file: the state holds bearer links."""


def beside(path: Path, suffix: str) -> Path:
    """`state.json` + `.lock` -> `state.json.lock`, in the same directory."""
    return path.with_name(path.name + suffix)


def read_bytes(path: Path) -> bytes:
    """The whole file; a StateError when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StateError(f"{path}: cannot read ({exc.strerror})") from None


def signature(path: Path) -> tuple[int, int, int] | None:
    """Inode, size and mtime: changes whenever the file is rewritten or renamed over."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def size_of(path: Path) -> int:
    """The file's size, 0 when it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer), then fsync."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def truncate_quietly(fd: int, size: int) -> None:
    """Cut a failed append back to `size`, if the disk lets us."""
    # Best effort: a torn line left at the end is ignored by the next read anyway.
    with suppress(OSError):
        os.ftruncate(fd, size)


def atomic_write(target: Path, data: bytes) -> None:
    """Replace `target` with `data`: temp file (0600), fsync, rename, fsync dir."""
    temp = beside(target, ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(temp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StateError(f"{target}: cannot write ({exc.strerror})") from None


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
