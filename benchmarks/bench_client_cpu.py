"""The client's CPU per create next to a plain asyncio httpx loop (issue 11).

    python benchmarks/bench_client_cpu.py [--creates 1000] [--concurrency 16]
                                          [--rounds 3]

One emulator subprocess on 127.0.0.1, one client process (this one). Each
round makes N creates with a bare ``httpx.AsyncClient`` loop (POST
/rest/room/create, ``apikey`` header, two participants, a unique description,
the JSON answer parsed) and N with ``KaleyraClient.create_room``, both at the
same concurrency, alternating which goes first. The measure is this process's
CPU seconds (``time.process_time``: user + system, all threads) per create;
the best round of each is kept, and the ratio client / loop is printed.
Target: at most 1.3x. The emulator is reset before every run.

``--apply`` adds a third row: a whole ``provisioner apply --auto-approve``
process creating N rooms at ``--parallelism`` CONCURRENCY (its CPU from
``RUSAGE_CHILDREN``: start-up, planning, state commits and the final
compaction included), for comparison with the two loops. ``--latency MS``
delays each emulator answer (50 for the apply figures of RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import secrets
import select
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from applybench import SUMMARY, project

from provisioner.kaleyra import ApiKey, KaleyraClient

TARGET = 1.3
PARTICIPANTS = [{"user_id": "alice", "is_admin": True}, {"user_id": "bob"}]
Create = Callable[[int], Awaitable[Any]]
Run = tuple[float, float]  # CPU seconds, wall seconds
Runner = Callable[[str, str, int, int], Run]  # url, key, creates, concurrency


@contextmanager
def emulator(key: str, latency: float) -> Iterator[str]:
    """``provisioner emulator --port 0`` as a subprocess: yields its URL."""
    command = [sys.executable, "-m", "provisioner", "emulator", "--port", "0"]
    command += ["--api-key", key, "--user", "alice:plus", "--user", "bob:basic"]
    command += ["--latency", str(latency)] if latency else []
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        url = proc.stdout.readline().decode().strip() if ready else ""
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the emulator did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def body(label: str, index: int) -> dict[str, Any]:
    return {"participants": PARTICIPANTS, "description": f"{label}-{index}"}


async def drive(create: Create, count: int, concurrency: int) -> Run:
    """CPU and wall seconds for ``count`` creates at ``concurrency``."""
    numbers = iter(range(count))

    async def worker() -> None:
        for index in numbers:
            await create(index)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - cpu, time.perf_counter() - wall


async def plain_loop(url: str, key: str, count: int, concurrency: int) -> Run:
    """The floor: what httpx itself costs for the same creates."""
    tag = secrets.token_hex(3)
    headers = {"apikey": key, "accept": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:

        async def create(index: int) -> Any:
            response = await http.post("/rest/room/create", json=body(tag, index))
            response.raise_for_status()
            return response.json()

        await drive(create, 20, concurrency)  # connections open, code warm
        return await drive(create, count, concurrency)


async def project_client(url: str, key: str, count: int, concurrency: int) -> Run:
    """The project's client, the way apply calls it."""
    tag = secrets.token_hex(3)
    async with KaleyraClient(url, ApiKey(key)) as client:

        async def create(index: int) -> Any:
            return await client.create_room(body(tag, index))

        await drive(create, 20, concurrency)
        return await drive(create, count, concurrency)


def apply_process(url: str, key: str, count: int, concurrency: int) -> Run:
    """``provisioner apply`` of ``count`` new rooms: the whole process's CPU
    (start-up, planning, state, final compaction included) and engine seconds."""
    env = {**os.environ, "KALEYRA_API_URL": url, "KALEYRA_API_KEY": key}
    command = [sys.executable, "-m", "provisioner", "apply", "--auto-approve"]
    command += ["--parallelism", str(concurrency)]
    with project(count) as root:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = SUMMARY.search(done.stdout)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, float(found[1]) if found else float("nan")


def reset(url: str) -> None:
    """No rooms on the emulator: every run starts from the same point."""
    httpx.post(f"{url}/_emulator/reset", timeout=10).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, help="emulator, ms")
    parser.add_argument(
        "--apply", action="store_true", help="also time a whole `apply` process"
    )
    options = parser.parse_args()
    n, width = options.creates, options.concurrency
    runners: dict[str, Runner] = {
        "httpx loop": lambda *a: asyncio.run(plain_loop(*a)),
        "KaleyraClient": lambda *a: asyncio.run(project_client(*a)),
    }
    if options.apply:
        runners["provisioner apply"] = apply_process
    runs: dict[str, list[Run]] = {name: [] for name in runners}
    key = "ak_test_" + secrets.token_hex(8)
    with emulator(key, options.latency) as url:
        order = itertools.cycle([list(runners), list(runners)[::-1]])
        for _, names in zip(range(options.rounds), order, strict=False):
            for name in names:
                reset(url)
                runs[name].append(runners[name](url, key, n, width))
    report(runs, options)
    floor = min(runs["httpx loop"])[0]
    ratio = min(runs["KaleyraClient"])[0] / floor
    print(f"CPU ratio KaleyraClient / httpx loop: {ratio:.2f}x (target <= {TARGET}x)")
    if options.apply:
        whole = min(runs["provisioner apply"])[0] / floor
        print(f"CPU ratio whole apply process / httpx loop: {whole:.2f}x")
    return 0 if ratio <= TARGET else 1


def report(runs: dict[str, list[Run]], options: argparse.Namespace) -> None:
    n = options.creates
    print(
        f"{n} creates, concurrency {options.concurrency}, emulator latency "
        f"{options.latency:g} ms, {options.rounds} rounds (best of each kept)"
    )
    print("(wall: the creates alone; for apply, its engine time as it reports it)")
    print(f"{'client':<18} {'CPU ms/create':>13} {'wall s':>7}   each round, CPU ms")
    for name, values in runs.items():
        cpu, wall = min(values)
        rounds = " ".join(f"{c / n * 1000:.3f}" for c, _ in values)
        print(f"{name:<18} {cpu / n * 1000:>13.3f} {wall:>7.2f}   {rounds}")


if __name__ == "__main__":
    sys.exit(main())
