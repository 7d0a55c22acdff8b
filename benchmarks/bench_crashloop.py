"""Crash loop: SIGKILL an apply of a 300-room estate at random moments, 50 times.

    python benchmarks/bench_crashloop.py [--kills 50] [--rooms 300] [--seed N]
        [--json OUT]

Each round writes a new generation of the estate (bench_crash.estate: about
80% of the rooms present, 40% of them with a changed duration, so creates,
replaces and deletes mix), starts `provisioner apply --auto-approve` and kills
it with SIGKILL at a moment drawn uniformly over how long such an apply takes
(calibrated on an unkilled run, then the longest seen). A draw past the end
of the apply kills nothing; rounds go on until --kills SIGKILLs have landed
mid-run (at most 3x as many rounds). After every round:

1. the state as left by the killed run must read (`LocalBackend.read`, the
   journal replayed): otherwise it is a corrupt state;
2. one apply, with no fault but latency, must exit 0 and leave the API and the
   state agreeing (reliability.tally): no duplicate, no orphan, nothing lost,
   nothing pending or retiring.

Targets: 0 corrupt states, 0 duplicates, 0 orphans (and every round converges).
bench_crash.py is the shorter, older run (20 rooms, kills soon after the
journal appears); this one spreads the kills over the whole apply.
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from applybench import project
from bench_crash import estate
from reliability import cli, emulator, tally, write_json

from provisioner.errors import ProvisionerError
from provisioner.state.local import LocalBackend

APPLY = ("apply", "--auto-approve")
# The replace guard (max_replace_percent) and the delete limit must not stop a
# generation that replaces 40% of the rooms: crash recovery is what is tested.
ALLOW = {"PROVISIONER_ALLOW_REPLACE": "1", "PROVISIONER_ALLOW_DELETES": "1"}
FAST = {"PROVISIONER_RETRY_BASE": "0.01", "PROVISIONER_RECONCILE_DELAY": "0.05"}


@dataclass
class CrashLoop:
    kills: int
    rooms: int
    seed: int
    rounds: int = 0  # generations applied (and killed, or finished first)
    moments: Counter[str] = field(default_factory=Counter)
    left_unfinished: int = 0  # kills that left pending creates or retiring rooms
    corrupt: list[str] = field(default_factory=list)
    duplicates: int = 0
    orphans: int = 0
    lost: int = 0
    not_converged: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def met(self) -> bool:
        return self.moments["mid-run"] >= self.kills and not (
            self.corrupt
            or self.duplicates
            or self.orphans
            or self.lost
            or self.not_converged
        )


def spawn(root: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "provisioner", *APPLY],
        cwd=root,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_after(proc: subprocess.Popen[bytes], delay: float) -> str:
    """SIGKILL `proc` after `delay` s; where the kill landed."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return "mid-run"
    return "after it finished"


def readable(root: Path) -> str | None:
    """None when the state reads; else why not (a corrupt state)."""
    try:
        LocalBackend(root / "rooms.state.json").read()
    except (ProvisionerError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def write_generation(root: Path, document: dict[str, Any]) -> dict[str, str]:
    text = yaml.safe_dump(document, sort_keys=True)
    (root / "rooms" / "bench.yaml").write_text(text, encoding="utf-8")
    return {name: name for name in document["rooms"]}  # description = name


def state_unfinished(root: Path) -> bool:
    state = LocalBackend(root / "rooms.state.json").read()
    return bool(state.pending or state.retiring)


def one_round(
    loop: CrashLoop, root: Path, env: Mapping[str, str], delay: float
) -> float | None:
    """Kill, check the state, converge; the converging apply's wall time.

    None when the killed run left a state that does not read.
    """
    loop.moments[kill_after(spawn(root, env), delay)] += 1
    damage = readable(root)
    if damage is not None:
        loop.corrupt.append(damage)
        return None
    loop.left_unfinished += state_unfinished(root)
    started = time.perf_counter()
    result = cli(root, env, *APPLY, timeout=600)
    if result.returncode != 0:
        loop.not_converged.append(result.stderr.strip()[-400:])
    return time.perf_counter() - started


def record(loop: CrashLoop, root: Path, url: str, desired: dict[str, str]) -> None:
    found = tally(url, root / "rooms.state.json", desired)
    loop.duplicates += found.duplicates
    loop.orphans += len(found.orphans)
    loop.lost += len(found.lost)
    if found.unfinished:
        loop.not_converged.append(f"{found.unfinished} pending/retiring left")


def run_loop(
    kills: int, rooms: int, *, seed: int = 7, latency_ms: int = 20
) -> CrashLoop:
    loop = CrashLoop(kills, rooms, seed)
    rng = random.Random(seed)
    started = time.perf_counter()
    with emulator("--latency", str(latency_ms)) as (url, key), project(0) as root:
        settings = "rooms: rooms/\nstate: rooms.state.json\nmax_delete_percent: 100\n"
        (root / "provisioner.yaml").write_text(settings)
        env = {**os.environ, **FAST, **ALLOW, "NO_COLOR": "1"}
        env |= {"KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}
        # Calibration: how long a full apply of a first generation takes.
        write_generation(root, estate(rng, 0, rooms))
        clock = time.perf_counter()
        cli(root, env, *APPLY, timeout=600)
        longest = time.perf_counter() - clock
        # Kills drawn past the end of an apply hit nothing: go on until `kills`
        # landed mid-run (each round a new generation), within 3x as many rounds.
        while loop.moments["mid-run"] < kills and loop.rounds < 3 * kills:
            loop.rounds += 1
            generation = loop.rounds
            desired = write_generation(root, estate(rng, generation, rooms))
            took = one_round(loop, root, env, rng.uniform(0, longest))
            if took is None:
                continue  # a corrupt state: counted, nothing more to check
            longest = max(longest, took)
            record(loop, root, url, desired)
    loop.seconds = time.perf_counter() - started
    return loop


def report(loop: CrashLoop) -> str:
    lines = [
        f"crash loop: {loop.moments['mid-run']} SIGKILLs mid-run in {loop.rounds} "
        f"rounds, {loop.rooms}-room estate "
        f"({dict(loop.moments)}; {loop.left_unfinished} left pending creates or "
        f"retiring rooms); {loop.seconds:.1f} s",
        f"  corrupt states {len(loop.corrupt)}, duplicates {loop.duplicates}, "
        f"orphans {loop.orphans}, lost {loop.lost}, rounds not converged "
        f"{len(loop.not_converged)}",
    ]
    lines += [f"    corrupt: {c}" for c in loop.corrupt[:5]]
    lines += [f"    not converged: {c}" for c in loop.not_converged[:5]]
    verdict = "met" if loop.met() else "MISSED"
    lines.append(f"  targets (0 corrupt, 0 duplicates, 0 orphans): {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    loop = run_loop(args.kills, args.rooms, seed=args.seed)
    print(report(loop))
    if args.json:
        write_json(args.json, loop, loop.met())
    if not loop.met():
        sys.exit(1)


if __name__ == "__main__":
    main()
