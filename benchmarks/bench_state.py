"""State persistence on both backends: one commit at 1,000 and 10,000 rooms,
and apply of 1,000 creates at 50 ms latency with --parallelism 16.

    python benchmarks/bench_state.py [--commits N] [--skip-apply]

Starts its own PostgreSQL cluster (fsync on, as in production) with the test
kit's helper; the local state is on this machine's disk. A commit is what
apply does after each finished operation: one durable unit (a journal
append and fsync, or one transaction).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from applybench import apply, emulator, live_rooms, project
from pgkit import Cluster, _pg_bin
from statefixtures import room_record

from provisioner.state import open_backend
from provisioner.state.document import StateBackend, op_room_put


def filled(location: str, rooms: int) -> StateBackend:
    backend = open_backend(location, Path("."))
    with backend.lock("bench", 0):
        state = backend.read()
        ops = [op_room_put(f"room-{i:05d}", room_record(f"r{i}")) for i in range(rooms)]
        backend.commit(state, ops)
        backend.compact(state)
    return backend


def per_commit(backend: StateBackend, commits: int) -> float:
    """Mean seconds per one-room commit, under the lock, as apply makes them."""
    with backend.lock("bench", 0):
        state = backend.read()
        started = time.perf_counter()
        for i in range(commits):
            backend.commit(state, [op_room_put(f"new-{i}", room_record(f"n{i}"))])
        elapsed = time.perf_counter() - started
        backend.compact(state)
    return elapsed / commits


def commits(cluster: Cluster, count: int) -> None:
    for rooms in (1000, 10000):
        with tempfile.TemporaryDirectory() as tmp:
            local = filled(str(Path(tmp) / "s.json"), rooms)
            print(
                f"local, {rooms} rooms: {per_commit(local, count) * 1e3:.2f} ms/commit"
            )
        shared = filled(cluster.url(workspace=f"bench{rooms}"), rooms)
        cost = per_commit(shared, count)
        print(f"postgresql, {rooms} rooms: {cost * 1e3:.2f} ms/commit")
        shared.close()


def applies(cluster: Cluster, rooms: int) -> None:
    bound = rooms * 0.050 / 16
    for name, state in (
        ("local", None),
        ("postgresql", cluster.url(workspace="apply")),
    ):
        if state:
            os.environ["PROVISIONER_STATE"] = state
        with emulator("--latency", "50") as (url, key), project(rooms) as root:
            wall, engine, _ = apply(root, url, key, "--parallelism", "16")
            made = len(live_rooms(url))
        os.environ.pop("PROVISIONER_STATE", None)
        print(
            f"apply {rooms} creates, {name}: engine {engine:.2f} s "
            f"({engine / bound:.2f}x the {bound:.2f} s bound), wall {wall:.2f} s; "
            f"{made} rooms live"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--skip-apply", action="store_true")
    args = parser.parse_args()
    bindir = _pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    cluster = Cluster(bindir, durable=True)
    try:
        cluster.init()
        commits(cluster, args.commits)
        if not args.skip_apply:
            applies(cluster, 1000)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
