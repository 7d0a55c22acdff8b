"""Plan on 10,000 rooms against a 10,000-room state with no changes.

Target: under 2 s and under 200 MB peak, end to end (`provisioner plan` as a
subprocess: YAML loading, state reading, diff, safety, rendering). Also times the
pure middle in-process (diff, build_plan, safety, each renderer).

    python benchmarks/bench_plan.py [--rooms N] [--runs K]

Prints one line per measurement; the end-to-end figures are the best wall time
of K runs and the peak RSS of any run (getrusage RUSAGE_CHILDREN, taken by a
small helper process so that a fork of this one does not count).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provisioner.config import Estate, Settings
from provisioner.model import RoomSpec, room_spec, user_spec
from provisioner.plan import Request
from provisioner.plan.build import build_plan, policy
from provisioner.plan.diff import diff
from provisioner.plan.safety import check_safety
from provisioner.render import render
from provisioner.state.document import (
    RoomRecord,
    State,
    UserRecord,
    op_room_put,
    op_user_put,
)
from provisioner.state.local import LocalBackend

USERS = [f"user-{i:02d}" for i in range(20)]
ROOMS_PER_FILE = 500


def room_yaml(index: int) -> dict[str, Any]:
    """A room with 4 participants, one admin, some tools set."""
    people = [USERS[(index + k) % len(USERS)] for k in range(4)]
    return {
        "description": f"Room number {index}",
        "duration": 3600,
        "participants": [
            {"user_id": people[0], "is_admin": True},
            {"user_id": people[1], "tools": {"chat": True, "screen_sharing": True}},
            {"user_id": people[2]},
            {"user_id": people[3], "tools": {"whiteboard": {"wb_pen": True}}},
        ],
    }


def name(index: int) -> str:
    return f"room-{index:05d}"


def specs(count: int) -> dict[str, RoomSpec]:
    return {name(i): room_spec(name(i), room_yaml(i)) for i in range(count)}


def recorded(spec: RoomSpec, index: int) -> RoomRecord:
    return RoomRecord(
        room_id=f"room_{index:012d}",
        request=dict(spec.request),
        fingerprint=spec.fingerprint,
        urls={
            u: f"https://sandbox.example/join/{index}/{u}" for u in spec.participants
        },
        created_at="2026-01-05T09:30:00.000Z",
    )


def write_project(root: Path, rooms: dict[str, RoomSpec]) -> None:
    """provisioner.yaml, rooms/*.yaml and a state file matching them exactly."""
    import yaml

    (root / "provisioner.yaml").write_text("rooms: rooms/\nstate: rooms.state.json\n")
    (root / "rooms").mkdir()
    users = {u: {"role": "plus"} for u in USERS}
    count = len(rooms)
    for start in range(0, count, ROOMS_PER_FILE):
        block = {
            name(i): room_yaml(i)
            for i in range(start, min(count, start + ROOMS_PER_FILE))
        }
        document: dict[str, Any] = {"rooms": block}
        if start == 0:
            document = {"users": users, **document}
        text = yaml.safe_dump(document, sort_keys=False)
        (root / "rooms" / f"rooms-{start // ROOMS_PER_FILE:03d}.yaml").write_text(text)
    backend = LocalBackend(root / "rooms.state.json")
    state = backend.read()
    ops = [op_user_put(UserRecord(u, "plus")) for u in USERS]
    ops += [op_room_put(n, recorded(s, i)) for i, (n, s) in enumerate(rooms.items())]
    backend.commit(state, ops)
    backend.compact(state)
    backend.close()


def timed(label: str, func: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = func()
    print(f"{label:<34} {time.perf_counter() - start:8.3f} s")
    return result


def in_process(count: int) -> None:
    rooms = specs(count)
    state = State(lineage="bench", serial=1)
    state.rooms = {n: recorded(s, i) for i, (n, s) in enumerate(rooms.items())}
    state.users = {u: UserRecord(u, "plus") for u in USERS}
    users = {u: user_spec(u, {"role": "plus"}) for u in USERS}
    settings = Settings(root=Path("."), rooms_dir=Path("rooms"), state="s.json")
    estate = Estate(rooms=rooms, users=users)
    plan = timed("diff (pure)", lambda: diff(rooms, users, state))
    assert not plan.has_changes, "the benchmark plan must have no changes"
    plan = timed(
        "build_plan (diff + inputs digest)", lambda: build_plan(settings, estate, state)
    )
    timed(
        "check_safety",
        lambda: check_safety(plan, state, policy(settings, Request())),
    )
    for fmt in ("text", "json", "markdown"):
        timed(f"render {fmt}", lambda fmt=fmt: render(plan, fmt))
    # Memory is measured on a second pass: tracing slows everything down 3-5x.
    tracemalloc.start()
    render(build_plan(settings, estate, state), "json")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'peak traced memory (plan + json)':<34} {peak / 1e6:8.1f} MB")


# Run by a small helper process: a child forked from this (large) process would
# count our memory in its peak RSS before it execs.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "code": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
}))
"""


def end_to_end(count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        timed("write project + state", lambda: write_project(root, specs(count)))
        env = {k: v for k, v in os.environ.items() if k != "KALEYRA_API_KEY"}
        command = [sys.executable, "-m", "provisioner", "plan", "--no-refresh",
                   "--detailed-exitcode", str(root)]  # fmt: skip
        results = []
        for _ in range(runs):
            helper = [sys.executable, "-c", MEASURE, *command]
            out = subprocess.run(helper, capture_output=True, text=True, env=env)
            results.append(json.loads(out.stdout))
            if results[-1]["code"] != 0:
                sys.exit(f"plan exited {results[-1]['code']}: {results[-1]['stderr']}")
        best = min(r["seconds"] for r in results)
        peak = max(r["rss_mb"] for r in results)
        print(f"{'end-to-end plan (best of ' + str(runs) + ')':<34} {best:8.3f} s")
        print(f"{'end-to-end peak RSS':<34} {peak:8.1f} MB")
        print(f"output: {results[-1]['stdout'].strip().splitlines()[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    print(f"== plan, {args.rooms} rooms, no changes")
    if not args.skip_e2e:
        end_to_end(args.rooms, args.runs)
    in_process(args.rooms)


if __name__ == "__main__":
    main()
