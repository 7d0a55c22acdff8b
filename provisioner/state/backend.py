"""What every state backend offers: the `StateBackend` protocol.

A new backend plugs in here (and in `open_backend`); commands never branch on
which backend they hold. What one backend cannot do (the local file keeps no
history) it refuses with a StateError that says why.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from provisioner.state.document import Op, State


class Holder(Protocol):
    """Whoever holds (or held) a state lock."""

    @property
    def id(self) -> str:
        """The lock ID that `force-unlock` takes."""

    def describe(self) -> str:
        """'apply, pid 4242 on ci-runner-7 since 10:02:11 UTC (lock ID …)'."""


@dataclass(frozen=True)
class Version:
    """One committed version of a state kept in its history."""

    serial: int
    committed_at: str
    committed_by: str


class StateBackend(Protocol):
    """Where the state lives. The local file backend is the default."""

    @property
    def location(self) -> str:
        """A human-readable name for messages (a path or a redacted DSN)."""

    def read(self, links: bool = True) -> State:
        """The current state (empty, lineage None, when none exists yet).

        Without `links` the rooms come without join URLs: all a plan needs,
        and all a plan-only database role may read."""

    def commit(self, state: State, ops: list[Op]) -> None:
        """Apply `ops` to `state` and persist them durably as one unit.

        Cost must not grow with the size of the state (a journal append)."""

    def compact(self, state: State) -> None:
        """Rewrite the whole document from `state` and empty the journal.

        The serial is unchanged: the content is what the journal already said."""

    def restore(self, state: State) -> None:
        """Replace the whole state with `state`, its lineage and serial included.

        Under the lock, after a `read`: `state migrate` writes a copy this way."""

    def lock(self, command: str, timeout: float) -> AbstractContextManager[None]:
        """Hold the exclusive state lock; StateLockedError names a live holder."""

    def lock_holder(self) -> Holder | None:
        """Who holds the lock now, None when it is free."""

    def force_unlock(self, lock_id: str) -> Holder:
        """Forget the holder named by `lock_id`; returns that holder."""

    def close(self) -> None:
        """Let go of files or connections held between calls."""

    def history(self) -> list[Version]:
        """The versions kept, newest first."""

    def read_version(self, serial: int) -> State:
        """One kept version, without join URLs."""
