"""The command line starts and reports its version."""

import subprocess
import sys

import pytest

from provisioner import __version__


def test_module_entry_point_prints_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["plan", "--bogus"],
        ["plan", "--format", "xml"],
        ["state", "list", "--bogus"],
        ["apply", "--parallelism", "many"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_1_because_2_means_changes(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provisioner", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Usage:" in result.stderr or "Error:" in result.stderr
