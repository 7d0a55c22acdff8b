"""How many room creates per second the emulator sustains from KaleyraClient.

Starts the real emulator (``python -m provisioner emulator --port 0``) on
127.0.0.1 and drives it with KaleyraClient: CONCURRENCY concurrent creates in
total, spread over PROCESSES client processes, each for at most SECONDS or
REQUESTS/PROCESSES requests. Prints req/s, p50/p95/max latency and the
emulator's own CPU time per request; exits 1 below TARGET req/s.

A single Python client process is the bottleneck here (httpx/httpcore spend
about 2 ms of CPU per request, the emulator about 0.5 ms), hence the option to
split the same total concurrency over two client processes.

    python benchmarks/bench_emulator.py [--processes 1|2] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from provisioner.kaleyra import ApiKey, KaleyraClient, RetryPolicy

TARGET = 500.0
BODY = {
    "participants": [{"user_id": "alice", "is_admin": True}, {"user_id": "bob"}],
    "description": "bench",
    "duration": 3600,
}
Run = tuple[list[float], float, float]  # latencies, first start, last end (epoch s)


def start_emulator(key: str) -> tuple[subprocess.Popen[bytes], str]:
    command = [sys.executable, "-m", "provisioner", "emulator", "--port", "0"]
    command += ["--user", "alice:plus", "--user", "bob:basic", "--seed", "1"]
    env = {**os.environ, "KALEYRA_API_KEY": key}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"emulator did not start: {url!r}")
    return proc, url


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    url: str, key: str, requests: int, concurrency: int, start_at: float, seconds: float
) -> Run:
    latencies: list[float] = []
    policy = RetryPolicy(attempts=1, timeout=10.0)
    async with KaleyraClient(url, ApiKey(key), retry=policy) as client:
        for _ in range(20):  # warm up connections and code paths
            await client.create_room(BODY)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        remaining = iter(range(requests))
        deadline = start_at + seconds

        async def worker() -> None:
            for _ in remaining:
                if time.time() > deadline:
                    return
                started = time.perf_counter()
                await client.create_room(BODY)
                latencies.append(time.perf_counter() - started)

        began = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, began, time.time()


def client_process(args: tuple[str, str, int, int, float, float]) -> Run:
    return asyncio.run(drive(*args))


def measure(url: str, key: str, options: argparse.Namespace) -> list[Run]:
    share = options.concurrency // options.processes
    start_at = time.time() + 2.0  # every client process warmed up by then
    job = (
        url,
        key,
        options.requests // options.processes,
        share,
        start_at,
        options.seconds,
    )
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(options.processes, mp_context=context) as pool:
        return list(pool.map(client_process, [job] * options.processes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, choices=(1, 2, 4), default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    options = parser.parse_args()
    key = "ak_test_" + secrets.token_hex(8)
    proc, url = start_emulator(key)
    try:
        cpu_before = cpu_seconds(proc.pid)
        runs = measure(url, key, options)
        server_cpu = cpu_seconds(proc.pid) - cpu_before
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    latencies = [lat for run in runs for lat in run[0]]
    elapsed = max(run[2] for run in runs) - min(run[1] for run in runs)
    rate = len(latencies) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    warmups = 20 * options.processes
    print(
        f"emulator create: {len(latencies)} requests, concurrency "
        f"{options.concurrency} over {options.processes} client process(es)"
    )
    print(f"  throughput   {rate:8.1f} req/s   (target >= {TARGET:.0f})")
    print(f"  latency p50  {cuts[49] * 1000:8.2f} ms")
    print(f"  latency p95  {cuts[94] * 1000:8.2f} ms")
    print(f"  latency max  {max(latencies) * 1000:8.2f} ms")
    per_request = server_cpu / (len(latencies) + warmups) * 1000
    print(f"  emulator CPU {per_request:8.2f} ms/request")
    print("PASS" if rate >= TARGET else "FAIL")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
