"""GitHub: the pull request of this run, its comments and labels, over REST.

Everything comes from the variables GitHub Actions sets: GITHUB_API_URL (so
GitHub Enterprise works), GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_SHA, and
the job's GITHUB_TOKEN. A `workflow_run` event from a fork lists no pull
request, so the pull request is then found by its head branch and commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from provisioner.ci.comment import Comment
from provisioner.ci.forge import Forge
from provisioner.environment import COMMENT_AUTHOR_ENV, value
from provisioner.errors import ForgeError

DEFAULT_API: Final = "https://api.github.com"
API_VERSION: Final = "2022-11-28"
PAGE: Final = {"per_page": 100}


@dataclass(frozen=True)
class GitHubRun:
    """What a GitHub Actions job knows about itself."""

    api_url: str
    repository: str
    token: str = field(repr=False)
    event: Mapping[str, Any]
    event_name: str = ""
    sha: str = ""
    author: str | None = None  # whose comments are ours; None: any bot's


def github_run(environ: Mapping[str, str]) -> GitHubRun:
    """The run described by GitHub Actions' environment variables."""
    token = environ.get("GITHUB_TOKEN", "")
    repository = environ.get("GITHUB_REPOSITORY", "")
    if not token:
        raise ForgeError("GITHUB_TOKEN is not set; pass the job's token to the step")
    if repository.count("/") != 1:
        raise ForgeError("GITHUB_REPOSITORY is not set (owner/name)")
    return GitHubRun(
        api_url=environ.get("GITHUB_API_URL") or DEFAULT_API,
        repository=repository,
        token=token,
        event=read_event(environ.get("GITHUB_EVENT_PATH", "")),
        event_name=environ.get("GITHUB_EVENT_NAME", ""),
        sha=environ.get("GITHUB_SHA", ""),
        author=value(COMMENT_AUTHOR_ENV, environ),
    )


def read_event(path: str) -> Mapping[str, Any]:
    """The event's JSON payload; empty when there is none."""
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ForgeError(f"{path}: cannot read the event: {exc}") from None
    return event if isinstance(event, dict) else {}


def number_in_event(event: Mapping[str, Any]) -> int | None:
    """The pull request an event is about, when the payload names it."""
    pull = event.get("pull_request") or event.get("issue") or {}
    if isinstance(pull.get("number"), int):
        return int(pull["number"])
    pulls = (event.get("workflow_run") or {}).get("pull_requests") or []
    if pulls and isinstance(pulls[0].get("number"), int):
        return int(pulls[0]["number"])
    return None


def labels_in(pull: Mapping[str, Any]) -> list[str]:
    """The names of a pull request's labels."""
    return [str(label.get("name", "")) for label in pull.get("labels") or []]


def append_step_summary(text: str, environ: Mapping[str, str]) -> bool:
    """Add markdown to the job summary; False outside GitHub Actions."""
    path = environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(text if text.endswith("\n") else text + "\n")
    return True


class GitHub:
    """The REST calls the pull-request workflow makes, for one repository."""

    def __init__(
        self, run: GitHubRun, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {
            "Authorization": f"Bearer {run.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self.run = run
        self.forge = Forge(run.api_url, headers, secret=run.token, transport=transport)
        self.repo_path = f"/repos/{run.repository}"

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.forge.__exit__(*exc)

    def pull_number(self, given: int | None = None) -> int:
        """The pull request of this run: `given`, the event's, or its head's."""
        number = given or number_in_event(self.run.event) or self._run_head()
        if number is None:
            raise ForgeError("no pull request: this event names none; pass --pr NUMBER")
        return number

    def pull(self, number: int) -> Mapping[str, Any]:
        """A pull request as GET /pulls/N answers it."""
        pull = self.forge.call("GET", f"{self.repo_path}/pulls/{number}")
        return _mapping(pull, "a pull request")

    def merged_pull(self, sha: str) -> Mapping[str, Any] | None:
        """The pull request whose merge made commit `sha`, if any."""
        pulls = self.forge.call("GET", f"{self.repo_path}/commits/{sha}/pulls")
        merged = [p for p in _listing(pulls) if p.get("merged_at")]
        exact = [p for p in merged if p.get("merge_commit_sha") == sha]
        found = exact or merged
        return found[0] if found else None

    def comments(self, number: int) -> Iterator[Comment]:
        """Every comment of pull request `number`, oldest first."""
        path = f"{self.repo_path}/issues/{number}/comments"
        for page in self.forge.pages(path, PAGE):
            for item in _listing(page):
                yield Comment(_id(item), str(item.get("body") or ""), self._mine(item))

    def thread(self, number: int) -> PullRequestComments:
        """The comments of pull request `number`, as `comment.upsert` uses them."""
        return PullRequestComments(self, number)

    def _mine(self, item: Mapping[str, Any]) -> bool:
        user = item.get("user") or {}
        if self.run.author is not None:
            return bool(user.get("login") == self.run.author)
        return bool(user.get("type") == "Bot")

    def _run_head(self) -> int | None:
        # A fork's workflow_run lists no pull request: find it by its head.
        run = self.run.event.get("workflow_run") or {}
        owner = (run.get("head_repository") or {}).get("owner", {}).get("login")
        branch, sha = run.get("head_branch"), run.get("head_sha")
        if not (owner and branch and sha):
            return None
        query = {"head": f"{owner}:{branch}", "state": "open", **PAGE}
        pulls = self.forge.call("GET", f"{self.repo_path}/pulls", params=query)
        found = [p for p in _listing(pulls) if (p.get("head") or {}).get("sha") == sha]
        return _id(found[0], "number") if found else None


class PullRequestComments:
    """One pull request's comments: the `Thread` of `comment.upsert`."""

    def __init__(self, github: GitHub, number: int) -> None:
        self.github = github
        self.number = number

    def comments(self) -> Iterator[Comment]:
        return self.github.comments(self.number)

    def create(self, body: str) -> None:
        path = f"{self.github.repo_path}/issues/{self.number}/comments"
        self.github.forge.call("POST", path, json={"body": body})

    def update(self, comment_id: int, body: str) -> None:
        path = f"{self.github.repo_path}/issues/comments/{comment_id}"
        self.github.forge.call("PATCH", path, json={"body": body})


def _id(item: Mapping[str, Any], key: str = "id") -> int:
    value = item.get(key)
    if not isinstance(value, int):
        raise ForgeError(f"GitHub answered an item without its {key}")
    return value


def _listing(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ForgeError("GitHub answered a listing with something else")
    return value


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ForgeError(f"GitHub answered {what} with something else")
    return value
