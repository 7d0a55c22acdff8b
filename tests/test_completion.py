"""`provisioner completion bash|zsh|fish`: the script, and completion that works."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from provisioner.cli import _register, cli

_register()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert "_PROVISIONER_COMPLETE" in result.stdout
    assert "provisioner" in result.stdout


def test_an_unknown_shell_is_refused() -> None:
    result = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 1
    assert "tcsh" in result.stderr


def complete(words: str, cword: int) -> list[str]:
    """Ask the installed command what bash would offer for `words`."""
    result = subprocess.run(
        [sys.executable, "-m", "provisioner"],
        env={
            "_PROVISIONER_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_commands_complete_though_they_load_lazily() -> None:
    assert complete("provisioner pl", 1) == ["plan"]
    assert set(complete("provisioner ", 1)) == set(cli.commands)


def test_options_of_a_lazily_loaded_command_complete() -> None:
    assert "--check" in complete("provisioner fmt --", 2)
    assert complete("provisioner completion f", 2) == ["fish"]
