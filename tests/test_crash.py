"""SIGKILL at a random moment: the next apply converges, no duplicate, no orphan.

Each repetition changes the estate (creates, replaces, deletes), starts an
apply, kills it with SIGKILL once it has started writing the state (after a
random delay), then runs apply again and checks the emulator against the
state through the emulator's inspection endpoint.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged, live_rooms, text_of

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

REPETITIONS = 20
SEED = 20261125


def estate(rng: random.Random, generation: int) -> dict[str, dict[str, Any]]:
    """About eight rooms; some change every generation (replace), some come and go."""
    rooms: dict[str, dict[str, Any]] = {}
    for i in range(10):
        if rng.random() < 0.2:
            continue  # this one is absent (deleted if it existed)
        duration = 60 * (1 + (generation if rng.random() < 0.6 else 0))
        rooms[f"room-{i}"] = {
            "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
            "duration": duration,
        }
    return rooms


def kill_during_apply(project: Project, rng: random.Random) -> bool:
    """Start an apply and SIGKILL it at a random moment once it writes the state."""
    journal = project.state_path.with_name(project.state_path.name + ".journal")
    process = project.popen("apply", "--auto-approve", "--parallelism", "4")
    deadline = time.monotonic() + 10
    while not journal.exists() and process.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.25))
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    return running


def test_apply_killed_at_random_moments_converges(
    tmp_path: Path, emulator: Any
) -> None:
    rng = random.Random(SEED)
    emulator.configure(latency_ms=20)
    project = Project(
        tmp_path, emulator, "max_delete_percent: 100\nmax_replace_percent: 100\n"
    )
    interrupted = caught_unfinished = reported = 0
    for generation in range(1, REPETITIONS + 1):
        rooms = estate(rng, generation)
        project.write_rooms(rooms)
        killed = kill_during_apply(project, rng)
        interrupted += killed
        left = project.state()
        unfinished = bool(left["pending"] or left["retiring"])
        result = project.cli("apply", "--auto-approve", "--parallelism", "4")
        assert result.returncode == 0, f"generation {generation}\n{text_of(result)}"
        # A kill that landed while the lock was held is reported by the next run.
        reported += "was interrupted; recovering" in result.stderr
        problems = converged(project, sorted(rooms))
        assert problems == [], f"generation {generation}: {problems}"
        caught_unfinished += unfinished
    # Most kills landed while the apply was working, several mid-operation.
    assert interrupted >= REPETITIONS // 2, interrupted
    assert caught_unfinished >= 5, caught_unfinished
    assert reported >= 5, reported


@pytest.mark.parametrize(
    ("signum", "name", "code"),
    [(signal.SIGTERM, "SIGTERM", 143), (signal.SIGINT, "SIGINT", 130)],
)
def test_a_stop_signal_finishes_what_is_in_flight_and_records_it(
    tmp_path: Path, emulator: Any, signum: int, name: str, code: int
) -> None:
    emulator.configure(latency_ms=150)
    project = Project(tmp_path, emulator)
    rooms = [f"room-{i:02d}" for i in range(30)]
    project.write_rooms({n: ["alice", "bob"] for n in rooms})
    journal = project.state_path.with_name(project.state_path.name + ".journal")
    process = project.popen("apply", "--auto-approve", "--parallelism", "3")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        journal.exists() and project.state()["rooms"]
    ):
        time.sleep(0.02)  # until the first room is recorded
    process.send_signal(signum)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=15)
    assert time.monotonic() - sent < 10
    assert process.returncode == code, stderr
    assert f"{name}: starting nothing new" in stderr
    assert f"Interrupted by {name}: everything finished before it is recorded" in (
        stderr
    )
    state = project.state()
    assert state["pending"] == {}  # what was in flight finished and was recorded
    assert 0 < len(state["rooms"]) < len(rooms)
    live = {r["room_id"] for r in live_rooms(emulator)}
    assert live == {r["room_id"] for r in state["rooms"].values()}
    result = project.cli("apply", "--auto-approve")
    assert result.returncode == 0, text_of(result)
    assert converged(project, rooms) == []
