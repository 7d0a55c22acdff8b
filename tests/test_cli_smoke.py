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


def test_every_command_is_found_where_the_lazy_map_says() -> None:
    from provisioner.cli import COMMANDS as _MODULES
    from provisioner.cli import _register, cli

    _register()
    assert sorted(cli.commands) == sorted(_MODULES)


def test_validate_does_not_import_the_api_client_or_the_emulator() -> None:
    probe = (
        "import sys\n"
        "from provisioner.cli import cli\n"
        "cli(['validate', '--help'], standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'starlette', 'uvicorn')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
