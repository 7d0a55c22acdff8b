"""The shipped CI files keep their promises: who holds which secret, what runs.

actionlint checks their syntax and expressions (`make actionlint`); these tests
check the design: no secret where a pull request can change the workflow, the
pull request's files only as data, applies serialised, and the GitLab job and
the pre-commit hooks run as written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from actionkit import ACTION
from fakeforge import FakeForge

from provisioner.ci.comment import MARKER
from provisioner.cli import _register, cli

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "github"
GITLAB = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
ROOMS = (
    "users: {alice: {role: plus}, bob: {role: basic}}\n"
    "rooms:\n  standup: {participants: [{user_id: alice}, {user_id: bob}]}\n"
)


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((GITHUB / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True)
    return loaded


def action_steps(flow: dict[Any, Any]) -> list[dict[str, Any]]:
    steps = [s for job in flow["jobs"].values() for s in job["steps"]]
    return [s for s in steps if str(s.get("uses", "")).startswith("OWNER/REPO@")]


def test_the_pull_request_workflow_holds_no_secret() -> None:
    text = (GITHUB / "rooms-pr.yml").read_text()
    assert "secrets." not in text and "KALEYRA_API_KEY" not in text
    flow = workflow("rooms-pr.yml")
    assert flow["permissions"] == {"contents": "read"}
    assert set(flow["on"]["pull_request"]["types"]) >= {"labeled", "unlabeled"}
    commands = [s["with"] for s in action_steps(flow)]
    assert commands == [
        {"command": "validate"},
        {"command": "plan", "comment": False},
    ]


def test_the_plan_workflow_runs_from_the_default_branch_on_data_only() -> None:
    flow = workflow("rooms-plan.yml")
    assert flow["on"]["workflow_run"]["workflows"] == [workflow("rooms-pr.yml")["name"]]
    [job] = flow["jobs"].values()
    first, pull, copy, plan = job["steps"]
    assert "ref" not in first["with"]  # the default branch, as the event runs it
    assert pull["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert all(s["with"]["persist-credentials"] is False for s in (first, pull))
    # Only room files cross over, symbolic links refused; nothing of it runs.
    assert "cp -R .pull-request/rooms rooms" in copy["run"]
    assert "-type l" in copy["run"]
    assert copy["run"].rstrip().endswith("rm -rf .pull-request")
    assert plan["with"] == {"command": "plan"}
    assert plan["env"]["KALEYRA_API_KEY"] == "${{ secrets.KALEYRA_API_KEY }}"
    assert "PLAN" in plan["env"]["PGPASSWORD"]  # the plan-only role


def test_the_apply_workflow_runs_in_an_environment_one_at_a_time() -> None:
    flow = workflow("rooms-apply.yml")
    assert flow["on"] == {"push": {"branches": ["main"]}}
    assert flow["concurrency"]["cancel-in-progress"] is False
    [job] = flow["jobs"].values()
    assert job["environment"] == "rooms"
    [apply] = action_steps(flow)
    assert apply["with"] == {"command": "apply"}
    assert "APPLY" in apply["env"]["PGPASSWORD"]


@pytest.mark.parametrize("name", sorted(p.name for p in GITHUB.glob("*.yml")))
def test_every_use_of_the_action_passes_real_inputs(name: str) -> None:
    commands = ACTION["inputs"]["command"]["description"]
    for use in action_steps(workflow(name)):
        assert set(use["with"]) <= set(ACTION["inputs"])
        assert use["with"]["command"] in re.findall(r"\w+", commands)


def test_the_gitlab_template_serialises_apply_and_reports() -> None:
    template = yaml.safe_load(GITLAB.read_text())
    assert template["apply"]["resource_group"]
    assert template["apply"]["script"] == ["provisioner apply --auto-approve"]
    assert template["plan"]["artifacts"]["reports"] == {"terraform": "plan.json"}
    assert template["validate"]["artifacts"]["reports"] == {
        "codequality": "gl-code-quality-report.json"
    }
    assert template["validate"]["artifacts"]["when"] == "always"
    assert "KALEYRA_API_KEY" not in str(template["plan"])


def gitlab_plan(root: Path, forge: FakeForge) -> subprocess.CompletedProcess[str]:
    """The plan job's script, as GitLab's runner runs it in the project."""
    [script] = yaml.safe_load(GITLAB.read_text())["plan"]["script"]
    bin_dir = root.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "provisioner"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m provisioner "$@"\n')
    shim.chmod(0o755)
    keep = ("GITHUB_", "GITLAB_", "CI_", "KALEYRA_", "PROVISIONER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(keep)}
    env |= forge.gitlab_env(iid=5) | {"PATH": f"{bin_dir}:{env['PATH']}"}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_gitlab_plan_job_notes_the_plan_then_the_errors(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "rooms").mkdir(parents=True)
    (root / "rooms" / "team.yaml").write_text(ROOMS)
    with FakeForge(page_size=2) as forge:
        planned = gitlab_plan(root, forge)
        assert planned.returncode == 0, planned.stderr
        [note] = forge.bodies(("gitlab", 5))
        # Merge-request pipelines hold no key: an offline plan, and it says so.
        head = f"{MARKER}\n<!-- kaleyra-rooms-checksum: none -->\noffline plan"
        assert note.startswith(head)
        assert "\n## Plan: 1 to create" in note
        (root / "rooms" / "team.yaml").write_text(ROOMS + "  x: {live: 2}\n")
        broken = gitlab_plan(root, forge)
        assert broken.returncode == 1
        [note] = forge.bodies(("gitlab", 5))
        assert "## ❌ The room files do not validate" in note


def test_the_pre_commit_hooks() -> None:
    hooks = {
        h["id"]: h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    assert hooks["provisioner-validate"]["entry"] == "provisioner validate"
    assert hooks["provisioner-fmt"]["entry"] == "provisioner fmt"
    for hook in hooks.values():
        assert hook["language"] == "python"
        files = re.compile(hook["files"])
        assert files.search("rooms/team.yaml") and files.search("rooms/a/b.yml")
        assert not files.search(".github/workflows/rooms-pr.yml")
    _register()
    assert "validate" in cli.commands


def test_the_validate_hook_as_pre_commit_runs_it(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "rooms" / "good.yaml").write_text(ROOMS)
    (tmp_path / "rooms" / "bad.yaml").write_text("rooms:\n  x: {live: 2}\n")
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    command = [sys.executable, "-m", *hook["entry"].split()]
    good = subprocess.run(
        [*command, "rooms/good.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    bad = subprocess.run(
        [*command, "rooms/bad.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stdout  # narrowed to the staged file
    assert bad.returncode == 1 and bad.stdout.startswith("rooms/bad.yaml:")


def test_init_writes_the_shipped_workflows_word_for_word() -> None:
    from provisioner.config.citemplates import ci_files

    examples = Path(__file__).resolve().parents[1] / "examples"
    github = ci_files("github")
    assert set(github) == {
        f".github/workflows/rooms-{name}.yml" for name in ("pr", "plan", "apply")
    }
    for target, text in github.items():
        shipped = examples / "github" / Path(target).name
        assert text == shipped.read_text(encoding="utf-8"), target
    gitlab = ci_files("gitlab")
    shipped = (examples / "gitlab" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert gitlab == {".gitlab-ci.yml": shipped}
