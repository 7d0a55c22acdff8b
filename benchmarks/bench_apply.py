"""Apply throughput: 1,000 creates against the emulator, and a plain loop.

    python benchmarks/bench_apply.py [--rooms N] [--skip-loop]

1. 50 ms latency, --parallelism 16: target within 1.3x of N x 50 ms / 16.
2. A 20 requests/s rate limit (429 + Retry-After), 50 ms latency, --parallelism
   16: target within 1.15x of N / 20 s.
Each is compared with a sequential loop of create calls (httpx, one by one,
sleeping Retry-After on a 429). Wall time includes starting Python, loading
the files and planning; the engine time is the one in the closing summary.
"""

from __future__ import annotations

import argparse

from applybench import apply, emulator, live_rooms, project, sequential_creates


def run_case(name: str, count: int, bound: float, flags: list[str], loop: bool) -> None:
    with emulator(*flags) as (url, key), project(count) as root:
        wall, engine, _ = apply(root, url, key, "--parallelism", "16")
        made = len(live_rooms(url))
        print(f"{name}: {count} creates")
        print(f"  bound {bound:.2f} s; target {name_target(name) * bound:.2f} s")
        print(
            f"  apply: engine {engine:.2f} s ({engine / bound:.2f}x bound), "
            f"wall {wall:.2f} s ({wall / bound:.2f}x); {made} rooms live"
        )
        if loop:
            seconds = sequential_creates(url, key, count)
            print(f"  sequential loop: {seconds:.2f} s ({seconds / bound:.2f}x bound)")


def name_target(name: str) -> float:
    return 1.3 if name == "latency" else 1.15


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument("--only", choices=["latency", "ratelimit"])
    args = parser.parse_args()
    n, loop = args.rooms, not args.skip_loop
    if args.only in (None, "latency"):
        run_case("latency", n, n * 0.050 / 16, ["--latency", "50"], loop)
    if args.only in (None, "ratelimit"):
        flags = ["--latency", "50", "--rate-limit", "20"]
        run_case("ratelimit", n, n / 20, flags, loop)


if __name__ == "__main__":
    main()
