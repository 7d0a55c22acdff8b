"""Run the GitHub Action's main step (action.yml) as a runner would, locally.

    ran = run_action(root, forge, {"command": "plan"}, event={...})
    ran.code, ran.stdout, ran.outputs["has-changes"], ran.summary, ran.calls

The step's `env:` is taken from action.yml and its `${{ … }}` expressions are
evaluated from the inputs (with action.yml's defaults), so a renamed input or
variable breaks these tests as it would break the Action. The install step is
not run (it needs the network): `provisioner` on the step's PATH is a shim that
records each call and the PROVISIONER_ALLOW_* it saw, then runs this checkout's
CLI, or stands in for a command named in `fake` (e.g. {"apply": 0}).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from fakeforge import GITHUB_TOKEN, FakeForge

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
SHIM = """#!/bin/sh
{{ echo "$*"; env | grep '^PROVISIONER_ALLOW_' | sort | sed 's/^/  /'; }} >> "$CALLS"
case "$1" in
{fakes}
esac
exec "{python}" -m provisioner "$@"
"""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    calls: list[str]


def step(step_id: str) -> dict[str, Any]:
    [found] = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id]
    return dict(found)


def evaluate(text: str, inputs: Mapping[str, str], context: Mapping[str, str]) -> str:
    """`${{ inputs.x }}` and the few other expressions action.yml uses."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("inputs."):
            key = name.removeprefix("inputs.")
            default = ACTION["inputs"][key].get("default", "")
            return str(inputs.get(key, evaluate(str(default), inputs, context)))
        return context[name]

    return _EXPRESSION.sub(value, text)


def run_action(
    root: Path,
    forge: FakeForge,
    inputs: Mapping[str, str],
    *,
    event: Mapping[str, Any],
    event_name: str = "workflow_run",
    sha: str = "",
    fake: Mapping[str, int] | None = None,
    env: Mapping[str, str] | None = None,
) -> Ran:
    """The `run` step of action.yml, in `root`, against `forge`."""
    home = root.parent / f"{root.name}-runner"
    home.mkdir(exist_ok=True)
    (home / "event.json").write_text(json.dumps(event), encoding="utf-8")
    for name in ("output", "summary", "calls"):
        (home / name).write_text("", encoding="utf-8")
    bin_dir = _shim(home, fake or {})
    context = {"steps.install.outputs.bin": str(bin_dir), "github.token": GITHUB_TOKEN}
    main = step("run")
    full = {
        **_clean_environ(),
        **forge.github_env(str(home / "event.json")),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_SHA": sha,
        "GITHUB_OUTPUT": str(home / "output"),
        "GITHUB_STEP_SUMMARY": str(home / "summary"),
        "GITHUB_ACTION_PATH": str(REPO),
        "RUNNER_TEMP": str(home),
        "CALLS": str(home / "calls"),
        **(env or {}),
    }
    full.update({k: evaluate(str(v), inputs, context) for k, v in main["env"].items()})
    cwd = root / evaluate(main["working-directory"], inputs, context)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", main["run"]],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return Ran(
        result.returncode,
        result.stdout,
        result.stderr,
        _outputs((home / "output").read_text(encoding="utf-8")),
        (home / "summary").read_text(encoding="utf-8"),
        (home / "calls").read_text(encoding="utf-8").splitlines(),
    )


def _shim(home: Path, fake: Mapping[str, int]) -> Path:
    bin_dir = home / "bin"
    bin_dir.mkdir(exist_ok=True)
    fakes = "\n".join(f"  {cmd}) exit {code} ;;" for cmd, code in fake.items())
    shim = bin_dir / "provisioner"
    shim.write_text(SHIM.format(fakes=fakes, python=sys.executable), encoding="utf-8")
    shim.chmod(0o755)
    return bin_dir


def _clean_environ() -> dict[str, str]:
    drop = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "KALEYRA_", "PROVISIONER_")
    return {
        k: v for k, v in os.environ.items() if not k.startswith(drop) and k != "CI"
    } | {"NO_COLOR": "1"}


def _outputs(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {name: value for name, value in pairs}
