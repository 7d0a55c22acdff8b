"""The state writer: commits from concurrent operations are durable, and grouped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from provisioner.apply.writer import StateWriter
from provisioner.errors import StateError
from provisioner.state.document import PendingCreate, op_pending_add
from provisioner.state.local import LocalBackend


def pending(name: str) -> PendingCreate:
    return PendingCreate(
        name, {"description": name}, "sha256:x", "2026-01-01T00:00:00.000Z"
    )


def test_commits_made_together_are_written_as_one_unit(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json")
    writer = StateWriter(backend, backend.read())

    async def main() -> None:
        await asyncio.gather(
            *(writer.commit([op_pending_add(pending(f"r{i}"))]) for i in range(10))
        )

    asyncio.run(main())
    assert writer.commits == 1
    assert sorted(LocalBackend(backend.path).read().pending) == [
        f"r{i}" for i in range(10)
    ]


def test_commits_made_apart_are_separate_units(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json")
    writer = StateWriter(backend, backend.read())

    async def main() -> None:
        for i in range(3):
            await writer.commit([op_pending_add(pending(f"r{i}"))])

    asyncio.run(main())
    assert writer.commits == 3
    assert LocalBackend(backend.path).read().serial == 3


def test_a_failed_write_fails_every_later_commit(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json")
    writer = StateWriter(backend, backend.read())

    async def main() -> None:
        await writer.commit([{"op": "no_such_op"}])

    with pytest.raises(StateError):
        asyncio.run(main())
    assert writer.failure is not None
    with pytest.raises(StateError):
        writer.commit_now([op_pending_add(pending("r"))])
