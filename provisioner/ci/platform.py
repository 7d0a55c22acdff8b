"""Which platform this CI job runs on, and the comment thread it can post to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import httpx

from provisioner.ci.comment import Thread
from provisioner.ci.github import GitHub, github_run
from provisioner.ci.gitlab import MergeRequestNotes, gitlab_run
from provisioner.errors import ForgeError

PLATFORMS: Final = ("github", "gitlab")


def detect(environ: Mapping[str, str]) -> str:
    """'github' or 'gitlab', from the variables each CI sets."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    raise ForgeError(
        "not running in GitHub Actions or GitLab CI: pass --platform github|gitlab"
    )


@contextmanager
def open_thread(
    platform: str,
    environ: Mapping[str, str],
    number: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[tuple[Thread, str]]:
    """The pull or merge request's comments, and how to name it to a user."""
    if platform == "gitlab":
        with MergeRequestNotes(gitlab_run(environ), number, transport) as notes:
            yield notes, f"merge request !{notes.number}"
        return
    with GitHub(github_run(environ), transport) as github:
        found = github.pull_number(number)
        yield github.thread(found), f"pull request #{found}"
