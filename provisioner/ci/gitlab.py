"""GitLab: the notes of this pipeline's merge request, over REST (API v4).

From the variables GitLab CI sets: CI_API_V4_URL, CI_PROJECT_ID and, in a
merge-request pipeline, CI_MERGE_REQUEST_IID. The token is GITLAB_TOKEN (a
project or personal access token, sent as PRIVATE-TOKEN) or else the job's
CI_JOB_TOKEN (sent as JOB-TOKEN).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import httpx

from provisioner.ci.comment import Comment
from provisioner.ci.forge import Forge
from provisioner.environment import COMMENT_AUTHOR_ENV, value
from provisioner.errors import ForgeError

PAGE: Final = {"per_page": 100, "sort": "asc", "order_by": "created_at"}


@dataclass(frozen=True)
class GitLabRun:
    """What a GitLab CI job knows about itself."""

    api_url: str
    project: str
    header: str
    token: str = field(repr=False)
    iid: int | None = None
    author: str | None = None  # whose notes are ours; None: anyone's


def gitlab_run(environ: Mapping[str, str]) -> GitLabRun:
    """The job described by GitLab CI's environment variables."""
    api_url, project = environ.get("CI_API_V4_URL"), environ.get("CI_PROJECT_ID")
    if not api_url or not project:
        raise ForgeError("CI_API_V4_URL and CI_PROJECT_ID are not set: not GitLab CI")
    header, token = "PRIVATE-TOKEN", environ.get("GITLAB_TOKEN", "")
    if not token:
        header, token = "JOB-TOKEN", environ.get("CI_JOB_TOKEN", "")
    if not token:
        raise ForgeError("no token: set GITLAB_TOKEN (api scope) or CI_JOB_TOKEN")
    iid = environ.get("CI_MERGE_REQUEST_IID", "")
    return GitLabRun(
        api_url=api_url,
        project=project,
        header=header,
        token=token,
        iid=int(iid) if iid.isdigit() else None,
        author=value(COMMENT_AUTHOR_ENV, environ),
    )


class MergeRequestNotes:
    """One merge request's notes: the `Thread` of `comment.upsert`."""

    def __init__(
        self,
        run: GitLabRun,
        iid: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        number = iid or run.iid
        if number is None:
            raise ForgeError(
                "no merge request: CI_MERGE_REQUEST_IID is not set "
                "(run in a merge-request pipeline) and --pr was not given"
            )
        self.number = number
        self.run = run
        self.forge = Forge(
            run.api_url, {run.header: run.token}, secret=run.token, transport=transport
        )
        project = quote(run.project, safe="")
        self._path = f"/projects/{project}/merge_requests/{number}/notes"

    def __enter__(self) -> MergeRequestNotes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.forge.__exit__(*exc)

    def comments(self) -> Iterator[Comment]:
        for page in self.forge.pages(self._path, PAGE):
            if not isinstance(page, list):
                raise ForgeError("GitLab answered a listing with something else")
            for note in page:
                yield self._note(note)

    def create(self, body: str) -> None:
        self.forge.call("POST", self._path, json={"body": body})

    def update(self, comment_id: int, body: str) -> None:
        self.forge.call("PUT", f"{self._path}/{comment_id}", json={"body": body})

    def _note(self, note: Any) -> Comment:
        if not isinstance(note, dict) or not isinstance(note.get("id"), int):
            raise ForgeError("GitLab answered a note without its id")
        # System notes ("added 1 commit") are GitLab's own, never ours.
        author = (note.get("author") or {}).get("username")
        mine = not note.get("system") and self.run.author in (None, author)
        return Comment(note["id"], str(note.get("body") or ""), mine)
