"""Shared pieces of the apply benchmarks: an emulator process and a project dir."""

from __future__ import annotations

import os
import re
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

USERS = ("alice:plus", "bob:basic")
SUMMARY = re.compile(r"in (\d+(?:\.\d+)?) s$", re.MULTILINE)


@contextmanager
def emulator(*flags: str) -> Iterator[tuple[str, str]]:
    """A `provisioner emulator --port 0` process: yields (url, api key)."""
    key = "ak_test_" + secrets.token_hex(8)
    env = {**os.environ, "KALEYRA_API_KEY": key}
    env.pop("KALEYRA_API_URL", None)
    users = [arg for user in USERS for arg in ("--user", user)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "provisioner",
            "emulator",
            "--port",
            "0",
            *users,
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        url = proc.stdout.readline().decode().strip() if ready else ""
        if not url.startswith("http://"):
            raise RuntimeError(f"the emulator did not start: {url!r}")
        yield url, key
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def rooms_document(count: int) -> dict[str, Any]:
    """`count` rooms with the two seeded users, as a room file."""
    people = [{"user_id": "alice"}, {"user_id": "bob"}]
    return {
        "external_users": ["alice", "bob"],
        "rooms": {f"room-{i:05d}": {"participants": people} for i in range(count)},
    }


@contextmanager
def project(count: int) -> Iterator[Path]:
    """A temporary repository with `count` rooms and a local state file."""
    with tempfile.TemporaryDirectory(prefix="provisioner-bench-") as tmp:
        root = Path(tmp)
        (root / "rooms").mkdir()
        (root / "provisioner.yaml").write_text(
            "rooms: rooms/\nstate: rooms.state.json\n", encoding="utf-8"
        )
        text = yaml.safe_dump(rooms_document(count), sort_keys=True)
        (root / "rooms" / "bench.yaml").write_text(text, encoding="utf-8")
        yield root


def apply(root: Path, url: str, key: str, *flags: str) -> tuple[float, float, str]:
    """`provisioner apply --auto-approve`: (wall s, engine s, stdout)."""
    env = {**os.environ, "KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "apply", "--auto-approve", *flags],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"apply failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    found = SUMMARY.search(result.stdout)
    return wall, float(found[1]) if found else float("nan"), result.stdout


def sequential_creates(url: str, key: str, count: int) -> float:
    """A plain loop of create calls, as a user would script it: seconds."""
    body = {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers={"apikey": key}, timeout=30) as http:
        made = 0
        while made < count:
            response = http.post(
                "/rest/room/create", json={**body, "description": f"loop-{made}"}
            )
            if response.status_code == 429:
                time.sleep(float(response.headers.get("retry-after", "1")))
                continue
            response.raise_for_status()
            made += 1
    return time.perf_counter() - started


def stats(url: str) -> Mapping[str, Any]:
    return httpx.get(f"{url}/_emulator/stats", timeout=30).json()


def live_rooms(url: str) -> Sequence[Mapping[str, Any]]:
    return [r for r in stats(url)["rooms"] if not r["disabled"] and not r["deleted"]]
