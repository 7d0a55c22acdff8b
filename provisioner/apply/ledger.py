"""The record of an apply: what was done, what failed, what was never started.

Every operation reports to the ledger, which forwards it to the progress
display and keeps the tallies for the closing summary. The ledger never holds
a join URL: operations are described by room name and room id.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from provisioner.apply.progress import Clock, Counts, Progress, format_summary


class Outcome(StrEnum):
    """What one finished operation did."""

    CREATED = "created"
    REPLACED = "replaced"
    DELETED = "deleted"
    ADOPTED = "adopted"
    RETIRED = "retired"
    DROPPED = "dropped"
    USER_CREATED = "user created"
    USER_UPDATED = "user updated"
    USER_DELETED = "user deleted"
    USER_FORGOTTEN = "user forgotten"
    USER_KEPT = "user kept"
    FLAGGED = "flag updated"
    SKIPPED = "skipped"
    MOVED = "moved"
    IMPORTED = "imported"
    FORGOTTEN = "forgotten"


@dataclass(frozen=True)
class Failure:
    """One operation that failed, and why (one line, no secrets)."""

    subject: str
    message: str


@dataclass(frozen=True)
class ApplyReport:
    """The outcome of a whole apply, for the summary and the exit code."""

    counts: Counts
    outcomes: dict[str, int]
    failures: tuple[Failure, ...]
    not_done: tuple[str, ...]
    seconds: float
    interrupted: str | None = None
    retries: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.not_done and self.interrupted is None

    def summary(self) -> str:
        return format_summary(self.counts, self.seconds)

    def notes(self) -> list[str]:
        """Lines beyond the counts: users, recovered work, forgotten rooms."""
        found = [
            _users_line(self.outcomes),
            _entries_line(self.outcomes),
            _recovery_line(self.outcomes),
        ]
        if self.retries:
            found.append(f"{self.retries} requests retried (rate limits, failures)")
        return [line for line in found if line]

    def problems(self) -> list[str]:
        """What failed and what was never started."""
        lines = [f"failed: {f.subject}: {f.message}" for f in self.failures]
        if self.not_done:
            lines.append(f"not done: {', '.join(self.not_done)}")
        return lines


class Ledger:
    """Collects outcomes and drives the progress display."""

    def __init__(
        self, progress: Progress, unchanged: int = 0, clock: Clock = time.monotonic
    ) -> None:
        self.progress = progress
        self.unchanged = unchanged
        self.clock = clock
        self.started_at = clock()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[Failure] = []
        self.not_done: list[str] = []

    def begin(self, subject: str, doing: str) -> None:
        self.progress.begin(subject, doing)

    def done(self, subject: str, outcome: Outcome, line: str) -> None:
        self.outcomes[outcome] += 1
        self.progress.finish(subject, line)

    def failed(self, subject: str, error: Exception) -> None:
        self.failures.append(Failure(subject, str(error)))
        self.progress.finish(subject, f"failed {subject}: {error}", count=False)

    def skipped(self, subject: str) -> None:
        """An operation that was planned but never started."""
        self.not_done.append(subject)

    def note(self, line: str) -> None:
        self.progress.note(line)

    def report(self, interrupted: str | None = None) -> ApplyReport:
        self.progress.close()
        counts = Counts(
            created=self.outcomes[Outcome.CREATED],
            replaced=self.outcomes[Outcome.REPLACED],
            deleted=self.outcomes[Outcome.DELETED],
            unchanged=self.unchanged + self.outcomes[Outcome.SKIPPED],
        )
        return ApplyReport(
            counts=counts,
            outcomes=dict(self.outcomes),
            failures=tuple(self.failures),
            not_done=tuple(sorted(self.not_done)),
            seconds=self.clock() - self.started_at,
            interrupted=interrupted,
            retries=self.progress.retries,
        )


def _users_line(outcomes: dict[str, int]) -> str:
    kinds = (
        Outcome.USER_CREATED,
        Outcome.USER_UPDATED,
        Outcome.USER_DELETED,
        Outcome.USER_FORGOTTEN,
    )
    parts = [f"{outcomes[k]} {k.split()[1]}" for k in kinds if outcomes.get(k)]
    return f"users: {', '.join(parts)}" if parts else ""


def _entries_line(outcomes: dict[str, int]) -> str:
    kinds = (Outcome.MOVED, Outcome.IMPORTED, Outcome.FORGOTTEN)
    parts = [f"{outcomes[k]} {k}" for k in kinds if outcomes.get(k)]
    return f"state only: {', '.join(parts)}" if parts else ""


def _recovery_line(outcomes: dict[str, int]) -> str:
    parts = []
    if outcomes.get(Outcome.ADOPTED):
        parts.append(f"{outcomes[Outcome.ADOPTED]} adopted")
    if outcomes.get(Outcome.RETIRED):
        parts.append(f"{outcomes[Outcome.RETIRED]} old rooms retired")
    if outcomes.get(Outcome.DROPPED):
        parts.append(f"{outcomes[Outcome.DROPPED]} gone rooms forgotten")
    return f"recovered: {', '.join(parts)}" if parts else ""
