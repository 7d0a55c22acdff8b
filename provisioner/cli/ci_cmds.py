"""CLI commands for CI: pr-comment, and the `ci` helpers the GitHub Action runs.

Also `report`, which prints validate's problems as GitHub annotations (plus
the job summary) or as GitLab's Code Quality report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import IO

import click

from provisioner.ci import action, reports
from provisioner.ci.comment import failure_body, plan_body, upsert
from provisioner.ci.github import GitHub, append_step_summary, github_run
from provisioner.ci.platform import PLATFORMS, detect, open_thread
from provisioner.errors import Problem, ProvisionerError


def report(fmt: str, problems: Sequence[Problem], warnings: Sequence[Problem]) -> None:
    """validate's problems in a CI format (one of reports.FORMATS)."""
    if fmt == "codequality":
        click.echo(reports.codequality(problems, warnings), nl=False)
        return
    click.echo(reports.github_commands(problems, warnings), nl=False)
    append_step_summary(reports.github_summary(problems, warnings), os.environ)


def _checksum(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    if value:
        try:
            plan_body("", value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


@click.command("pr-comment")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--pr",
    "number",
    type=click.IntRange(min=1),
    help="The pull or merge request.  [default: from the CI environment]",
)
@click.option(
    "--platform",
    type=click.Choice(PLATFORMS),
    help="[default: detected from GITHUB_ACTIONS or GITLAB_CI]",
)
@click.option(
    "--checksum",
    callback=_checksum,
    help="The plan's checksum, kept hidden in the comment for apply to check.",
)
@click.option(
    "--failed",
    metavar="TITLE",
    help="FILE is a failed command's output: post it, escaped, under TITLE.",
)
def pr_comment(
    file: IO[str],
    number: int | None,
    platform: str | None,
    checksum: str | None,
    failed: str | None,
) -> None:
    """Post FILE (a markdown plan) as the one plan comment, or update it.

    GitHub: the pull request's comments (GITHUB_TOKEN, GITHUB_API_URL,
    GITHUB_REPOSITORY, GITHUB_EVENT_PATH). GitLab: the merge request's notes
    (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, GITLAB_TOKEN or
    CI_JOB_TOKEN).
    """
    text = file.read()
    if not text.strip():
        raise ProvisionerError(f"{file.name}: empty; nothing to post")
    body = failure_body(failed, text) if failed else plan_body(text, checksum)
    environ = os.environ
    with open_thread(platform or detect(environ), environ, number) as (thread, name):
        outcome = upsert(thread, body)
    click.echo(f"{outcome.capitalize()} the plan comment on {name}.")


@click.group("ci")
def ci_group() -> None:
    """Helpers for the GitHub Action's steps (see action.yml)."""


@ci_group.command("outputs")
@click.argument("plan_json", type=click.File("r", encoding="utf-8"))
def outputs_command(plan_json: IO[str]) -> None:
    """Print NAME=VALUE step outputs for a `plan --format json` document."""
    try:
        plan = json.loads(plan_json.read())
    except ValueError as exc:
        raise ProvisionerError(f"{plan_json.name}: not a JSON plan: {exc}") from None
    if not isinstance(plan, dict):
        raise ProvisionerError(f"{plan_json.name}: not a JSON plan")
    for name, value in action.outputs(plan).items():
        click.echo(f"{name}={value}")


@ci_group.command("allowances")
@click.option("--pr", "number", type=click.IntRange(min=1))
def allowances_command(number: int | None) -> None:
    """Print PROVISIONER_ALLOW_*=1 for each rooms:allow-* label of the pull request.

    On a push, the labels of the pull request merged as that commit.
    """
    with GitHub(github_run(os.environ)) as github:
        labels = action.pull_labels(github, number)
    for line in action.allowances(labels):
        click.echo(line)


@ci_group.command("reviewed-checksum")
def reviewed_command() -> None:
    """Print the checksum of the plan reviewed on the merged pull request."""
    with GitHub(github_run(os.environ)) as github:
        reviewed = action.reviewed_checksum(github)
    click.echo(f"The plan reviewed on pull request #{reviewed.number}.", err=True)
    click.echo(reviewed.checksum)
