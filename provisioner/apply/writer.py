"""The one writer of the state during an apply: every commit goes through here.

Operations finish concurrently, but the state document has one writer. Each
finished operation hands its state ops to `StateWriter.commit` and waits until
they are durable. Ops handed over in the same turn of the event loop are
committed together as one unit (a group commit), so a burst of finished
operations costs one journal append, not one each. Commits run on the event
loop thread: they are short local writes, never network calls, and no
coroutine can observe the state half-updated.
"""

from __future__ import annotations

import asyncio

from provisioner.errors import ProvisionerError, StateError
from provisioner.state.document import Op, State, StateBackend


class StateWriter:
    """Commits state operations durably, in order, batching what arrives together."""

    def __init__(self, backend: StateBackend, state: State) -> None:
        self.backend = backend
        self.state = state
        self.commits = 0
        self.failure: StateError | None = None
        self._batch: list[tuple[list[Op], asyncio.Future[None]]] = []

    async def commit(self, ops: list[Op]) -> None:
        """Return once `ops` are durable; StateError when they could not be written."""
        if self.failure is not None:
            raise self.failure
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if not self._batch:
            loop.call_soon(self._flush)
        self._batch.append((ops, done))
        # A cancelled waiter does not cancel the write: the flush is scheduled.
        await asyncio.shield(done)

    def commit_now(self, ops: list[Op]) -> None:
        """Commit now, outside the concurrent part of the run."""
        if self.failure is not None:
            raise self.failure
        self._write(ops)

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        ops = [op for unit, _ in batch for op in unit]
        try:
            if self.failure is not None:
                raise self.failure
            self._write(ops)
        except StateError as exc:
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)

    def _write(self, ops: list[Op]) -> None:
        try:
            self.backend.commit(self.state, ops)
        except StateError as exc:
            self.failure = exc
            raise
        except (OSError, ProvisionerError) as exc:
            self.failure = StateError(f"{self.backend.location}: cannot write: {exc}")
            raise self.failure from None
        self.commits += 1
