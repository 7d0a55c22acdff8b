"""What the GitHub Action's steps ask of the tool, beyond the usual commands.

- `outputs`: the step outputs read from `plan --format json`.
- `allowances`: the `PROVISIONER_ALLOW_*` variables the pull request's labels
  set, for its plan and for the apply after its merge.
- `reviewed_checksum`: the checksum of the plan commented on the pull request
  whose merge made this commit, which apply must reproduce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from provisioner.ci.comment import checksum_of, find
from provisioner.ci.github import GitHub, labels_in
from provisioner.errors import ForgeError

# A label names an allowance; nothing else in a label reaches the environment.
LABELS: Final = {
    "rooms:allow-replace": "PROVISIONER_ALLOW_REPLACE",
    "rooms:allow-deletes": "PROVISIONER_ALLOW_DELETES",
    "rooms:allow-drift": "PROVISIONER_ALLOW_DRIFT",
    "rooms:allow-duplicates": "PROVISIONER_ALLOW_DUPLICATES",
}


@dataclass(frozen=True)
class Reviewed:
    """The merged pull request and the checksum of its reviewed plan."""

    number: int
    checksum: str


def outputs(plan: Mapping[str, Any]) -> dict[str, str]:
    """The Action's outputs for a JSON plan (`checksum` when the plan has one)."""
    summary = plan.get("summary") or {}
    result = {
        "has-changes": "true" if plan.get("has_changes") else "false",
        "creates": str(int(summary.get("create", 0))),
        "replaces": str(int(summary.get("replace", 0))),
        "deletes": str(int(summary.get("delete", 0))),
    }
    checksum = plan.get("checksum")
    if isinstance(checksum, str) and checksum.isprintable():
        result["checksum"] = checksum
    return result


def allowances(labels: Iterable[str]) -> list[str]:
    """`NAME=1` for every allowance a label grants, sorted."""
    return sorted(f"{LABELS[label]}=1" for label in set(labels) if label in LABELS)


def pull_labels(github: GitHub, number: int | None = None) -> list[str]:
    """The labels of this run's pull request (the merged one on a push)."""
    run = github.run
    if run.event_name == "push" and number is None:
        merged = github.merged_pull(run.sha)
        return labels_in(merged) if merged else []
    payload = run.event.get("pull_request")
    if number is None and isinstance(payload, dict):
        return labels_in(payload)  # the labels as of this very event
    return labels_in(github.pull(github.pull_number(number)))


def reviewed_checksum(github: GitHub) -> Reviewed:
    """The checksum of the plan reviewed on the pull request merged as this commit."""
    sha = github.run.sha
    merged = github.merged_pull(sha)
    if merged is None:
        raise ForgeError(
            f"no reviewed plan: commit {sha[:12]} was not merged from a pull request"
        )
    number = int(merged.get("number") or 0)
    comment = find(github.comments(number))
    checksum = checksum_of(comment) if comment else None
    if checksum is None:
        said = "has no plan comment" if comment is None else "shows no appliable plan"
        raise ForgeError(f"no reviewed plan: pull request #{number} {said}")
    return Reviewed(number, checksum)
