"""The one plan comment of a pull request: its body, and finding it again.

A comment is ours when its body starts with MARKER (and, where the platform
says so, a bot wrote it): every push updates that one comment in place rather
than adding another. The second line, hidden too, holds the reviewed plan's
checksum (or `none`), which `apply` reads back after the merge. PURE apart from the
`Thread` it is handed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from provisioner.render.markdown import md

MARKER: Final = "<!-- kaleyra-rooms-plan -->"
_CHECKSUM_LINE: Final = "<!-- kaleyra-rooms-checksum: {} -->"
NO_CHECKSUM: Final = "none"  # a failure or a refusal: nothing to apply
_CHECKSUM: Final = re.compile(
    r"^<!-- kaleyra-rooms-checksum: ([A-Za-z0-9:_-]{1,200}) -->$"
)
# GitHub refuses a comment over 65,536 characters; the plan keeps under 60,000.
LOG_BUDGET: Final = 50_000


@dataclass(frozen=True)
class Comment:
    """A comment as the platform lists it; `mine` when written by a bot."""

    id: int
    body: str
    mine: bool = True


class Thread(Protocol):
    """The comments of one pull request or merge request."""

    def comments(self) -> Iterable[Comment]: ...

    def create(self, body: str) -> None: ...

    def update(self, comment_id: int, body: str) -> None: ...


def plan_body(text: str, checksum: str | None = None) -> str:
    """The comment for a markdown plan; `checksum` marks it as appliable."""
    if checksum is not None and (checksum == NO_CHECKSUM or not _valid(checksum)):
        raise ValueError(f"not a plan checksum: {checksum!r}")
    return _head(checksum) + text


def _valid(checksum: str) -> bool:
    return bool(_CHECKSUM.match(_CHECKSUM_LINE.format(checksum)))


def _head(checksum: str | None) -> str:
    # Always two lines, so nothing in the text can pass for the checksum line.
    return f"{MARKER}\n{_CHECKSUM_LINE.format(checksum or NO_CHECKSUM)}\n"


def failure_body(title: str, log: str) -> str:
    """A comment saying why there is no plan, with the command's output.

    The output quotes the room files, so every character is escaped: a value
    in a pull request cannot close the block, ping someone or inject HTML.
    """
    return (
        f"{_head(None)}## ❌ {md(title)}\n\n"
        "No plan: this pull request cannot be applied as it is.\n\n"
        f"<pre>\n{_escaped(log, LOG_BUDGET)}</pre>\n"
    )


def _escaped(log: str, budget: int) -> str:
    # Escaping can grow a line fivefold: the budget counts what is posted.
    lines: list[str] = []
    for line in log.splitlines():
        escaped = md(line) + "\n"
        budget -= len(escaped)
        if budget < 0:
            lines.append("… (cut: see the job log)\n")
            break
        lines.append(escaped)
    return "".join(lines)


def find(comments: Iterable[Comment]) -> Comment | None:
    """The first comment of ours, or None."""
    for comment in comments:
        if comment.mine and comment.body.startswith(MARKER):
            return comment
    return None


def checksum_of(comment: Comment) -> str | None:
    """The reviewed plan's checksum, or None when the comment shows no plan."""
    lines = comment.body.splitlines()
    found = _CHECKSUM.match(lines[1]) if len(lines) > 1 else None
    if found is None or found.group(1) == NO_CHECKSUM:
        return None
    return found.group(1)


def upsert(thread: Thread, body: str) -> str:
    """Create the comment or update ours in place: 'created', 'updated', 'unchanged'."""
    existing = find(thread.comments())
    if existing is None:
        thread.create(body)
        return "created"
    if existing.body == body:
        return "unchanged"
    thread.update(existing.id, body)
    return "updated"
