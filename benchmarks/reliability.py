"""What the reliability benchmarks share: running the CLI, and counting on the API.

The counts come from the emulator's inspection endpoint (`/_emulator/stats`,
every room ever created, deleted ones flagged) and the state file as the CLI
reads it (journal replayed), never from the CLI's own output.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import select
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from provisioner.state.local import LocalBackend


@dataclass
class Tally:
    """What is wrong on the API against the files and the state."""

    duplicates: int = 0  # live rooms beyond the first with one description
    lost: list[str] = field(default_factory=list)  # desired, not live (or dead id)
    orphans: list[str] = field(default_factory=list)  # live, unknown to the state
    unfinished: int = 0  # pending creates and retiring rooms left in the state

    def clean(self) -> bool:
        return not (self.duplicates or self.lost or self.orphans or self.unfinished)


def emulator_stats(url: str) -> dict[str, Any]:
    """GET /_emulator/stats (no fault layer touches it)."""
    stats: dict[str, Any] = httpx.get(url + "/_emulator/stats", timeout=60).json()
    return stats


def live_rooms(url: str) -> list[dict[str, Any]]:
    rooms: list[dict[str, Any]] = emulator_stats(url)["rooms"]
    return [r for r in rooms if not r["disabled"] and not r["deleted"]]


def tally(url: str, state_path: Path, desired: Mapping[str, str]) -> Tally:
    """Count against `desired` (room name -> description) and the state file."""
    live = live_rooms(url)
    per_description = Counter(str(r["description"]) for r in live)
    state = LocalBackend(state_path).read()
    live_ids = {r["room_id"] for r in live}
    known = state.known_room_ids()
    lost = {n for n, text in desired.items() if per_description[text] == 0}
    lost |= {n for n, r in state.rooms.items() if r.room_id not in live_ids}
    lost |= set(desired) - set(state.rooms)
    return Tally(
        duplicates=sum(n - 1 for n in per_description.values() if n > 1),
        lost=sorted(lost),
        orphans=sorted(live_ids - known),
        unfinished=len(state.pending) + len(state.retiring),
    )


@contextmanager
def serving(
    command: list[str], env: Mapping[str, str], stderr: Path | None = None
) -> Iterator[str]:
    """A server process that prints its URL first; yields the URL.

    Stopped at the end by its own pid (SIGTERM, then SIGKILL after 10 s).
    """
    with open(stderr or "/dev/null", "wb") as errors:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=dict(env)
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            url = proc.stdout.readline().decode().strip() if ready else ""
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"{command[1:4]} did not start: {url!r}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


@contextmanager
def emulator(*flags: str) -> Iterator[tuple[str, str]]:
    """`provisioner emulator --port 0` with alice (plus) and bob: (url, key)."""
    key = "ak_test_" + secrets.token_hex(8)
    env = {**os.environ, "KALEYRA_API_KEY": key}
    env.pop("KALEYRA_API_URL", None)
    command = [sys.executable, "-m", "provisioner", "emulator", "--port", "0"]
    command += ["--user", "alice:plus", "--user", "bob:basic", *flags]
    with serving(command, env) as url:
        yield url, key


def plain(value: Any) -> Any:
    """A dataclass of figures as JSON-ready data.

    Not `dataclasses.asdict`: it rebuilds a Counter from (key, count) pairs,
    which counts the pairs.
    """
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def reproduce(argv: list[str]) -> str:
    """The command line that reproduces a run, minus where its JSON went."""
    args, skip = [], False
    for arg in argv[1:]:
        if skip or arg == "--json":
            skip = not skip
            continue
        args.append(arg)
    return " ".join(["cd benchmarks && python", Path(argv[0]).name, *args])


def write_json(path: Path, figures: Any, met: bool) -> None:
    """The figures, and whether the targets were met, for reliability_table.py."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "figures": plain(figures),
        "met": met,
        "command": reproduce(sys.argv),
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def cli(
    root: Path, env: Mapping[str, str], *args: str, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    """`python -m provisioner ARGS` in `root`, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        cwd=root,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
