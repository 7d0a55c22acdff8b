"""SIGKILL an apply at random moments, many times; the next apply must converge.

    python benchmarks/bench_crash.py [--repetitions 100] [--seed N]

Each repetition changes the estate (creates, replaces, deletes), starts
`provisioner apply`, kills it with SIGKILL at a random moment after it has
started writing the state, applies again, and checks through the emulator's
inspection endpoint: every desired room live exactly once (no duplicate),
every live room in the state and every state room live (no orphan), nothing
left pending or retiring. The suite runs 20 of these (tests/test_crash.py).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from applybench import emulator, project, stats

from provisioner.state.local import LocalBackend

FAST = {"PROVISIONER_RETRY_BASE": "0.01", "PROVISIONER_RECONCILE_DELAY": "0.05"}


def estate(rng: random.Random, generation: int, size: int) -> dict[str, Any]:
    rooms = {}
    for i in range(size):
        if rng.random() < 0.2:
            continue
        bump = generation if rng.random() < 0.4 else 0
        rooms[f"room-{i:03d}"] = {
            "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
            "duration": 60 * (1 + bump),
        }
    return {"external_users": ["alice", "bob"], "rooms": rooms}


def problems(root: Path, url: str, desired: list[str]) -> list[str]:
    rooms = stats(url)["rooms"]
    live = [r for r in rooms if not r["disabled"] and not r["deleted"]]
    counts = Counter(r["description"] for r in live)
    state = LocalBackend(root / "rooms.state.json").read()
    in_state = {r.room_id for r in state.rooms.values()}
    live_ids = {r["room_id"] for r in live}
    found = [f"{n}: {counts[n]} live" for n in desired if counts[n] != 1]
    found += [f"orphan {i}" for i in sorted(live_ids - in_state)]
    found += [f"not live {i}" for i in sorted(in_state - live_ids)]
    if state.pending or state.retiring:
        found.append("pending or retiring left")
    return found


def kill_at_random(
    command: list[str], root: Path, env: dict[str, str], rng: random.Random
) -> str:
    """Start an apply; SIGKILL it at a random moment once it writes the state."""
    journal = root / "rooms.state.json.journal"
    proc = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.4))
    outcome = "killed mid-run" if proc.poll() is None else "already done"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return outcome


def generation_converges(
    root: Path, url: str, env: dict[str, str], document: dict[str, Any]
) -> list[str]:
    command = [sys.executable, "-m", "provisioner", "apply", "--auto-approve"]
    result = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return [f"apply failed: {result.stderr}"]
    return problems(root, url, sorted(document["rooms"]))


def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    kills = Counter[str]()
    started = time.perf_counter()
    command = [sys.executable, "-m", "provisioner", "apply", "--auto-approve"]
    with emulator("--latency", "20") as (url, key), project(0) as root:
        env = {**os.environ, **FAST, "KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}
        settings = (
            "rooms: rooms/\nstate: rooms.state.json\n"
            "max_delete_percent: 100\nmax_replace_percent: 100\n"
        )
        (root / "provisioner.yaml").write_text(settings)
        for generation in range(1, args.repetitions + 1):
            document = estate(rng, generation, args.rooms)
            (root / "rooms" / "bench.yaml").write_text(yaml.safe_dump(document))
            kills[kill_at_random(command, root, env, rng)] += 1
            found = generation_converges(root, url, env, document)
            if found:
                raise SystemExit(f"generation {generation}: {found}")
    seconds = time.perf_counter() - started
    print(
        f"{args.repetitions} kills ({dict(kills)}), {args.rooms}-room estate: "
        f"every next apply converged (no duplicate, no orphan) in {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
