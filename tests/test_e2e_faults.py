"""Faults injected by the emulator: every desired room ends up existing exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged, text_of

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

CREATE = "POST /rest/room/create"
ROOMS = [f"room-{i:02d}" for i in range(12)]


def apply_until_done(project: Project) -> list[str]:
    """Apply; if that run failed, once more. The outputs, for diagnostics."""
    outputs = []
    for _ in range(2):
        result = project.cli("apply", "--auto-approve", "--parallelism", "6")
        outputs.append(text_of(result))
        if result.returncode == 0:
            break
    return outputs


@pytest.fixture
def project(tmp_path: Path, emulator: Any) -> Project:
    project = Project(tmp_path, emulator)
    project.write_rooms({name: ["alice", "bob"] for name in ROOMS})
    return project


def test_rate_limit_with_retry_after(project: Project, emulator: Any) -> None:
    emulator.configure(rate_limit=5)
    outputs = apply_until_done(project)
    assert len(outputs) == 1, outputs
    limited = sum(
        counts.get("429", 0) for counts in emulator.stats()["requests"].values()
    )
    assert limited > 0  # the limit was hit, and honoured
    assert converged(project, ROOMS) == [], outputs


def test_random_server_errors(project: Project, emulator: Any) -> None:
    emulator.configure(fail_rate=0.25)
    outputs = apply_until_done(project)
    assert emulator.count(CREATE, 500) + emulator.count(CREATE, 503) > 0
    assert converged(project, ROOMS) == [], outputs


@pytest.mark.parametrize("mode", ["error", "disconnect"])
def test_commit_then_drop(project: Project, emulator: Any, mode: str) -> None:
    emulator.configure(commit_then_drop=0.4, drop_mode=mode)
    outputs = apply_until_done(project)
    dropped = emulator.count(CREATE, 500) + emulator.count(CREATE, "dropped")
    assert dropped > 0
    assert converged(project, ROOMS) == [], outputs
    assert len(emulator.rooms()) == len(ROOMS)  # not one duplicate was ever made
