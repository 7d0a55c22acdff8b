"""A project directory and the real CLI, for end-to-end tests against the emulator.

    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"]})
    result = project.cli("apply", "--auto-approve")

Rooms are written as room files the way users write them; the CLI runs as a
subprocess (`python -m provisioner`) with the emulator's URL and key in its
environment and short retry and reconciliation delays.

    Project(tmp_path, emulator, state="postgresql://…?workspace=w")

runs the same CLI against a shared PostgreSQL state: provisioner.yaml still
names the local file, and PROVISIONER_STATE in the CLI's environment
overrides it, as in a CI job; `state()` reads whichever backend is in use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from provisioner.emulator.dialect import FLAVOURS

# End-to-end tests carry this marker; conftest runs each once per flavour.
E2E_MARKER = "e2e"
FLAVOURS_VARIABLE = "PROVISIONER_TEST_FLAVOURS"
# Both flavours: our reading of the contract, and the reference as published.
DEFAULT_E2E_FLAVOURS = ("contract", "docs")

FAST_ENV = {
    "PROVISIONER_RETRY_BASE": "0.01",
    "PROVISIONER_RETRY_CAP": "0.2",
    "PROVISIONER_RECONCILE_DELAY": "0.05",
    "NO_COLOR": "1",
}
USERS = {"alice": {"role": "plus"}, "bob": {"role": "basic"}}


class Project:
    """A temporary repository with provisioner.yaml, room files and a state file."""

    def __init__(
        self, root: Path, emulator: Any, settings: str = "", state: str | None = None
    ) -> None:
        self.root = root
        self.emulator = emulator
        self.state_url = state
        (root / "rooms").mkdir(parents=True, exist_ok=True)
        (root / "provisioner.yaml").write_text(
            "rooms: rooms/\nstate: rooms.state.json\n" + settings, encoding="utf-8"
        )
        self.state_path = root / "rooms.state.json"

    def write_rooms(
        self,
        rooms: Mapping[str, Sequence[str] | Mapping[str, Any]],
        users: Mapping[str, Any] | None = None,
        external: Sequence[str] = (),
    ) -> None:
        """rooms/estate.yaml: each room a participant list or a full mapping."""
        document: dict[str, Any] = {"users": dict(USERS if users is None else users)}
        if external:
            document["external_users"] = list(external)
        document["rooms"] = {
            name: (
                dict(room)
                if isinstance(room, Mapping)
                else {"participants": [{"user_id": u} for u in room]}
            )
            for name, room in rooms.items()
        }
        if not document["users"]:
            del document["users"]
        text = yaml.safe_dump(document, sort_keys=True)
        (self.root / "rooms" / "estate.yaml").write_text(text, encoding="utf-8")

    def env(self, **extra: str) -> dict[str, str]:
        shared = {"PROVISIONER_STATE": self.state_url} if self.state_url else {}
        return {**os.environ, **FAST_ENV, **self.emulator.env, **shared, **extra}

    def cli(
        self,
        *args: str,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "provisioner", *args],
            cwd=self.root,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=dict(env) if env is not None else self.env(),
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "provisioner", *args],
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
        )

    def state(self) -> dict[str, Any]:
        """The state document with its journal replayed (as the CLI sees it)."""
        from provisioner.state import open_backend

        backend = open_backend(self.state_url or str(self.state_path), self.root)
        try:
            return backend.read().to_dict()
        finally:
            backend.close()

    def room_ids(self) -> dict[str, str]:
        return {n: r["room_id"] for n, r in self.state()["rooms"].items()}


def e2e_flavours(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The emulator flavours end-to-end tests run against.

    ``PROVISIONER_TEST_FLAVOURS=contract,docs`` (comma-separated; ``all`` for
    every flavour); unset or empty: ``DEFAULT_E2E_FLAVOURS``.
    """
    text = environ.get(FLAVOURS_VARIABLE, "").strip()
    if text == "all":
        return FLAVOURS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FLAVOURS]
    if unknown:
        choices = ", ".join((*FLAVOURS, "all"))
        raise ValueError(f"{FLAVOURS_VARIABLE}: unknown {unknown[0]!r} ({choices})")
    return names or DEFAULT_E2E_FLAVOURS


def live_rooms(emulator: Any) -> list[dict[str, Any]]:
    """Rooms on the emulator whose links work (neither disabled nor deleted)."""
    return [r for r in emulator.rooms() if not r["disabled"] and not r["deleted"]]


def live_descriptions(emulator: Any) -> Counter[str]:
    return Counter(str(r["description"]) for r in live_rooms(emulator))


def converged(project: Project, desired: Sequence[str]) -> list[str]:
    """What is wrong with the emulator against the state (empty when converged).

    Zero duplicates: each desired room is live exactly once. Zero orphans:
    every live room is in the state, and every state room is live.
    """
    problems = []
    counts = live_descriptions(project.emulator)
    for name in desired:
        if counts[name] != 1:
            problems.append(f"{name}: {counts[name]} live rooms")
    extra = sorted(set(counts) - set(desired))
    if extra:
        problems.append(f"live rooms not desired: {extra}")
    state = project.state()
    live_ids = {r["room_id"] for r in live_rooms(project.emulator)}
    in_state = {r["room_id"] for r in state["rooms"].values()}
    if live_ids - in_state:
        problems.append(f"orphans (live, not in state): {sorted(live_ids - in_state)}")
    if in_state - live_ids:
        problems.append(f"in state, not live: {sorted(in_state - live_ids)}")
    if state["pending"] or state["retiring"]:
        problems.append(f"unfinished: {state['pending']} {state['retiring']}")
    return problems


def text_of(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


def urls_in(state: Mapping[str, Any]) -> list[str]:
    return [u for r in state["rooms"].values() for u in r["urls"].values()]


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
