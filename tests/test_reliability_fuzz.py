"""Fuzzing, small: 1,000 generated inputs through the CLI in process.

benchmarks/bench_fuzz.py with the suite's size (`make bench` runs 25,000):
room files and settings files through validate and plan --no-refresh, state
files through state list and plan, saved plans through apply. No exception may
escape the CLI, exit codes are 0, 1 or 2, and every error names its file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_fuzz import report, run_fuzz


def test_generated_inputs_never_escape_as_tracebacks(tmp_path: Path) -> None:
    run = run_fuzz(750, 250, seed=20261201, keep=tmp_path / "failing")
    text = report(run)
    assert run.tracebacks == 0, text
    assert run.unnamed == 0, text
    # The generator reaches both sides of every command, or it tests too little.
    for command in ("validate", "plan"):
        assert run.exits[f"{command} 0"] > 0, text
        assert run.exits[f"{command} 1"] > 0, text
    assert run.exits["apply 1"] > 0, text
