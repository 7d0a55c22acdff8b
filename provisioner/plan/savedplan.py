"""Saved plans (`plan --out FILE`): what apply executes exactly, or refuses.

    {"format_version": "1", "kind": "provisioner-plan",
     "lineage": "<uuid>" | null, "serial": 7, "inputs": "sha256:...",
     "on_replace": "disable", "options": {"targets": [], "replace": [], ...},
     "rooms": [{"action": "replace", "name": ..., "room_id": ..., "request":
                {...}, "fingerprint": ..., "fields": [...], ...}],
     "users": [...], "flags": [...], "retiring": [...], "pending": [...],
     "warnings": [...], "notes": [...], "refreshed": true, "offline_reason": "",
     "allowed": [{"name": "allow_deletes", "what": ...}]}

Room actions include the entries' `moved`, `import` and `forget`; a room
change carries `moved_from`, `imported`, `unchecked` and `offline` for them.

`refreshed`, `offline_reason` and `allowed` came later in format "1": a file
without them reads as refreshed, with nothing overridden.

A plan file holds requests, ids and user names, never a join URL (a plan has
no field for one). `check_fresh` refuses a plan made against another state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, astuple
from typing import Any, Final

from provisioner.errors import StalePlanError
from provisioner.model import Entries, RoomSpec, UserSpec
from provisioner.plan.changes import (
    Action,
    Allowance,
    FieldChange,
    FlagChange,
    Plan,
    PlanOptions,
    RetireChange,
    RoomChange,
    UserChange,
)
from provisioner.plan.request import ALLOWANCES
from provisioner.state.document import State

FORMAT_VERSION: Final = "1"
KIND: Final = "provisioner-plan"


def inputs_fingerprint(
    rooms: Mapping[str, RoomSpec],
    users: Mapping[str, UserSpec],
    settings: Mapping[str, Any],
    known: Mapping[str, str] | None = None,
    entries: Entries | None = None,
) -> str:
    """A digest of everything a plan was computed from, besides the state.

    `known` holds room fingerprints already computed (by the diff), by name.
    """
    known = known or {}
    document: dict[str, Any] = {
        "rooms": {
            name: [known.get(name) or spec.fingerprint, spec.prevent_destroy]
            for name, spec in sorted(rooms.items())
        },
        "users": {uid: spec.as_dict() for uid, spec in sorted(users.items())},
        "settings": dict(settings),
    }
    if entries and entries != Entries():
        # Left out when there are none, so older plans keep their digest;
        # locations left out (the last item of each entry): moving one changes
        # nothing.
        document["entries"] = [
            [list(entry)[:-1] for entry in group] for group in astuple(entries)
        ]
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The saved-plan document for `plan`."""
    return {
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "lineage": plan.lineage,
        "serial": plan.serial,
        "inputs": plan.inputs,
        "on_replace": plan.on_replace,
        "options": asdict(plan.options),
        "rooms": [asdict(change) for change in plan.rooms],
        "users": [asdict(change) for change in plan.users],
        "flags": [asdict(flag) for flag in plan.flags],
        "retiring": [asdict(retire) for retire in plan.retiring],
        "pending": list(plan.pending),
        "warnings": list(plan.warnings),
        "notes": list(plan.notes),
        "refreshed": plan.refreshed,
        "offline_reason": plan.offline_reason,
        "allowed": [asdict(allowance) for allowance in plan.allowed],
    }


def plan_from_dict(data: Any) -> Plan:
    """Rebuild a Plan; KeyError/TypeError/ValueError on a malformed document."""
    if not isinstance(data, Mapping) or data.get("kind") != KIND:
        raise ValueError("not a provisioner plan")
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"unsupported plan format_version {data.get('format_version')!r} "
            f"(this provisioner reads {FORMAT_VERSION!r})"
        )
    return Plan(
        rooms=tuple(_room(item) for item in data["rooms"]),
        users=tuple(_user(item) for item in data["users"]),
        flags=tuple(FlagChange(**item) for item in data["flags"]),
        lineage=data["lineage"],
        serial=int(data["serial"]),
        inputs=str(data["inputs"]),
        on_replace=str(data["on_replace"]),
        warnings=tuple(str(w) for w in data["warnings"]),
        retiring=tuple(RetireChange(**item) for item in data["retiring"]),
        pending=tuple(str(name) for name in data["pending"]),
        options=_options(data["options"]),
        notes=tuple(str(n) for n in data.get("notes", ())),
        refreshed=_flag(data.get("refreshed", True)),
        offline_reason=str(data.get("offline_reason", "")),
        allowed=tuple(_allowance(item) for item in data.get("allowed", ())),
    )


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _allowance(item: Mapping[str, Any]) -> Allowance:
    name, what = item["name"], item["what"]
    if name not in ALLOWANCES or not isinstance(what, str):
        raise ValueError(f"unknown allowance {name!r}")
    return Allowance(name, what)


def _fields(items: Any) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(**item) for item in items)


def _room(item: Mapping[str, Any]) -> RoomChange:
    values = dict(item)
    return RoomChange(
        **{
            **values,
            "action": Action(values["action"]),
            "fields": _fields(values["fields"]),
            "reasons": tuple(values["reasons"]),
            "links_lost": tuple(values["links_lost"]),
            # Written by every plan since the moved/import/removed entries.
            "unchecked": tuple(values.get("unchecked", ())),
        }
    )


def _user(item: Mapping[str, Any]) -> UserChange:
    values = dict(item)
    return UserChange(
        **{
            **values,
            "action": Action(values["action"]),
            "fields": _fields(values["fields"]),
        }
    )


def _options(item: Mapping[str, Any]) -> PlanOptions:
    values = dict(item)
    return PlanOptions(
        **{
            **values,
            "targets": tuple(values["targets"]),
            "replace": tuple(values["replace"]),
        }
    )


def check_fresh(plan: Plan, state: State) -> None:
    """Raise StalePlanError unless `state` is the state the plan was made from."""
    if plan.lineage is None:
        if state.lineage is not None:
            raise StalePlanError(
                "a state was created since this plan was made (it was made with "
                "no state); run plan again"
            )
        return
    if state.lineage != plan.lineage:
        raise StalePlanError(
            f"this plan was made for another state (lineage {plan.lineage}, "
            f"the state has {state.lineage}); run plan again"
        )
    if state.serial != plan.serial:
        raise StalePlanError(
            f"the state changed since this plan was made (serial {plan.serial} "
            f"→ {state.serial}); run plan again"
        )
