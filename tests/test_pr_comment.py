"""`provisioner pr-comment`: one comment per pull request, updated in place.

Against fake GitHub and GitLab APIs on loopback (tests/fakeforge.py), through
the real CLI: the first push creates the comment, the next updates it, and a
failing validate's output replaces the plan with the errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fakeforge import GITHUB_TOKEN, GITLAB_TOKEN, JOB_TOKEN, FakeForge

from provisioner.ci.comment import MARKER
from provisioner.cli import cli

pytestmark = pytest.mark.usefixtures("no_ci_environment")
PLAN_1 = "## Plan: 1 to create, 0 to replace, 0 to delete, 0 unchanged.\n"
PLAN_2 = "## Plan: 2 to create, 0 to replace, 0 to delete, 0 unchanged.\n"
PR = ("github", 7)
MR = ("gitlab", 5)
HEAD = f"{MARKER}\n<!-- kaleyra-rooms-checksum: none -->\n"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(page_size=2) as fake:
        yield fake


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {"number": 7, "labels": []}}))
    return path


def post(tmp_path: Path, text: str, env: dict[str, str], *args: str) -> Result:
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["pr-comment", str(plan), *args], env=env)


def test_github_first_post_creates_then_updates_the_one_comment(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    env = forge.github_env(str(event))
    first = post(tmp_path, PLAN_1, env)
    assert first.exit_code == 0, first.output
    assert first.output == "Created the plan comment on pull request #7.\n"
    assert forge.bodies(PR) == [f"{HEAD}{PLAN_1}"]

    second = post(tmp_path, PLAN_2, env, "--checksum", "sha256:abc123")
    assert second.output == "Updated the plan comment on pull request #7.\n"
    assert forge.bodies(PR) == [
        f"{MARKER}\n<!-- kaleyra-rooms-checksum: sha256:abc123 -->\n{PLAN_2}"
    ]
    again = post(tmp_path, PLAN_2, env, "--checksum", "sha256:abc123")
    assert again.output == "Unchanged the plan comment on pull request #7.\n"
    sent = {r.headers["authorization"] for r in forge.requests}
    assert sent == {f"Bearer {GITHUB_TOKEN}"}


def test_a_failing_validate_replaces_the_plan_with_its_errors(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    env = forge.github_env(str(event))
    post(tmp_path, PLAN_1, env, "--checksum", "sha256:abc123")
    errors = "rooms/a.yaml:3:5: duration: expected an integer, got '`@x|</pre>'\n"
    result = post(tmp_path, errors, env, "--failed", "The room files do not validate")
    assert result.exit_code == 0, result.output
    [body] = forge.bodies(PR)
    assert body.startswith(f"{HEAD}## ❌ The room files do not validate\n")
    assert "sha256" not in body  # nothing here can be applied
    assert "rooms/a.yaml:3:5: duration: expected an integer" in body
    # The pull request's text cannot close the block, ping or inject HTML.
    assert "</pre>" not in body.split("<pre>", 1)[1].removesuffix("</pre>\n")
    assert "@x" not in body and "`" not in body


def test_the_comment_is_found_on_a_later_page_among_others(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    human = {"login": "mallory", "type": "User"}
    for n in range(3):
        forge.add_comment(PR, f"looks good {n}", human)
    forge.add_comment(PR, f"{MARKER}\nforged by a human", human)  # not ours
    ours = forge.add_comment(PR, f"{HEAD}{PLAN_1}")
    forge.add_comment(PR, "one more", human)
    result = post(tmp_path, PLAN_2, forge.github_env(str(event)))
    assert result.output == "Updated the plan comment on pull request #7.\n"
    assert ours["body"] == f"{HEAD}{PLAN_2}"
    assert forge.bodies(PR)[3] == f"{MARKER}\nforged by a human"
    pages = [r.query.get("page", ["1"]) for r in forge.requests if r.method == "GET"]
    assert pages == [["1"], ["2"], ["3"]]


def test_the_pull_request_of_a_workflow_run(tmp_path: Path, forge: FakeForge) -> None:
    event = tmp_path / "run.json"
    event.write_text(json.dumps({"workflow_run": {"pull_requests": [{"number": 9}]}}))
    result = post(tmp_path, PLAN_1, forge.github_env(str(event)))
    assert result.output == "Created the plan comment on pull request #9.\n"


def test_a_fork_s_workflow_run_finds_its_pull_request_by_head(
    tmp_path: Path, forge: FakeForge
) -> None:
    run = {
        "pull_requests": [],
        "head_branch": "more-rooms",
        "head_sha": "f00d",
        "head_repository": {"owner": {"login": "contrib"}},
    }
    event = tmp_path / "run.json"
    event.write_text(json.dumps({"workflow_run": run}))
    forge.github_pulls[11] = {
        "number": 11,
        "head_label": "contrib:more-rooms",
        "head": {"sha": "f00d"},
    }
    result = post(tmp_path, PLAN_1, forge.github_env(str(event)))
    assert result.output == "Created the plan comment on pull request #11.\n"


def test_pr_flag_and_platform_flag(tmp_path: Path, forge: FakeForge) -> None:
    env = forge.github_env("")
    del env["GITHUB_ACTIONS"]
    result = post(tmp_path, PLAN_1, env, "--platform", "github", "--pr", "3")
    assert result.output == "Created the plan comment on pull request #3.\n"


def test_gitlab_notes_created_then_updated_across_pages(
    tmp_path: Path, forge: FakeForge
) -> None:
    env = forge.gitlab_env(iid=5)
    for n in range(3):
        forge.add_comment(MR, f"note {n}", {"login": "dev", "type": "User"})
    forge.comments[MR][0]["system"] = True
    first = post(tmp_path, PLAN_1, env)
    assert first.output == "Created the plan comment on merge request !5.\n"
    second = post(tmp_path, PLAN_2, env)
    assert second.output == "Updated the plan comment on merge request !5.\n"
    failed = post(tmp_path, "boom\n", env, "--failed", "provisioner plan failed")
    assert failed.exit_code == 0
    bodies = forge.bodies(MR)
    assert len(bodies) == 4 and bodies[3].startswith(f"{HEAD}## ❌ provisioner")
    assert {r.headers.get("private-token") for r in forge.requests} == {GITLAB_TOKEN}
    pages = {r.query.get("page", ["1"])[0] for r in forge.requests if r.method == "GET"}
    assert pages == {"1", "2"}


def test_gitlab_with_only_the_job_token(tmp_path: Path, forge: FakeForge) -> None:
    env = forge.gitlab_env(iid=5, CI_JOB_TOKEN=JOB_TOKEN)
    del env["GITLAB_TOKEN"]
    result = post(tmp_path, PLAN_1, env)
    assert result.exit_code == 0, result.output
    assert {r.headers.get("job-token") for r in forge.requests} == {JOB_TOKEN}


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("GITHUB_TOKEN", "Error: GITHUB_TOKEN is not set; pass the job's token"),
        ("GITHUB_REPOSITORY", "Error: GITHUB_REPOSITORY is not set (owner/name)"),
        ("GITHUB_EVENT_PATH", "Error: no pull request: this event names none"),
    ],
)
def test_a_missing_variable_is_one_line(
    tmp_path: Path, forge: FakeForge, event: Path, drop: str, message: str
) -> None:
    env = forge.github_env(str(event))
    env[drop] = ""
    result = post(tmp_path, PLAN_1, env)
    assert result.exit_code == 1
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_outside_ci_it_asks_for_the_platform(tmp_path: Path) -> None:
    result = post(tmp_path, PLAN_1, {})
    assert result.exit_code == 1
    assert result.output == (
        "Error: not running in GitHub Actions or GitLab CI: "
        "pass --platform github|gitlab\n"
    )


def test_a_refusal_is_one_line_and_never_shows_the_token(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    forge.fail_with = 403
    result = post(tmp_path, PLAN_1, forge.github_env(str(event)))
    assert result.exit_code == 1
    assert result.output == (
        "Error: GET /repos/acme/rooms/issues/7/comments: HTTP 403 "
        "(Resource not accessible)\n"
    )
    assert GITHUB_TOKEN not in result.output


def test_an_unreachable_api_is_one_line(tmp_path: Path, event: Path) -> None:
    with FakeForge() as gone:
        env = gone.github_env(str(event))
    result = post(tmp_path, PLAN_1, env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: GET /repos/acme/rooms/issues/7/comments: ")
    assert result.output.count("\n") == 1 and GITHUB_TOKEN not in result.output


def test_an_empty_file_is_not_posted(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    result = post(tmp_path, "\n", forge.github_env(str(event)))
    assert result.exit_code == 1
    assert "empty; nothing to post" in result.output
    assert forge.requests == []


def test_a_checksum_that_could_break_the_marker_is_refused(
    tmp_path: Path, forge: FakeForge, event: Path
) -> None:
    result = post(
        tmp_path, PLAN_1, forge.github_env(str(event)), "--checksum", "a -->x"
    )
    assert result.exit_code == 1
    assert "not a plan checksum" in result.output
