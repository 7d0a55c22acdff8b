"""Durable file writes for the local backend: whole files and appends.

A whole file is replaced through a temporary file beside it (mode 0600),
written, fsynced, renamed over the target, and the directory fsynced, so a
crash leaves either the old file or the new one. Foreign errors (OSError)
become StateError here or in `local.py` and `lock.py`, worded by `cause`: the
real reason in one line (`afile is a file, not a folder`), not errno's words
about the path asked for.
"""

from __future__ import annotations

import errno
import os
from contextlib import suppress
from pathlib import Path

from provisioner.errors import StateError

FILE_MODE = 0o600
"""Every state file: the state holds bearer links."""


def beside(path: Path, suffix: str) -> Path:
    """`state.json` + `.lock` -> `state.json.lock`, in the same directory."""
    return path.with_name(path.name + suffix)


def in_the_way(path: Path) -> Path | None:
    """The first part of `path`'s folders that exists but is not a folder."""
    for folder in reversed(path.parents):
        if os.path.lexists(folder) and not os.path.isdir(folder):
            return folder
    return None


def _nearest_folder(path: Path) -> Path:
    """The closest existing folder on the way to `path` (where it would be made)."""
    return next((p for p in path.parents if os.path.isdir(p)), Path("."))


def _denied(path: Path, writing: bool) -> str:
    for folder in reversed(path.parents):
        if os.path.isdir(folder) and not os.access(folder, os.X_OK):
            return f"permission denied: this user cannot enter the folder {folder}"
    if os.path.lexists(path):
        wanted, verb = (os.W_OK, "write") if writing else (os.R_OK, "read")
        if not os.access(path, wanted):
            return f"permission denied: this user may not {verb} {path}"
    if writing:
        fault = folder_fault(path)
        if fault:
            return f"permission denied: {fault}"
    return "permission denied"


def cause(path: Path, exc: OSError, *, writing: bool = False) -> str:
    """Why an operation on `path` failed, in one line naming the real culprit."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        culprit = in_the_way(path)
        if culprit is not None:
            return f"{culprit} is a file, not a folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _denied(path, writing)
    if exc.errno == errno.EISDIR:
        return "it is a folder, not a file"
    return (exc.strerror or type(exc).__name__).lower()


def failure(
    path: Path, doing: str, exc: OSError, *, at: Path | None = None
) -> StateError:
    """`<path>: cannot <doing>: <cause>`, ready to raise.

    `at`: the file the failed call was about, when not `path` (a temp file).
    """
    writing = doing != "read"
    return StateError(
        f"{path}: cannot {doing}: {cause(at or path, exc, writing=writing)}"
    )


def folder_fault(path: Path) -> str | None:
    """Why files could not be written beside `path`; None when they can."""
    culprit = in_the_way(path)
    if culprit is not None:
        return f"{culprit} is a file, not a folder"
    folder = _nearest_folder(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the folder {os.path.abspath(folder)} is not writable by this user "
            "(or is on a read-only file system)"
        )
    return None


def read_bytes(path: Path) -> bytes:
    """The whole file; a StateError when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise failure(path, "read", exc) from None


def signature(path: Path) -> tuple[int, int, int] | None:
    """Inode, size and mtime: changes whenever the file is rewritten or renamed over.

    None when there is no such file; a StateError when it cannot be looked at.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise failure(path, "read", exc) from None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def size_of(path: Path) -> int:
    """The file's size, 0 when it does not exist."""
    found = signature(path)
    return found[1] if found else 0


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
        with suppress(OSError):
            temp.unlink(missing_ok=True)
        raise failure(target, "write", exc, at=temp) from None


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
