"""The one writer of the state during an apply: every commit goes through here.

Operations finish concurrently, but the state has one writer. Each finished
operation hands its state ops to `StateWriter.commit` and waits until they
are durable. One unit is written at a time (a journal append and an fsync);
ops handed over while a unit is being written form the next unit (a group
commit), so a burst of finished operations costs one append, not one each.

Writes run on the event loop while they are fast (a local disk whose fsync
takes well under a millisecond: cheaper than a thread handoff). Once one
takes longer than `SLOW_WRITE`, the following ones run in a worker thread, so
the loop keeps serving the network meanwhile. The writes go through the
writer's own copy of the state; the loop's copy is updated with the same ops
once they are durable. So no coroutine ever sees a state the disk does not
hold, and the thread never touches an object a coroutine reads.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from provisioner.errors import ProvisionerError, StateError
from provisioner.state.document import Op, State, StateBackend

SLOW_WRITE: Final = 0.002
"""Seconds: a state write slower than this moves the next ones to a thread."""


class StateWriter:
    """Commits state operations durably, in order, batching what arrives together."""

    def __init__(self, backend: StateBackend, state: State) -> None:
        self.backend = backend
        self.state = state
        self.commits = 0
        self.failure: StateError | None = None
        self._shadow = State.from_dict(state.to_dict(), backend.location)
        self._batch: list[tuple[list[Op], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._slow = False

    async def commit(self, ops: list[Op]) -> None:
        """Return once `ops` are durable; StateError when they could not be written."""
        if self.failure is not None:
            raise self.failure
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.append((ops, done))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        # A cancelled waiter does not cancel the write: it is already queued.
        await asyncio.shield(done)

    def commit_now(self, ops: list[Op]) -> None:
        """Commit at once, when no operation runs (outside the concurrent part)."""
        if self.failure is not None:
            raise self.failure
        self._persist(ops)
        self._apply(ops)

    async def _flush(self) -> None:
        try:
            while self._batch:
                batch, self._batch = self._batch, []
                ops = [op for unit, _ in batch for op in unit]
                error = await self._write_in_thread(ops)
                for _, done in batch:
                    if done.done():
                        continue
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(error)
        finally:
            self._flusher = None

    async def _write_in_thread(self, ops: list[Op]) -> StateError | None:
        if self.failure is not None:
            return self.failure
        started = time.perf_counter()
        try:
            if self._slow:
                await asyncio.to_thread(self._persist, ops)
            else:
                self._persist(ops)
        except StateError as exc:
            return exc
        self._slow = time.perf_counter() - started > SLOW_WRITE
        self._apply(ops)
        return None

    def _persist(self, ops: list[Op]) -> None:
        try:
            self.backend.commit(self._shadow, ops)
        except StateError as exc:
            self.failure = exc
            raise
        except (OSError, ProvisionerError) as exc:
            self.failure = StateError(f"{self.backend.location}: cannot write: {exc}")
            raise self.failure from None

    def _apply(self, ops: list[Op]) -> None:
        if self.state.lineage is None:
            self.state.lineage = self._shadow.lineage  # fixed by the first write
        self.state.apply(ops)
        self.commits += 1
