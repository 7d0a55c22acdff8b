"""The secrets pass: every command with -v, the key and every link searched for.

benchmarks/bench_secrets.py (the suite runs each command with -v only; `make
bench` runs each with and without): stdout, stderr with the logs, the plan
files and markdown written, every other project file and the emulator's access
log may hold neither the key nor a join link, except `provisioner output` (and
`state show --show-urls`) on stdout and the state file itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_secrets import report, run_pass
from e2ekit import e2e_flavours


@pytest.mark.parametrize("api_flavour", e2e_flavours(os.environ))
def test_no_command_writes_the_key_or_a_link_where_it_should_not(
    api_flavour: str,
) -> None:
    result = run_pass(api_flavour, plain_too=False)
    text = report([result])
    assert result.leaks == [], text
    assert result.allowed_hits > 0, text  # links found where they belong
    assert result.secrets["token"] >= 10, text
    assert result.exits["apply 0"] >= 5, text  # the applies did their work
