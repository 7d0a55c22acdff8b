"""Time `provisioner validate` on N generated rooms against the raw YAML parse floor.

    python benchmarks/bench_validate.py [--rooms 10000] [--per-file 100] [--repeat 5]

Measures, on the same files:
- end to end: `python -m provisioner validate` as a subprocess (wall time,
  peak RSS of that process);
- in process: `config.check()` (what the command runs), wall time, and the
  peak of Python allocations under tracemalloc (a separate run: tracing slows);
- the floor: `yaml.load(..., Loader=yaml.CSafeLoader)` of every file, as
  stock (cycle collector on) and with the collector paused.
Targets: end to end under 1.5 s, and within 3x of the stock floor. Times are
the best of --repeat runs (the median is shown too): the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import yaml
from gen_rooms import generate

from provisioner import config

TARGET_SECONDS = 1.5
TARGET_RATIO = 3.0


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def end_to_end(root: Path, repeat: int) -> tuple[list[float], int]:
    """Wall times of the command, and its peak RSS in KiB (from wait4)."""
    times, peak = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "provisioner", "validate"],
            cwd=root,
            stdout=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        times.append(time.perf_counter() - started)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"validate failed with exit {child.returncode}")
        peak = max(peak, usage.ru_maxrss)
    return times, peak


def floor(files: list[Path], collect: bool) -> Callable[[], None]:
    texts = [file.read_bytes() for file in files]

    def parse() -> None:
        if not collect:
            gc.disable()
        try:
            for text in texts:
                yaml.load(text, Loader=yaml.CSafeLoader)
        finally:
            gc.enable()

    return parse


def traced_peak(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def line(name: str, times: list[float], extra: str = "") -> str:
    best, median = min(times), statistics.median(times)
    return f"| {name} | {best:.3f} s | {median:.3f} s | {extra} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()

    root = (args.out / f"validate-{args.rooms}").resolve()
    files = generate(root, args.rooms, args.per_file)
    size = sum(file.stat().st_size for file in files)
    print(f"{args.rooms} rooms in {len(files)} files, {size / 2**20:.1f} MiB")

    command, rss_kib = end_to_end(root, args.repeat)
    with contextlib.chdir(root):
        estate = config.check(Path("."))
        assert not estate.problems and len(estate.rooms) == args.rooms
        in_process = timed(lambda: config.check(Path(".")), args.repeat)
        traced = traced_peak(lambda: config.check(Path(".")))
    stock = timed(floor(files, collect=True), args.repeat)
    paused = timed(floor(files, collect=False), args.repeat)

    report(command, rss_kib, in_process, traced, stock, paused)


def report(
    command: list[float],
    rss_kib: int,
    in_process: list[float],
    traced: int,
    stock: list[float],
    paused: list[float],
) -> None:
    print("| measure | best | median | memory |")
    print("|---|---|---|---|")
    print(line("validate, subprocess", command, f"peak RSS {rss_kib / 1024:.0f} MiB"))
    print(line("validate, in process", in_process, f"traced {traced / 2**20:.0f} MiB"))
    print(line("floor: yaml.load CSafeLoader", stock))
    print(line("floor, collector paused", paused))
    best, ratio = min(command), min(command) / min(stock)
    verdict = "ok" if best < TARGET_SECONDS else "MISSED"
    print(f"end to end {best:.3f} s (target < {TARGET_SECONDS} s): {verdict}")
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"end to end / floor = {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict}")


if __name__ == "__main__":
    main()
