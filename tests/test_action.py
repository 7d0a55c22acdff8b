"""The GitHub Action (action.yml + action/run.sh), run step by step as documented.

From a folder made by `provisioner init`, against a fake GitHub API: plan posts
and updates the one comment (also when validation fails or the plan is
refused), labels become allowances, apply passes the reviewed checksum or
refuses, validate annotates. See tests/actionkit.py for how the step is run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from actionkit import ACTION, REPO, run_action, step
from fakeforge import FakeForge

from provisioner.ci.comment import MARKER

pytestmark = pytest.mark.usefixtures("no_ci_environment")
PR = ("github", 7)
ROOMS = """\
users:
  alice: {role: plus}
  bob: {role: basic}
rooms:
  standup:
    participants: [{user_id: alice}, {user_id: bob}]
"""
RUN_EVENT = {"workflow_run": {"pull_requests": [{"number": 7}]}}
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(page_size=2) as fake:
        fake.github_pulls[7] = {"number": 7, "labels": [{"name": "documentation"}]}
        yield fake


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    made = subprocess.run(
        [sys.executable, "-m", "provisioner", "init"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    (root / "rooms" / "team.yaml").write_text(ROOMS, encoding="utf-8")
    return root


def plan(project: Path, forge: FakeForge, **inputs: str) -> object:
    return run_action(project, forge, {"command": "plan", **inputs}, event=RUN_EVENT)


def test_plan_posts_the_comment_then_updates_it(
    project: Path, forge: FakeForge
) -> None:
    first = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert first.code == 0, first.stderr
    assert first.outputs["exitcode"] == "2"
    assert first.outputs["has-changes"] == "true"
    assert (first.outputs["creates"], first.outputs["deletes"]) == ("1", "0")
    [body] = forge.bodies(PR)
    assert body.startswith(MARKER + "\n")
    assert "## Plan: 1 to create, 0 to replace" in body
    assert "## Plan: 1 to create" in first.summary
    assert "Planned offline" in first.summary  # no API key in this job
    if "checksum" in first.outputs:  # once plans carry a checksum, it is kept
        assert f"kaleyra-rooms-checksum: {first.outputs['checksum']} -->" in body

    (project / "rooms" / "more.yaml").write_text(
        "rooms:\n  retro:\n    participants: [{user_id: alice}, {user_id: bob}]\n",
        encoding="utf-8",
    )
    second = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert second.code == 0, second.stderr
    [body] = forge.bodies(PR)
    assert "## Plan: 2 to create" in body


def test_a_failing_validate_updates_the_comment_with_the_errors(
    project: Path, forge: FakeForge
) -> None:
    run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    room_file = project / "rooms" / "team.yaml"
    room_file.write_text(ROOMS + "    duration: soon\n", encoding="utf-8")
    ran = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert ran.code == 1
    assert ran.outputs["exitcode"] == "1"
    assert ran.outputs["has-changes"] == "false"
    [body] = forge.bodies(PR)
    assert "## ❌ The room files do not validate" in body
    assert "rooms/team.yaml:7:15: rooms.standup.duration" in body
    assert "kaleyra-rooms-checksum: none -->" in body
    assert "::error file=rooms/team.yaml,line=7,col=15" in ran.stdout
    assert "The room files do not validate" in ran.summary


def test_a_refused_plan_is_posted_saying_why_and_fails_the_step(
    project: Path, forge: FakeForge
) -> None:
    record = {
        "room_id": "room_oldoldoldold",
        "request": {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]},
        "fingerprint": "sha256:x",
        "urls": {},
        "created_at": "2024-01-01T00:00:00.000Z",
        "prevent_destroy": True,
    }
    state = {
        "version": 1,
        "lineage": "l",
        "serial": 3,
        "users": {},
        "rooms": {"vault": record},
        "retiring": {},
        "pending": {},
    }
    (project / "rooms.state.json").write_text(json.dumps(state), encoding="utf-8")
    ran = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert ran.code == 1
    assert ran.outputs["exitcode"] == "1"
    assert "checksum" not in ran.outputs
    [body] = forge.bodies(PR)
    assert "> **Refused: apply would stop before any change.**" in body
    assert body.splitlines()[1] == "<!-- kaleyra-rooms-checksum: none -->"


def test_a_plan_that_fails_before_planning_says_so(
    project: Path, forge: FakeForge
) -> None:
    (project / "rooms.state.json").write_text("{", encoding="utf-8")
    ran = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert ran.code == 1
    [body] = forge.bodies(PR)
    assert "## ❌ provisioner plan failed" in body
    assert "rooms.state.json" in body


def test_labels_set_allowances_for_the_plan(project: Path, forge: FakeForge) -> None:
    forge.github_pulls[7]["labels"] += [
        {"name": "rooms:allow-deletes"},
        {"name": "rooms:allow-drift"},
    ]
    ran = run_action(project, forge, {"command": "plan"}, event=RUN_EVENT)
    assert ran.code == 0, ran.stderr
    plans = [i for i, c in enumerate(ran.calls) if c.startswith("plan ")]
    assert plans and all(
        ran.calls[i + 1 : i + 3]
        == ["  PROVISIONER_ALLOW_DELETES=1", "  PROVISIONER_ALLOW_DRIFT=1"]
        for i in plans
    )
    assert "Allowed by a pull-request label: PROVISIONER_ALLOW_DELETES" in ran.stdout


def test_a_pull_request_event_uses_the_labels_it_carries(
    project: Path, forge: FakeForge
) -> None:
    event = {"pull_request": {"number": 7, "labels": [{"name": "rooms:allow-replace"}]}}
    ran = run_action(
        project,
        forge,
        {"command": "plan", "comment": "false"},
        event=event,
        event_name="pull_request",
    )
    assert ran.code == 0, ran.stderr
    assert "  PROVISIONER_ALLOW_REPLACE=1" in ran.calls
    assert forge.bodies(PR) == []  # comment: false, and no API call needed
    assert [r.method for r in forge.requests] == []


def merged(forge: FakeForge, labels: list[str]) -> None:
    forge.commit_pulls[SHA] = [
        {
            "number": 7,
            "merged_at": "2026-01-01T00:00:00Z",
            "merge_commit_sha": SHA,
            "labels": [{"name": name} for name in labels],
        }
    ]


def test_apply_passes_the_reviewed_checksum(project: Path, forge: FakeForge) -> None:
    merged(forge, ["rooms:allow-replace"])
    forge.add_comment(PR, "lgtm", {"login": "carol", "type": "User"})
    forge.add_comment(
        PR, f"{MARKER}\n<!-- kaleyra-rooms-checksum: sha256:c0ffee -->\n## Plan\n"
    )
    ran = run_action(
        project,
        forge,
        {"command": "apply"},
        event={"ref": "refs/heads/main"},
        event_name="push",
        sha=SHA,
        fake={"apply": 0},
    )
    assert ran.code == 0, ran.stderr
    assert "apply --auto-approve --expect-checksum sha256:c0ffee" in ran.calls
    i = ran.calls.index("apply --auto-approve --expect-checksum sha256:c0ffee")
    assert ran.calls[i + 1] == "  PROVISIONER_ALLOW_REPLACE=1"
    assert ran.outputs["exitcode"] == "0"


@pytest.mark.parametrize(
    "comment",
    [
        None,
        f"{MARKER}\n<!-- kaleyra-rooms-checksum: none -->\n## ❌ Did not validate\n",
    ],
)
def test_apply_refuses_a_push_with_no_reviewed_plan(
    project: Path, forge: FakeForge, comment: str | None
) -> None:
    merged(forge, [])
    if comment is not None:
        forge.add_comment(PR, comment)
    ran = run_action(
        project,
        forge,
        {"command": "apply"},
        event={},
        event_name="push",
        sha=SHA,
        fake={"apply": 0},
    )
    assert ran.code == 1
    assert ran.outputs["exitcode"] == "1"
    assert "::error::Refused: no reviewed plan covers this commit." in ran.stdout
    assert "Error: no reviewed plan: pull request #7" in ran.stderr
    assert not [c for c in ran.calls if c.startswith("apply")]


def test_apply_unreviewed_only_when_allowed(project: Path, forge: FakeForge) -> None:
    ran = run_action(
        project,
        forge,
        {"command": "apply", "allow-unreviewed": "true"},
        event={},
        event_name="push",
        sha=SHA,
        fake={"apply": 0},
    )
    assert ran.code == 0, ran.stderr
    assert "apply --auto-approve" in ran.calls
    assert "::warning::Applying without a reviewed plan" in ran.stdout
    assert "was not merged from a pull request" in ran.stderr


def test_validate_annotates_and_summarises(project: Path, forge: FakeForge) -> None:
    (project / "rooms" / "team.yaml").write_text(
        ROOMS + "    live: maybe\n", encoding="utf-8"
    )
    ran = run_action(project, forge, {"command": "validate"}, event={})
    assert ran.code == 1
    assert ran.outputs == {"exitcode": "1"}
    assert ran.stdout.startswith("::error file=rooms/team.yaml,line=7,col=11,")
    assert "| ❌ | rooms/team.yaml | 7 | 11 |" in ran.summary


@pytest.mark.parametrize(("code", "changes"), [(0, "false"), (2, "true")])
def test_drift_reports_through_outputs(
    project: Path, forge: FakeForge, code: int, changes: str
) -> None:
    ran = run_action(
        project, forge, {"command": "drift"}, event={}, fake={"drift": code}
    )
    assert ran.code == code
    assert ran.outputs == {"exitcode": str(code), "has-changes": changes}


def test_an_unknown_command_is_refused(project: Path, forge: FakeForge) -> None:
    ran = run_action(project, forge, {"command": "destroy"}, event={})
    assert ran.code == 1
    assert "::error::command must be validate, plan, apply or drift" in ran.stdout


def test_the_action_installs_its_own_checkout_never_the_workspace() -> None:
    install = step("install")["run"]
    assert '"$GITHUB_ACTION_PATH[postgres]"' in install
    assert "pip install" in install and " . " not in install
    assert step("install")["env"]["PYTHON"] == "${{ steps.python.outputs.python-path }}"
    assert ACTION["runs"]["using"] == "composite"


def test_every_output_is_written_by_the_run_step() -> None:
    script = (REPO / "action" / "run.sh").read_text(encoding="utf-8")
    from provisioner.ci.action import outputs

    written = set(re.findall(r"output ([a-z-]+) ", script))
    written |= set(outputs({"checksum": "sha256:x"}))
    for name, spec in ACTION["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
        assert name in written, name


def test_inputs_reach_the_script_only_through_the_environment() -> None:
    main = step("run")
    assert "${{" not in main["run"]  # nothing spliced into the shell
    used = {m for v in main["env"].values() for m in re.findall(r"inputs\.([\w-]+)", v)}
    assert used | {"python-version", "working-directory"} == set(ACTION["inputs"])
