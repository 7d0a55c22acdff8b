"""Fuzzing: generated room, settings, state and plan files through the CLI.

    python benchmarks/bench_fuzz.py [--cases 20000] [--byte-cases 5000]
        [--seed N] [--json OUT] [--keep DIR]

`--cases` room files and settings files (3:1) from fuzzcases.py, and
`--byte-cases` state files and saved plans (1:1: arbitrary bytes or a real
document mutated), each run in process through click's CliRunner against
`provisioner.cli.cli` with `catch_exceptions=False`:

| input | commands |
|---|---|
| rooms/fuzz.yaml (beside a valid rooms/base.yaml) | `validate`, `plan --no-refresh` |
| provisioner.yaml | `validate`, `plan --no-refresh` |
| rooms.state.json (sometimes also its .journal) | `state list`, `plan --no-refresh` |
| plan.json | `apply plan.json` |

A failure is an exception escaping the CLI (a traceback), an exit code other
than 0, 1 or 2, or an error (exit 1) whose output does not name the file
under test (validate prints its problems on stdout, so both streams count for
it; every other command's errors must name it on stderr). No API is reachable:
KALEYRA_API_KEY is unset and KALEYRA_API_URL points at a closed port.
Targets: 0 tracebacks, 0 unnamed errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import socket
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import fuzzcases
import yaml
from click.testing import CliRunner, Result
from reliability import write_json

from provisioner.cli import cli

ROOM_FILE = "rooms/fuzz.yaml"
SETTINGS = "provisioner.yaml"
STATE = "rooms.state.json"
PLAN = "plan.json"
VALID_SETTINGS = "rooms: rooms/\nstate: rooms.state.json\n"
BASE_ROOMS = """\
users:
  alice: {role: plus}
  bob: {role: basic}
  carol: {role: basic}
rooms:
  base-room:
    description: The base room
    participants: [{user_id: alice}, {user_id: bob}]
"""
# Verdicts on a file that was read correctly, not errors in it: a safety
# refusal (a state whose room is prevent_destroy), a stale saved plan ("this
# plan ...; run plan again"), and a plan good enough to reach the point where
# apply needs the API key. Counted apart, not as failures.
VERDICTS = ("refusing to ", "run plan again", "KALEYRA_API_KEY")
KEPT = 40


@dataclass
class Failure:
    kind: str  # traceback | exit code | unnamed
    case: str  # room | settings | state | plan
    command: str
    detail: str
    saved: str = ""


@dataclass
class FuzzRun:
    seed: int
    cases: Counter[str] = field(default_factory=Counter)
    invocations: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    failure_kinds: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)  # see VERDICTS
    seconds: float = 0.0

    @property
    def tracebacks(self) -> int:
        return self.failure_kinds["traceback"]

    @property
    def unnamed(self) -> int:
        return self.failure_kinds["unnamed"] + self.failure_kinds["exit code"]

    def met(self) -> bool:
        return not self.failure_kinds


def settings_paths(data: bytes) -> list[str]:
    """The rooms: and state: paths a settings file names (they may be the culprit)."""
    try:
        document = yaml.load(data, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError, AttributeError):
        return []  # not the CLI's failure: this harness only looks for names
    if not isinstance(document, dict):
        return []
    values = (document.get("rooms"), document.get("state"))
    return [v.strip("/") for v in values if isinstance(v, str) and v.strip("/")]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Harness:
    """A project folder and an in-process CLI; one input at a time."""

    def __init__(self, root: Path, run: FuzzRun, keep: Path | None) -> None:
        self.root = root
        self.run = run
        self.keep = keep
        self.runner = CliRunner()
        self.env: dict[str, str | None] = {
            "KALEYRA_API_KEY": None,
            "KALEYRA_API_URL": f"http://127.0.0.1:{closed_port()}",
            "PROVISIONER_STATE": None,
            "NO_COLOR": "1",
        }
        (root / "rooms").mkdir()
        (root / SETTINGS).write_text(VALID_SETTINGS)
        (root / "rooms" / "base.yaml").write_text(BASE_ROOMS)
        self.base_plan = self._saved_plan()

    def _saved_plan(self) -> object:
        result = self.runner.invoke(
            cli, ["plan", "--no-refresh", "--out", PLAN], env=self.env
        )
        assert result.exit_code == 0, result.output
        return json.loads((self.root / PLAN).read_text())

    def check(self, case: str, data: bytes, args: list[str], file: str) -> None:
        """Run one command on the input in place; record what went wrong."""
        self.run.invocations += 1
        command = " ".join(args)
        try:
            result = self._invoke(args)
        except Exception:  # anything escaping the CLI is the finding
            self._fail("traceback", case, command, traceback.format_exc(), data)
            return
        code = result.exit_code
        self.run.exits[f"{args[0]} {code}"] += 1
        if code not in (0, 1, 2):
            self._fail("exit code", case, command, f"exit {code}", data)
        elif code == 1 and any(v in result.stderr for v in VERDICTS):
            self.run.verdicts[case] += 1
        elif code == 1 and not self._names(file, args[0], result, data):
            self._fail("unnamed", case, command, result.stderr[-600:], data)

    def _invoke(self, args: list[str]) -> Result:
        # cli() installs its log handler only on a bare root logger (as in a
        # real process), bound to the stderr of that moment: give it one per
        # run, and put back whatever the host (pytest) had.
        saved, level = logging.root.handlers[:], logging.root.level
        logging.root.handlers.clear()
        try:
            return self.runner.invoke(cli, args, env=self.env, catch_exceptions=False)
        finally:
            logging.root.handlers[:] = saved
            logging.root.setLevel(level)

    @staticmethod
    def _names(file: str, command: str, result: Result, data: bytes) -> bool:
        """The output names the file, or (settings) a path the file names."""
        text = result.stderr + (result.stdout if command == "validate" else "")
        names = [file, *(settings_paths(data) if file == SETTINGS else [])]
        return any(name in text for name in names)

    def _fail(
        self, kind: str, case: str, command: str, detail: str, data: bytes
    ) -> None:
        failure = Failure(kind, case, command, detail)
        self.run.failure_kinds[kind] += 1
        if len(self.run.failures) < KEPT:
            if self.keep is not None:
                self.keep.mkdir(parents=True, exist_ok=True)
                path = self.keep / f"{len(self.run.failures):03d}-{case}.bin"
                path.write_bytes(data)
                failure.saved = str(path)
            self.run.failures.append(failure)

    def room_case(self, data: bytes) -> None:
        path = self.root / ROOM_FILE
        path.write_bytes(data)
        self.check("room", data, ["validate"], ROOM_FILE)
        self.check("room", data, ["plan", "--no-refresh"], ROOM_FILE)
        path.unlink()

    def settings_case(self, data: bytes) -> None:
        (self.root / SETTINGS).write_bytes(data)
        self.check("settings", data, ["validate"], SETTINGS)
        self.check("settings", data, ["plan", "--no-refresh"], SETTINGS)
        (self.root / SETTINGS).write_text(VALID_SETTINGS)

    def state_case(self, data: bytes, journal: bytes | None) -> None:
        (self.root / STATE).write_bytes(data)
        if journal is not None:
            (self.root / f"{STATE}.journal").write_bytes(journal)
        self.check("state", data, ["state", "list"], STATE)
        self.check("state", data, ["plan", "--no-refresh"], STATE)
        self._clear_state()

    def plan_case(self, data: bytes) -> None:
        (self.root / PLAN).write_bytes(data)
        self.check("plan", data, ["apply", PLAN], PLAN)
        self._clear_state()

    def _clear_state(self) -> None:
        for path in self.root.glob(f"{STATE}*"):
            path.unlink()


STATE_KEYS = ("version", "lineage", "serial", "users", "rooms", "retiring", "pending")
PLAN_KEYS = ("format_version", "kind", "lineage", "serial", "inputs", "rooms", "users")


def a_state(rng: random.Random) -> dict[str, object]:
    """A real-looking state document with one room."""
    room = {
        "room_id": "room_abc",
        "request": {"description": "x", "participants": []},
        "fingerprint": "sha256:00",
        "urls": {"alice": "https://example.test/join/tok"},
        "created_at": "2026-01-01T00:00:00Z",
        "prevent_destroy": False,
    }
    return {
        "version": 1,
        "lineage": "6f1c2d1e-0000-4000-8000-000000000000",
        "serial": rng.randrange(1, 9),
        "users": {},
        "rooms": {"base-room": room},
        "retiring": {},
        "pending": {},
    }


def a_journal(rng: random.Random) -> bytes:
    ops = [{"op": rng.choice(["room", "forget", "pending", "retire", "x"])}]
    line = json.dumps(fuzzcases.mutate_tree(rng, ops, ("op", "name", "room")))
    return (line + "\n").encode() if rng.random() < 0.7 else rng.randbytes(50)


def run_fuzz(
    cases: int, byte_cases: int, *, seed: int = 1, keep: Path | None = None
) -> FuzzRun:
    run = FuzzRun(seed)
    rng = random.Random(seed)
    started = time.perf_counter()
    with project() as root:
        harness = Harness(root, run, keep)
        for index in range(cases):
            if index % 4 == 3:
                run.cases["settings"] += 1
                harness.settings_case(fuzzcases.settings_file(rng))
            else:
                run.cases["room"] += 1
                harness.room_case(fuzzcases.room_file(rng))
        for index in range(byte_cases):
            if index % 2:
                run.cases["plan"] += 1
                plan = json.loads(json.dumps(harness.base_plan))
                harness.plan_case(fuzzcases.json_case(rng, plan, PLAN_KEYS))
            else:
                run.cases["state"] += 1
                data = fuzzcases.json_case(rng, a_state(rng), STATE_KEYS)
                journal = a_journal(rng) if rng.random() < 0.3 else None
                harness.state_case(data, journal)
    run.seconds = time.perf_counter() - started
    return run


@contextmanager
def project() -> Iterator[Path]:
    """A temporary project folder, made the current directory meanwhile."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="provisioner-fuzz-") as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(before)


def report(run: FuzzRun) -> str:
    per_second = run.invocations / run.seconds if run.seconds else 0.0
    lines = [
        f"fuzz: {sum(run.cases.values())} inputs {dict(run.cases)}, "
        f"{run.invocations} CLI runs in {run.seconds:.1f} s ({per_second:.0f}/s), "
        f"seed {run.seed}",
        f"  exit codes: {dict(sorted(run.exits.items()))}",
        f"  tracebacks {run.tracebacks}, errors not naming their file "
        f"{run.unnamed}; verdicts on well-formed files (not failures) "
        f"{dict(run.verdicts)}",
    ]
    for failure in run.failures[:10]:
        detail = failure.detail.strip().splitlines()[-1:] or [""]
        lines.append(
            f"    {failure.kind} [{failure.case}] {failure.command}: {detail[0]}"
            + (f" ({failure.saved})" if failure.saved else "")
        )
    verdict = "met" if run.met() else "MISSED"
    lines.append(f"  targets (0 tracebacks, every error names its file): {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--byte-cases", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--keep",
        type=Path,
        default=Path(__file__).parent / "out" / "fuzz-failures",
        help="save failing inputs here (emptied first)",
    )
    args = parser.parse_args()
    keep = args.keep.resolve()
    shutil.rmtree(keep, ignore_errors=True)
    run = run_fuzz(args.cases, args.byte_cases, seed=args.seed, keep=keep)
    print(report(run))
    if args.json:
        write_json(args.json, run, run.met())
    if not run.met():
        sys.exit(1)


if __name__ == "__main__":
    main()
