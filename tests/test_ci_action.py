"""The Action's helpers in-process: outputs, label allowances, the reviewed checksum."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakeforge import BOT, FakeForge

from provisioner.ci.action import allowances, outputs, pull_labels, reviewed_checksum
from provisioner.ci.comment import MARKER, Comment, checksum_of, plan_body
from provisioner.ci.github import GitHub, GitHubRun, github_run, number_in_event
from provisioner.cli import cli
from provisioner.errors import ForgeError

pytestmark = pytest.mark.usefixtures("no_ci_environment")
SHA = "feedfacefeedfacefeedfacefeedfacefeedface"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(page_size=2) as fake:
        yield fake


def github(
    forge: FakeForge, tmp_path: Path, event: dict[str, Any], name: str = ""
) -> GitHub:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    env = forge.github_env(str(path), GITHUB_EVENT_NAME=name, GITHUB_SHA=SHA)
    return GitHub(github_run(env))


def test_outputs_from_a_json_plan() -> None:
    plan = {"has_changes": True, "summary": {"create": 3, "replace": 1, "delete": 0}}
    assert outputs(plan) == {
        "has-changes": "true",
        "creates": "3",
        "replaces": "1",
        "deletes": "0",
    }
    assert outputs({**plan, "checksum": "sha256:ab"})["checksum"] == "sha256:ab"
    assert "checksum" not in outputs({**plan, "checksum": "a\nb"})
    assert outputs({})["has-changes"] == "false"


def test_only_the_four_labels_grant_anything() -> None:
    labels = [
        "rooms:allow-deletes",
        "bug",
        "rooms:allow-everything",
        "rooms:allow-deletes",
    ]
    assert allowances(labels) == ["PROVISIONER_ALLOW_DELETES=1"]
    every = [f"rooms:allow-{k}" for k in ("replace", "deletes", "drift", "duplicates")]
    assert allowances(every) == [
        "PROVISIONER_ALLOW_DELETES=1",
        "PROVISIONER_ALLOW_DRIFT=1",
        "PROVISIONER_ALLOW_DUPLICATES=1",
        "PROVISIONER_ALLOW_REPLACE=1",
    ]


@pytest.mark.parametrize(
    ("event", "number"),
    [
        ({"pull_request": {"number": 4}}, 4),
        ({"issue": {"number": 5}}, 5),
        ({"workflow_run": {"pull_requests": [{"number": 6}]}}, 6),
        ({"workflow_run": {"pull_requests": []}}, None),
        ({}, None),
    ],
)
def test_the_pull_request_an_event_names(event: dict[str, Any], number: int) -> None:
    assert number_in_event(event) == number


def test_labels_on_a_push_are_the_merged_pull_request_s(
    forge: FakeForge, tmp_path: Path
) -> None:
    forge.commit_pulls[SHA] = [
        {"number": 2, "merged_at": None, "labels": [{"name": "rooms:allow-drift"}]},
        {
            "number": 3,
            "merged_at": "2026-01-01",
            "merge_commit_sha": SHA,
            "labels": [{"name": "rooms:allow-replace"}],
        },
    ]
    with github(forge, tmp_path, {}, "push") as gh:
        assert pull_labels(gh) == ["rooms:allow-replace"]
    forge.commit_pulls[SHA] = []
    with github(forge, tmp_path, {}, "push") as gh:
        assert pull_labels(gh) == []


def test_labels_of_a_workflow_run_come_from_the_api(
    forge: FakeForge, tmp_path: Path
) -> None:
    forge.github_pulls[8] = {"number": 8, "labels": [{"name": "rooms:allow-deletes"}]}
    event = {"workflow_run": {"pull_requests": [{"number": 8}]}}
    with github(forge, tmp_path, event, "workflow_run") as gh:
        assert pull_labels(gh) == ["rooms:allow-deletes"]
        assert pull_labels(gh, 8) == ["rooms:allow-deletes"]


def test_the_reviewed_checksum_is_read_from_our_comment_only(
    forge: FakeForge, tmp_path: Path
) -> None:
    forge.commit_pulls[SHA] = [{"number": 7, "merged_at": "x", "merge_commit_sha": SHA}]
    forged = plan_body("## Plan\n", "sha256:forged")
    forge.add_comment(("github", 7), forged, {"login": "mallory", "type": "User"})
    forge.add_comment(("github", 7), plan_body("## Plan\n", "sha256:real"), BOT)
    with github(forge, tmp_path, {}, "push") as gh:
        reviewed = reviewed_checksum(gh)
    assert (reviewed.number, reviewed.checksum) == (7, "sha256:real")


def test_a_named_author_replaces_the_bot_rule(forge: FakeForge, tmp_path: Path) -> None:
    human = {"login": "rooms-bot", "type": "User"}
    forge.commit_pulls[SHA] = [{"number": 7, "merged_at": "x", "merge_commit_sha": SHA}]
    forge.add_comment(("github", 7), plan_body("## Plan\n", "sha256:pat"), human)
    path = tmp_path / "event.json"
    path.write_text("{}")
    env = forge.github_env(
        str(path), GITHUB_SHA=SHA, PROVISIONER_COMMENT_AUTHOR="rooms-bot"
    )
    with GitHub(github_run(env)) as gh:
        assert reviewed_checksum(gh).checksum == "sha256:pat"


def test_no_merged_pull_request_means_no_reviewed_plan(
    forge: FakeForge, tmp_path: Path
) -> None:
    with (
        github(forge, tmp_path, {}, "push") as gh,
        pytest.raises(ForgeError, match="was not merged from a pull request"),
    ):
        reviewed_checksum(gh)


def test_checksum_of_reads_only_the_line_after_the_marker() -> None:
    assert checksum_of(Comment(1, plan_body("text", "sha256:x"))) == "sha256:x"
    sneaky = plan_body("<!-- kaleyra-rooms-checksum: sha256:y -->\n")
    assert checksum_of(Comment(1, sneaky)) is None
    assert checksum_of(Comment(1, f"{MARKER}\n")) is None
    assert checksum_of(Comment(1, MARKER)) is None
    with pytest.raises(ValueError, match="not a plan checksum"):
        plan_body("text", "none")


def test_the_token_is_not_in_the_run_s_repr(forge: FakeForge) -> None:
    run = GitHubRun(api_url=forge.url, repository="a/b", token="s3cret", event={})
    assert "s3cret" not in repr(run) and "s3cret" not in repr(GitHub(run).forge)


def test_a_next_page_on_another_host_is_refused(
    forge: FakeForge, tmp_path: Path
) -> None:
    with FakeForge(page_size=1) as elsewhere:
        for n in range(2):
            elsewhere.add_comment(("github", 7), f"c{n}")
        run = GitHubRun(elsewhere.url, "acme/rooms", forge_token(), {})
        gh = GitHub(run)
        gh.forge.base_url = elsewhere.url.replace("127.0.0.1", "localhost")
        with pytest.raises(ForgeError, match="next page elsewhere"):
            list(gh.comments(7))


def forge_token() -> str:
    from fakeforge import GITHUB_TOKEN

    return GITHUB_TOKEN


def test_ci_outputs_command(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"has_changes": False, "summary": {}}))
    result = CliRunner().invoke(cli, ["ci", "outputs", str(plan)])
    assert result.output == "has-changes=false\ncreates=0\nreplaces=0\ndeletes=0\n"
    plan.write_text("[")
    broken = CliRunner().invoke(cli, ["ci", "outputs", str(plan)])
    assert broken.exit_code == 1 and "not a JSON plan" in broken.output


def test_ci_allowances_and_reviewed_checksum_commands(
    forge: FakeForge, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 1, "labels": []}}))
    forge.commit_pulls[SHA] = [{"number": 1, "merged_at": "x", "merge_commit_sha": SHA}]
    forge.add_comment(("github", 1), plan_body("p", "sha256:ok"))
    env = forge.github_env(str(event), GITHUB_SHA=SHA)
    labels = [{"name": "rooms:allow-drift"}]
    event.write_text(json.dumps({"pull_request": {"number": 1, "labels": labels}}))
    allowed = CliRunner().invoke(cli, ["ci", "allowances"], env=env)
    assert allowed.stdout == "PROVISIONER_ALLOW_DRIFT=1\n"
    reviewed = CliRunner().invoke(cli, ["ci", "reviewed-checksum"], env=env)
    assert reviewed.stdout == "sha256:ok\n"
    assert reviewed.stderr == "The plan reviewed on pull request #1.\n"
