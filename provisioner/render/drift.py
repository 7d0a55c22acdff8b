"""PURE renderers of a drift report: text (a terminal), json, markdown (an issue).

Names and reasons only: a report has no field that could hold a join URL.
Text from the state goes through the same escaping as plans.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from provisioner.plan.drift import DriftReport
from provisioner.render.markdown import md
from provisioner.render.text import printable

FORMAT_VERSION: Final = "1"
WHAT_NEXT: Final = (
    "Run `provisioner plan` to see how apply restores them: a room gone is "
    "created again (new links), a user gone is created again."
)


def _counted(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def headline(report: DriftReport) -> str:
    """One line: what drifted, or that nothing did."""
    checked = (
        f"{_counted(report.checked_rooms, 'room')} and "
        f"{_counted(report.checked_users, 'user')} checked"
    )
    if not report.drifted:
        return f"No drift: {checked}."
    found = [_counted(len(report.rooms), "room")] if report.rooms else []
    if report.users_gone:
        found.append(_counted(len(report.users_gone), "user"))
    return f"Drift: {' and '.join(found)} changed outside the provisioner ({checked})."


def render_drift_text(report: DriftReport) -> str:
    lines = [headline(report)]
    if report.rooms:
        lines.append("")
    for room in report.rooms:
        lines.append(f"  ! {printable(room.name)} ({room.room_id}): {room.reason}")
    if report.users_gone:
        lines += ["", "Users gone (deleted outside the provisioner):"]
        lines += [f"  ! {printable(user)}" for user in report.users_gone]
    if report.drifted:
        lines += ["", WHAT_NEXT]
    return "\n".join(lines) + "\n"


def drift_view(report: DriftReport) -> dict[str, Any]:
    """The JSON document of a drift report, as Python data."""
    return {
        "format_version": FORMAT_VERSION,
        "state": {"lineage": report.lineage, "serial": report.serial},
        "drifted": report.drifted,
        "rooms": [
            {"name": r.name, "room_id": r.room_id, "kind": r.kind, "reason": r.reason}
            for r in report.rooms
        ],
        "users_gone": list(report.users_gone),
        "checked": {"rooms": report.checked_rooms, "users": report.checked_users},
    }


def render_drift_json(report: DriftReport) -> str:
    return json.dumps(drift_view(report), indent=2, ensure_ascii=False) + "\n"


def render_drift_markdown(report: DriftReport) -> str:
    """An issue body: the headline, a table of rooms, the users, what next."""
    lines = [f"## {md(headline(report))}", ""]
    if report.rooms:
        lines += ["| room | room id | what happened |", "|---|---|---|"]
        lines += [
            f"| {md(r.name)} | <code>{md(r.room_id)}</code> | {md(r.reason)} |"
            for r in report.rooms
        ]
        lines.append("")
    if report.users_gone:
        users = ", ".join(md(user) for user in report.users_gone)
        lines += [f"Users gone (deleted outside the provisioner): {users}", ""]
    if report.drifted:
        lines += [WHAT_NEXT, ""]  # our own words: nothing to escape
    return "\n".join(lines)


DRIFT_RENDERERS: Final[dict[str, Callable[[DriftReport], str]]] = {
    "text": render_drift_text,
    "json": render_drift_json,
    "markdown": render_drift_markdown,
}
