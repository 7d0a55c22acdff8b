"""The crash loop, small: 5 SIGKILLs at random moments of a 40-room apply.

benchmarks/bench_crashloop.py with the suite's sizes (the full 50 kills of a
300-room apply run in `make bench`): after each kill the state must read, and
one apply must converge with no duplicate, no orphan and nothing lost.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_crashloop import report, run_loop


def test_sigkill_at_random_moments_never_corrupts_or_duplicates() -> None:
    loop = run_loop(5, 40, seed=3)
    text = report(loop)
    assert loop.corrupt == [], text
    assert loop.duplicates == 0, text
    assert loop.orphans == 0, text
    assert loop.lost == 0, text
    assert loop.not_converged == [], text
    assert loop.moments["mid-run"] >= 1, text  # a kill that hit nothing tests nothing
