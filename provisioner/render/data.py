"""The plan as a documented, versioned JSON document (see docs/plan.md).

    {"format_version": "1",
     "state": {"lineage": ..., "serial": 7},
     "changes": [{"action", "name", "room_id", "fields": [{"path", "before",
                  "after"}], "reasons", "links_lost", "prevent_destroy",
                  "forget_only", "moved_from", "imported", "unchecked",
                  "offline", "request" (a new room's settings)}],
     "users": [{"action", "user_id", "fields", "forget_only"}],
     "state_only": [{"name", "prevent_destroy"}],
     "retiring": [{"room_id", "name", "action"}],
     "pending": ["name", ...],
     "summary": {...}, "has_changes": true, "checksum": "3f2a…", "warnings": [...],
     "notes": [...], "refreshed": true, "offline_reason": null,
     "allowed": [{"flag", "variable", "what"}]}

Built from a Plan field by field: a new Plan field shows up here only when it
is added on purpose, so nothing reaches the output by accident.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Final

from provisioner.environment import ALLOW_ENV
from provisioner.plan import (
    Action,
    Allowance,
    FieldChange,
    Plan,
    RoomChange,
    UserChange,
)
from provisioner.plan.request import ALLOWANCES

FORMAT_VERSION: Final = "1"


def plan_view(plan: Plan) -> dict[str, Any]:
    """The JSON document for `plan`, as Python data."""
    summary = asdict(plan.summary())
    users = {
        key.removeprefix("users_"): summary.pop(key)
        for key in list(summary)
        if key.startswith("users_")
    }
    return {
        "format_version": FORMAT_VERSION,
        "state": {"lineage": plan.lineage, "serial": plan.serial},
        "on_replace": plan.on_replace,
        "changes": [_room(change) for change in plan.rooms],
        "users": [_user(change) for change in plan.users],
        "state_only": [
            {"name": f.name, "prevent_destroy": f.prevent_destroy} for f in plan.flags
        ],
        "retiring": [
            {"room_id": r.room_id, "name": r.name, "action": r.action}
            for r in plan.retiring
        ],
        "pending": list(plan.pending),
        "summary": {**summary, "users": users},
        "has_changes": plan.has_changes,
        "checksum": plan.checksum,
        "warnings": list(plan.warnings),
        "notes": list(plan.notes),
        "refreshed": plan.refreshed,
        "offline_reason": None if plan.refreshed else plan.offline_reason,
        "allowed": [_allowance(a) for a in plan.allowed],
    }


def _allowance(allowance: Allowance) -> dict[str, str]:
    return {
        "flag": ALLOWANCES[allowance.name],
        "variable": ALLOW_ENV[allowance.name],
        "what": allowance.what,
    }


def render_json(plan: Plan) -> str:
    """`plan_view` as indented JSON text."""
    return json.dumps(plan_view(plan), indent=2, ensure_ascii=False) + "\n"


def _fields(fields: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
    return [{"path": f.path, "before": f.before, "after": f.after} for f in fields]


def _room(change: RoomChange) -> dict[str, Any]:
    return {
        "action": str(change.action),
        "name": change.name,
        "room_id": change.room_id,
        "fields": _fields(change.fields),
        "reasons": list(change.reasons),
        "links_lost": list(change.links_lost),
        "prevent_destroy": change.prevent_destroy,
        "forget_only": change.forget_only,
        "moved_from": change.moved_from,
        "imported": change.imported,
        "unchecked": list(change.unchecked),
        "offline": change.offline,
        # A new room's settings, as markdown shows them (a request holds no link).
        "request": change.request if change.action is Action.CREATE else None,
    }


def _user(change: UserChange) -> dict[str, Any]:
    return {
        "action": str(change.action),
        "user_id": change.user_id,
        "fields": _fields(change.fields),
        "forget_only": change.forget_only,
    }
