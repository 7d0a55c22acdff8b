"""Secrets pass: the API key and every join link, searched for in all output.

    python benchmarks/bench_secrets.py [--flavour contract|docs|all] [--json OUT]

Runs every command against a `provisioner emulator --access-log --data FILE`
process with a known key: validate; plan as text, json and markdown, each
also with --out; apply of a saved plan and of the files (creates, a replace,
a delete, a user update); apply under 5xx and lost-answer faults (both drop
modes), so retries, reconciliation and adoption log what they log; output in
every format; state list, show; import; error paths (a wrong key, an unknown
room). Each command runs with and without -v. Everything is captured: stdout,
stderr (where the logs go), the plan files and the markdown written, every
other file in the project, and the emulator's access log.

The secrets: the key, a wrong key given on purpose, and every link token the
emulator ever issued (its --data file holds them all, those of rooms whose
answer was lost included), plus every join URL any state version held.
Allowed places: the stdout of `provisioner output` and of
`state show --show-urls` (both print links on request), and the state file
with its .backup and .journal. Target: 0 occurrences anywhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from reliability import cli, serving, write_json

from provisioner.emulator.dialect import FLAVOURS
from provisioner.state.local import LocalBackend

STATE = "rooms.state.json"
STATE_FILES = (STATE, f"{STATE}.backup", f"{STATE}.journal")
URL_COMMANDS = ("output", "state show --show-urls")
FAST = {
    "PROVISIONER_RETRY_BASE": "0.01",
    "PROVISIONER_RETRY_CAP": "0.05",
    "PROVISIONER_RECONCILE_DELAY": "0.05",
    "NO_COLOR": "1",
}
USERS = {"alice": {"role": "plus"}, "bob": {"role": "basic"}}


@dataclass
class Leak:
    where: str
    secret: str  # which kind: key, wrong key, token, url (never the value)
    count: int


@dataclass
class SecretsPass:
    flavour: str
    commands: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    secrets: Counter[str] = field(default_factory=Counter)  # searched for, by kind
    places: int = 0  # streams and files searched
    searched_bytes: int = 0
    allowed_hits: int = 0  # links where they belong (output, the state file)
    leaks: list[Leak] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def occurrences(self) -> int:
        return sum(leak.count for leak in self.leaks)

    def met(self) -> bool:
        # The allowed places must show the links: a pass that finds nothing
        # anywhere would be searching for the wrong strings.
        return not self.leaks and self.allowed_hits > 0


@dataclass
class Captured:
    """Every stream a command wrote, by a label saying which command."""

    streams: list[tuple[str, str]] = field(default_factory=list)
    urls_from_state: set[str] = field(default_factory=set)


def room(duration: int, *people: str) -> dict[str, Any]:
    return {"duration": duration, "participants": [{"user_id": p} for p in people]}


ESTATES: list[dict[str, dict[str, Any]]] = [
    {  # 1: first apply
        "standup": room(900, "alice", "bob"),
        "clinic": {**room(600, "alice", "frontdesk"), "description": "Clinic A"},
        "support": room(1200, "alice", "bob", "frontdesk"),
    },
    {  # 2: standup replaced, support deleted, adopted imported
        "standup": room(1800, "alice", "bob"),
        "clinic": {**room(600, "alice", "frontdesk"), "description": "Clinic A"},
        "adopted": room(300, "alice", "bob"),
    },
    {  # 3: under faults: two replaces, two creates
        "standup": room(2400, "alice", "bob"),
        "clinic": {**room(660, "alice", "frontdesk"), "description": "Clinic A"},
        "adopted": room(300, "alice", "bob"),
        "night-desk": room(3600, "alice", "frontdesk"),
        "day-desk": room(3000, "alice", "bob"),
    },
]


class Pass:
    """The project, the emulator, and what every command wrote."""

    def __init__(self, root: Path, url: str, key: str, plain_too: bool) -> None:
        self.root = root
        self.plain_too = plain_too
        self.url = url
        self.key = key
        self.env = {
            **os.environ,
            **FAST,
            "KALEYRA_API_URL": url,
            "KALEYRA_API_KEY": key,
        }
        self.captured = Captured()
        self.exits: Counter[str] = Counter()
        (root / "rooms").mkdir()
        (root / "provisioner.yaml").write_text(f"rooms: rooms/\nstate: {STATE}\n")

    def write(self, rooms: Mapping[str, Any], role: str = "basic") -> None:
        users = {**USERS, "bob": {"role": role}}
        document = {"users": users, "external_users": ["frontdesk"], "rooms": rooms}
        text = yaml.safe_dump(document, sort_keys=True)
        (self.root / "rooms" / "estate.yaml").write_text(text)

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        both: bool = True,
        full_only: bool = False,
    ) -> None:
        """The command with -v (first: it does the work) and, if `both`, without.

        `full_only`: a run whose output another run already covers (the test
        suite's shorter pass leaves it out).
        """
        if full_only and not self.plain_too:
            return
        for verbose in (True, False) if both and self.plain_too else (True,):
            argv = ("-v", *args) if verbose else args
            result = cli(self.root, env or self.env, *argv, timeout=300)
            label = " ".join(argv)
            self.exits[f"{args[0]} {result.returncode}"] += 1
            self.captured.streams.append((f"{label} [stdout]", result.stdout))
            self.captured.streams.append((f"{label} [stderr]", result.stderr))
            self.snapshot_state()

    def snapshot_state(self) -> None:
        if (self.root / STATE).exists():
            state = LocalBackend(self.root / STATE).read()
            for record in state.rooms.values():
                self.captured.urls_from_state |= set(record.urls.values())

    def faults(self, **knobs: Any) -> None:
        httpx.post(f"{self.url}/_emulator/config", json=knobs, timeout=10)

    def create_on_api(self, description: str) -> str:
        """A room made outside the provisioner (to import); its id."""
        body = {
            "description": description,
            "duration": 300,
            "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
        }
        answer = httpx.post(
            f"{self.url}/rest/room/create",
            json=body,
            headers={"apikey": self.key},
            timeout=10,
        )
        answer.raise_for_status()
        room_id: str = answer.json()["room"]["room_id"]
        return room_id


def script(p: Pass, wrong_key: str) -> None:
    """Every command, in an order that exercises each path."""
    p.write(ESTATES[0])
    p.run("validate")
    for fmt in ("text", "json", "markdown"):
        p.run("plan", "--format", fmt, full_only=True)
        p.run("plan", "--format", fmt, "--out", f"plan-{fmt}.json")
    p.run("apply", "plan-text.json", both=False)
    p.run("apply", "--auto-approve")
    for fmt in ("text", "json", "csv"):
        p.run("output", "--format", fmt, full_only=fmt != "text")
    p.run("output", "standup", full_only=True)
    p.run("state", "list")
    p.run("state", "list", "--format", "json", full_only=True)
    p.run("state", "show", "standup")
    p.run("state", "show", "standup", "--show-urls")
    p.write(ESTATES[1], role="plus")
    p.run("import", "adopted", p.create_on_api("adopted"), both=False)
    for fmt in ("text", "json", "markdown"):
        out = f"plan2-{fmt}.json"
        p.run("plan", "--format", fmt, "--out", out, full_only=fmt == "json")
    p.run("apply", "--auto-approve")
    p.write(ESTATES[2], role="plus")
    p.faults(fail_rate=0.3, commit_then_drop=0.5, drop_mode="error")
    p.run("apply", "--auto-approve", both=False)
    p.faults(fail_rate=0.2, commit_then_drop=0.5, drop_mode="disconnect")
    p.write({**ESTATES[2], "extra-desk": room(1500, "alice", "bob")}, role="plus")
    p.run("apply", "--auto-approve", both=False)
    p.faults(fail_rate=0.0, commit_then_drop=0.0)
    p.run("apply", "--auto-approve")
    p.run("plan", "--format", "markdown")
    bad = {**p.env, "KALEYRA_API_KEY": wrong_key}
    p.run("plan", env=bad)
    p.run("apply", "--auto-approve", env=bad)
    p.run("import", "another", "room_doesnotexist")
    p.run("output", "no-such-room")
    p.run("state", "show", "no-such-room")
    p.run("plan", "--no-refresh", "--format", "json")


def issued_tokens(data_file: Path) -> set[str]:
    """Every link token the emulator ever issued (create and room/info ones)."""
    data = json.loads(data_file.read_text())
    found: set[str] = set()
    for room in data["rooms"]:
        for link in room["links"]:
            found |= {t for t in (link["token"], link.get("attach")) if t}
    return found


def allowed(label: str) -> bool:
    """stdout of the commands whose job is to print links."""
    command = label.removeprefix("-v ").split(" [")[0]
    stream = label.rsplit(" [", 1)[-1]
    url_command = command.startswith("output") or (
        command.startswith("state show") and "--show-urls" in command
    )
    return url_command and stream == "stdout]"


def places(p: Pass, emulator_log: Path) -> Iterator[tuple[str, str, bool]]:
    """(where, text, links allowed there) for everything written."""
    for label, text in p.captured.streams:
        yield label, text, allowed(label)
    for path in sorted(p.root.rglob("*")):
        if path.is_file():
            relative = str(path.relative_to(p.root))
            text = path.read_bytes().decode("utf-8", "replace")
            yield f"file {relative}", text, relative in STATE_FILES
    yield "emulator access log", emulator_log.read_text(errors="replace"), False


def search(result: SecretsPass, p: Pass, log: Path, wanted: Mapping[str, str]) -> None:
    """Count each secret in each place; `wanted` maps a secret to its kind."""
    for where, text, links_allowed in places(p, log):
        result.places += 1
        result.searched_bytes += len(text)
        hits: Counter[str] = Counter()
        for secret, kind in wanted.items():
            if secret in text:
                hits[kind] += text.count(secret)
        for kind, count in sorted(hits.items()):
            if links_allowed and kind in ("token", "url"):
                result.allowed_hits += count
            else:
                result.leaks.append(Leak(where, kind, count))


def run_pass(flavour: str = "contract", *, plain_too: bool = True) -> SecretsPass:
    """The whole pass; `plain_too=False` runs each command with -v only (the
    same output plus the logs), for the test suite's shorter version."""
    result = SecretsPass(flavour)
    started = time.perf_counter()
    key, wrong_key = (
        "ak_live_" + secrets.token_hex(16),
        "ak_live_" + secrets.token_hex(16),
    )
    with tempfile.TemporaryDirectory(prefix="provisioner-secrets-") as tmp:
        home = Path(tmp)
        (home / "project").mkdir()
        data, log = home / "emulator.json", home / "emulator.log"
        env = {**os.environ, "KALEYRA_API_KEY": key}
        env.pop("KALEYRA_API_URL", None)
        command = [sys.executable, "-m", "provisioner", "emulator", "--port", "0"]
        command += ["--access-log", "--data", str(data), "--flavour", flavour]
        command += ["--user", "frontdesk:basic", "--seed", "5"]
        with serving(command, env, stderr=log) as url:
            p = Pass(home / "project", url, key, plain_too)
            script(p, wrong_key)
        wanted = {key: "key", wrong_key: "wrong key"}
        wanted |= {token: "token" for token in issued_tokens(data)}
        wanted |= {url: "url" for url in p.captured.urls_from_state}
        result.secrets = Counter(wanted.values())
        search(result, p, log, wanted)
        result.commands = sum(p.exits.values())
        result.exits = p.exits
    result.seconds = time.perf_counter() - started
    return result


def report(results: Sequence[SecretsPass]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"secrets pass [{r.flavour}]: {r.commands} command runs "
            f"(exits {dict(sorted(r.exits.items()))}), searched {r.places} "
            f"places ({r.searched_bytes} bytes) for {dict(r.secrets)}; "
            f"{r.seconds:.1f} s"
        )
        lines.append(
            f"  occurrences outside output and the state file: {r.occurrences}; "
            f"links where allowed: {r.allowed_hits}"
        )
        lines += [f"    LEAK {x.count} x {x.secret} in {x.where}" for x in r.leaks]
    verdict = "met" if all(r.met() for r in results) else "MISSED"
    lines.append(f"  target (0 occurrences): {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavour", choices=[*FLAVOURS, "all"], default="all")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    flavours = FLAVOURS if args.flavour == "all" else (args.flavour,)
    results = [run_pass(f) for f in flavours]
    print(report(results))
    if args.json:
        write_json(args.json, results, all(r.met() for r in results))
    if not all(r.met() for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
