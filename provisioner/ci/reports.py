"""Validation problems in the shapes CI platforms read. PURE.

- GitHub workflow commands (`::error file=…,line=…,col=…::message`), escaped
  as the runner unescapes them: `%`, CR and LF everywhere, and `:` and `,` in
  properties too, so a message cannot end the command or forge another.
- A markdown table for the job summary: GitHub shows only 10 annotations of
  each kind per step, the summary lists every problem.
- GitLab's Code Quality report: a JSON list of {description, check_name,
  fingerprint, severity, location: {path, lines: {begin}}}.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from provisioner.errors import Problem
from provisioner.render.markdown import md

FORMATS: Final = ("github", "codequality")
CHECK_NAME: Final = "provisioner-validate"
_DATA: Final = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY: Final = str.maketrans(
    {"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"}
)
# GitLab's scale: info, minor, major, critical, blocker.
_SEVERITY: Final = {"error": "major", "warning": "minor"}


def escape_data(text: str) -> str:
    """A workflow command's message, escaped."""
    return text.translate(_DATA)


def escape_property(text: str) -> str:
    """A workflow command's property value (file=, title=), escaped."""
    return text.translate(_PROPERTY)


def github_commands(problems: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """One `::error` line per problem and one `::warning` line per warning."""
    lines = [_command("error", p) for p in problems]
    lines += [_command("warning", w) for w in warnings]
    return "".join(line + "\n" for line in lines)


def _command(kind: str, problem: Problem) -> str:
    where = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", problem.path),
            ("line", str(problem.line)),
            ("col", str(problem.col)),
            ("title", "provisioner validate"),
        )
    )
    return f"::{kind} {where}::{escape_data(problem.message)}"


def github_summary(problems: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """The job summary: every problem and warning in one table."""
    if not problems and not warnings:
        return "### ✅ provisioner validate: the room files are valid\n"
    head = (
        f"### ❌ provisioner validate: {len(problems)} problem(s)\n\n"
        if problems
        else "### ⚠️ provisioner validate: valid, with warnings\n\n"
    )
    rows = ["| | file | line | col | problem |", "|---|---|---|---|---|"]
    rows += [_row("❌", p) for p in problems]
    rows += [_row("⚠️", w) for w in warnings]
    return head + "\n".join(rows) + "\n"


def _row(symbol: str, problem: Problem) -> str:
    cells = (md(problem.path), str(problem.line), str(problem.col), md(problem.message))
    return f"| {symbol} | " + " | ".join(cells) + " |"


def codequality(problems: Sequence[Problem], warnings: Sequence[Problem]) -> str:
    """GitLab's Code Quality report for the problems and warnings."""
    issues = list(_issues(problems, "error")) + list(_issues(warnings, "warning"))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issues(problems: Iterable[Problem], kind: str) -> Iterator[dict[str, Any]]:
    # The fingerprint leaves the line out, so a problem that only moves is the
    # same problem to GitLab's comparison with the target branch.
    seen: Counter[tuple[str, str]] = Counter()
    for problem in problems:
        key = (problem.path, problem.message)
        seen[key] += 1
        digest = hashlib.sha256(
            "\0".join((kind, *key, str(seen[key]))).encode()
        ).hexdigest()
        yield {
            "description": problem.message,
            "check_name": CHECK_NAME,
            "fingerprint": digest,
            "severity": _SEVERITY[kind],
            "location": {"path": problem.path, "lines": {"begin": problem.line}},
        }
