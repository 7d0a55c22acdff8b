"""Soak: apply a large estate, then replace and delete part of it, under faults.

    python benchmarks/bench_soak.py [--rooms 1000] [--replace 200] [--delete 100]
        [--seed N] [--json OUT]

The real CLI (`provisioner apply --auto-approve`, subprocesses) runs against the
emulator behind chaos.py: 5% of API requests answered 429, 5% 500/503 with
nothing done, 5% done and then answered 500, 2% done and then the connection
dropped half-way through the answer, and 5..25 ms of latency per request.

Phase "create" applies every room; phase "change" replaces `--replace` rooms
(a new duration) and removes `--delete` others from the files. Each phase runs
`apply` until `plan --detailed-exitcode` (refreshing, under the same faults)
says no changes, at most --max-runs times. Then, from the emulator's
inspection endpoint (which no fault touches):

- duplicates: live rooms beyond the first with one description;
- lost: rooms in the files with no live room, or in the state with a dead id;
- orphans: live rooms the state does not know.

Targets: 0 duplicates, 0 lost, converged in at most 2 apply runs per phase.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from chaos import chaos_stats, running
from reliability import cli, tally, write_json

FILES = 10
PEOPLE = ("alice:plus", "bob:basic", "carol:basic", "dan:basic")
CHAOS_FLAGS = ("--latency", "5", "--jitter", "20")


@dataclass
class Phase:
    """One phase of the soak and what the emulator showed after it."""

    name: str
    desired: int
    runs: int = 0  # apply runs until a plan showed no changes
    converged: bool = False
    apply_exits: list[int] = field(default_factory=list)
    seconds: float = 0.0
    duplicates: int = 0
    lost: int = 0
    orphans: int = 0
    problems: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)  # each apply's last lines


@dataclass
class Soak:
    rooms: int
    replaced: int
    deleted: int
    seed: int
    phases: list[Phase] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return max((p.duplicates for p in self.phases), default=0)

    @property
    def lost(self) -> int:
        return max((p.lost for p in self.phases), default=0)

    @property
    def orphans(self) -> int:
        return max((p.orphans for p in self.phases), default=0)

    @property
    def max_runs(self) -> int:
        return max((p.runs if p.converged else 99 for p in self.phases), default=0)

    def met(self) -> bool:
        return self.duplicates == 0 and self.lost == 0 and self.max_runs <= 2


def estate(count: int) -> dict[str, dict[str, Any]]:
    """`count` rooms: a mix of participants, durations and tools."""
    users = [p.split(":")[0] for p in PEOPLE]
    rooms: dict[str, dict[str, Any]] = {}
    for i in range(count):
        others = [users[1 + (i + k) % 3] for k in range(1 + i % 3)]
        participants: list[dict[str, Any]] = [{"user_id": "alice", "is_admin": True}]
        participants += [{"user_id": u} for u in dict.fromkeys(others)]
        if i % 4 == 1:
            participants[-1]["tools"] = {"chat": True, "screen_sharing": i % 8 == 1}
        rooms[f"soak-{i:05d}"] = {
            "description": f"Soak room {i}",
            "duration": 600 + 60 * (i % 30),
            "participants": participants,
        }
    return rooms


def write_estate(root: Path, rooms: Mapping[str, dict[str, Any]]) -> None:
    """The rooms in FILES room files (a file per slice of names)."""
    names = sorted(rooms)
    folder = root / "rooms"
    for old in folder.glob("*.yaml"):
        old.unlink()
    externals = [p.split(":")[0] for p in PEOPLE]
    for part in range(FILES):
        chunk = {n: rooms[n] for n in names[part::FILES]}
        document = {"external_users": externals, "rooms": chunk}
        text = yaml.safe_dump(document, sort_keys=True)
        (folder / f"part-{part:02d}.yaml").write_text(text, encoding="utf-8")


def changed(
    rooms: dict[str, dict[str, Any]], replace: int, delete: int, rng: random.Random
) -> dict[str, dict[str, Any]]:
    """`replace` rooms with a new duration, `delete` others left out."""
    names = sorted(rooms)
    rng.shuffle(names)
    gone = set(names[:delete])
    bumped = set(names[delete : delete + replace])
    result = {}
    for name, room in rooms.items():
        if name in gone:
            continue
        result[name] = dict(room)
        if name in bumped:
            result[name]["duration"] = room["duration"] + 30
    return result


def plan_says_no_changes(root: Path, env: Mapping[str, str], phase: Phase) -> bool:
    """`plan --detailed-exitcode`: 0 no changes, 2 changes; an error is retried."""
    for _ in range(3):
        result = cli(root, env, "plan", "--detailed-exitcode")
        if result.returncode in (0, 2):
            return result.returncode == 0
        phase.problems.append(f"plan failed: {result.stderr.strip()[-300:]}")
    return False


def summary(stdout: str) -> str:
    """The closing summary of an apply: counts, and the requests retried."""
    lines = stdout.strip().splitlines()
    start = next(
        (i for i, line in enumerate(lines) if " created, " in line), len(lines)
    )
    return "; ".join(lines[start:])


def failures(run: int, stderr: str) -> list[str]:
    """Why an apply failed: its `failed: ...` and `Error: ...` lines."""
    lines = [x for x in stderr.splitlines() if x.startswith(("failed", "Error"))]
    return [f"apply {run}: {line[:300]}" for line in lines[:10]]


def converge(root: Path, env: Mapping[str, str], phase: Phase, max_runs: int) -> None:
    started = time.perf_counter()
    for run in range(1, max_runs + 1):
        result = cli(root, env, "apply", "--auto-approve")
        phase.apply_exits.append(result.returncode)
        phase.summaries.append(summary(result.stdout))
        if result.returncode != 0:
            phase.problems += failures(run, result.stderr)
        if plan_says_no_changes(root, env, phase):
            phase.runs, phase.converged = run, True
            break
        phase.runs = run
    phase.seconds = time.perf_counter() - started


def count(root: Path, url: str, desired: Mapping[str, Any], phase: Phase) -> None:
    """Duplicates, lost and orphans, from the emulator and the state file."""
    found = tally(
        url,
        root / "rooms.state.json",
        {name: room["description"] for name, room in desired.items()},
    )
    phase.duplicates = found.duplicates
    phase.lost = len(found.lost)
    phase.orphans = len(found.orphans)
    if found.lost:
        phase.problems.append(f"lost: {found.lost[:10]}")
    if found.unfinished:
        phase.problems.append(f"{found.unfinished} pending or retiring left")


def run_soak(
    rooms: int,
    replace: int,
    delete: int,
    *,
    seed: int = 1,
    max_runs: int = 4,
    extra_env: Mapping[str, str] | None = None,
    chaos_flags: tuple[str, ...] = CHAOS_FLAGS,
) -> Soak:
    """The whole soak in a temporary project; see the module docstring."""
    soak = Soak(rooms, replace, delete, seed)
    started = time.perf_counter()
    people = [arg for p in PEOPLE for arg in ("--user", p)]
    flags = ("--seed", str(seed), *people, *chaos_flags)
    with running(*flags) as (url, key), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "rooms").mkdir()
        (root / "provisioner.yaml").write_text(
            "rooms: rooms/\nstate: rooms.state.json\n"
        )
        env = {**os.environ, "NO_COLOR": "1", **(extra_env or {})}
        env |= {"KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}
        first = estate(rooms)
        second = changed(first, replace, delete, random.Random(seed))
        for name, desired in (("create", first), ("change", second)):
            phase = Phase(name, len(desired))
            write_estate(root, desired)
            converge(root, env, phase, max_runs)
            count(root, url, desired, phase)
            soak.phases.append(phase)
        injected = chaos_stats(url)
        soak.faults, soak.api_requests = injected["totals"], injected["requests"]
    soak.seconds = time.perf_counter() - started
    return soak


def report(soak: Soak) -> str:
    lines = [
        f"soak: {soak.rooms} rooms, then {soak.replaced} replaced and "
        f"{soak.deleted} deleted; {soak.api_requests} API requests, faults "
        f"injected {soak.faults}; {soak.seconds:.1f} s",
    ]
    for p in soak.phases:
        state = (
            f"converged after {p.runs} apply run(s)"
            if p.converged
            else (f"NOT converged after {p.runs} runs")
        )
        lines.append(
            f"  {p.name}: {p.desired} rooms desired; {state} (exits "
            f"{p.apply_exits}, {p.seconds:.1f} s); duplicates {p.duplicates}, "
            f"lost {p.lost}, orphans {p.orphans}"
        )
        lines += [f"    apply {i}: {text}" for i, text in enumerate(p.summaries, 1)]
        lines += [f"    {problem}" for problem in p.problems]
    verdict = "met" if soak.met() else "MISSED"
    lines.append(f"  targets (0 duplicates, 0 lost, <= 2 runs): {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--replace", type=int, default=200)
    parser.add_argument("--delete", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-runs", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    soak = run_soak(
        args.rooms, args.replace, args.delete, seed=args.seed, max_runs=args.max_runs
    )
    print(report(soak))
    if args.json:
        write_json(args.json, soak, soak.met())
    if not soak.met():
        sys.exit(1)


if __name__ == "__main__":
    main()
