"""The local state lock: an OS lock on `<state>.lock`, plus who holds it.

The exclusive `flock` is what excludes; the kernel drops it when its holder
dies, so a killed apply never blocks the next one. The owner information
written into the file (id, host, pid, command, start time) only serves the
messages: a live holder is named, and owner information found under a free
lock means the previous run was interrupted. A clean release empties the file.

Owner information from another host cannot be judged from here (the lock may
not span hosts on a shared file system), so it is refused until
`provisioner force-unlock ID` clears it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from provisioner.errors import StateError, StateLockedError
from provisioner.state.document import utc_now
from provisioner.state.files import FILE_MODE, failure, signature

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class LockOwner:
    """Who holds (or last held) the state lock."""

    id: str
    host: str
    pid: int
    command: str
    started: str

    @classmethod
    def for_this_process(cls, command: str) -> LockOwner:
        return cls(
            str(uuid.uuid4()), socket.gethostname(), os.getpid(), command, utc_now()
        )

    def describe(self) -> str:
        """'apply, pid 4242 on ci-runner-7 since 10:02:11 UTC (lock ID …)'."""
        if self == UNREADABLE:
            return "an unknown process (the lock file is unreadable)"
        since = _since(self.started)
        return (
            f"{self.command}, pid {self.pid} on {self.host} since {since} "
            f"(lock ID {self.id})"
        )

    def is_local(self) -> bool:
        return self.host in ("", socket.gethostname())


UNREADABLE: Final = LockOwner(id="", host="", pid=0, command="", started="")
"""The owner read from a lock file that holds something else than ours."""


def _since(started: str) -> str:
    try:
        when = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return started
    if when.date() == datetime.now(UTC).date():
        return when.strftime("%H:%M:%S UTC")
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_owner(text: str) -> LockOwner | None:
    """The owner in a lock file; None when empty."""
    if not text.strip():
        return None
    try:
        data: Any = json.loads(text)
        return LockOwner(
            id=str(data["id"]),
            host=str(data["host"]),
            pid=int(data["pid"]),
            command=str(data["command"]),
            started=str(data["started"]),
        )
    except (ValueError, TypeError, KeyError):
        return UNREADABLE


class FileLock:
    """The exclusive lock on one lock file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def hold(self, command: str, timeout: float) -> Iterator[LockOwner | None]:
        """Hold the lock; yields the interrupted previous holder, if any."""
        fd = self._open()
        try:
            self._acquire(fd, timeout)
            previous = self._take_over(fd, command)
            try:
                yield previous
            finally:
                _release(fd)
        finally:
            os.close(fd)  # also drops the flock if taking over failed

    def force_unlock(self, lock_id: str) -> LockOwner:
        """Clear the owner information if `lock_id` names it; returns that owner."""
        if signature(self.path) is None:
            raise StateError(f"{self.path}: the state is not locked")
        fd = self._open()
        try:
            if not _try_flock(fd):
                owner = _read(fd)
                who = f": {owner.describe()}" if owner else ""
                raise StateError(
                    f"the state lock is held by a live process{who}; force-unlock "
                    "cannot break an OS lock: stop that process or wait for it"
                )
            try:
                return self._clear_matching(fd, lock_id)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self) -> LockOwner | None:
        """The live holder, or one on another host that cannot be judged."""
        if signature(self.path) is None:
            return None
        fd = self._open()
        try:
            owner = _read(fd)
            if owner is None or not owner.is_local():
                return owner
            if not _try_flock(fd):
                return owner
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None  # what is written is an interrupted run's, not a holder
        finally:
            os.close(fd)

    def _clear_matching(self, fd: int, lock_id: str) -> LockOwner:
        owner = _read(fd)
        if owner is None:
            raise StateError(f"{self.path}: the state is not locked")
        if owner.id != lock_id:
            raise StateError(
                f"lock ID {lock_id} does not match the current holder, "
                f"{owner.describe()}; nothing was changed"
            )
        _write(fd, "")
        return owner

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise failure(self.path, "open the lock file", exc) from None
        with suppress(OSError):  # someone else's file: its mode is theirs to keep
            os.fchmod(fd, FILE_MODE)
        return fd

    def _acquire(self, fd: int, timeout: float) -> None:
        deadline = time.monotonic() + max(timeout, 0.0)
        while not _try_flock(fd):
            if time.monotonic() >= deadline:
                raise StateLockedError(_locked_message(_read(fd), timeout))
            time.sleep(POLL_SECONDS)

    def _take_over(self, fd: int, command: str) -> LockOwner | None:
        previous = _read(fd)
        if previous is not None and not previous.is_local():
            raise StateLockedError(
                f"state is locked by {previous.describe()}; a holder on another "
                "host cannot be checked from here: if that run is gone, run "
                f"`provisioner force-unlock {previous.id}`"
            )
        me = LockOwner.for_this_process(command)
        _write(fd, json.dumps(asdict(me), sort_keys=True) + "\n")
        if previous == UNREADABLE:
            log.warning("the lock file held unreadable owner information; recovering")
        elif previous is not None:
            log.warning(
                "the previous %s, pid %s, was interrupted; recovering",
                previous.command,
                previous.pid,
            )
        return previous


def _locked_message(owner: LockOwner | None, timeout: float) -> str:
    who = (
        owner.describe()
        if owner
        else "another process (it has not written its name yet)"
    )
    if timeout > 0:
        return (
            f"state is locked by {who}; still locked after {timeout:g}s: "
            "wait for it, or retry with a longer --lock-timeout"
        )
    return f"state is locked by {who}; wait for it, or retry with --lock-timeout"


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise StateError(f"cannot lock the state ({exc.strerror})") from None
    return True


def _read(fd: int) -> LockOwner | None:
    size = os.fstat(fd).st_size
    return _parse_owner(os.pread(fd, size, 0).decode("utf-8", "replace"))


def _write(fd: int, text: str) -> None:
    try:
        os.ftruncate(fd, 0)
        if text:
            os.pwrite(fd, text.encode(), 0)
        os.fsync(fd)
    except OSError as exc:
        raise StateError(f"cannot write the lock file ({exc.strerror})") from None


def _release(fd: int) -> None:
    try:
        _write(fd, "")
    except StateError as exc:
        # The next run will report this one as interrupted: harmless.
        log.debug("%s", exc)
    fcntl.flock(fd, fcntl.LOCK_UN)
