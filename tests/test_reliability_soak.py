"""The soak, small: 100 rooms under faults, then 20 replaced and 10 deleted.

benchmarks/bench_soak.py with the suite's sizes and short retry delays: 5% of
API requests answered 429, 5% 5xx before the work, 5% 5xx after it, 2% cut off
after it, latency jitter. The full size (1,000 rooms) runs in `make bench`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_soak import report, run_soak
from e2ekit import FAST_ENV


def test_a_faulty_api_leaves_no_duplicate_and_no_lost_room() -> None:
    soak = run_soak(100, 20, 10, seed=11, max_runs=3, extra_env=FAST_ENV)
    text = report(soak)
    # Every kind of fault was met, or the soak proved nothing.
    assert all(soak.faults[kind] > 0 for kind in soak.faults), text
    assert len(soak.faults) == 4, text
    for phase in soak.phases:
        assert phase.duplicates == 0, text
        assert phase.lost == 0, text
        assert phase.orphans == 0, text
        assert phase.converged and phase.runs <= 2, text
    assert soak.met(), text
