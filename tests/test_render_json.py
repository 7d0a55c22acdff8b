"""The JSON plan: a documented, versioned schema with no URL field anywhere."""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from plan_builders import room_id
from render_cases import every_change, no_change

from provisioner.plan import changes as plan_module
from provisioner.render import render
from provisioner.render.data import plan_view

CHANGE_KEYS = {
    "action",
    "name",
    "room_id",
    "fields",
    "reasons",
    "links_lost",
    "prevent_destroy",
    "forget_only",
    "moved_from",
    "imported",
    "unchecked",
    "offline",
    "request",
}


def document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(every_change(), "json"))
    return data


def test_the_document_has_the_documented_top_level_keys() -> None:
    data = document()
    assert list(data) == [
        "format_version",
        "state",
        "on_replace",
        "changes",
        "users",
        "state_only",
        "retiring",
        "pending",
        "summary",
        "has_changes",
        "checksum",
        "warnings",
        "notes",
        "refreshed",
        "offline_reason",
        "allowed",
    ]
    assert data["format_version"] == "1"
    assert data["has_changes"] is True


def test_every_room_is_a_change_in_plan_order_no_ops_included() -> None:
    changes = document()["changes"]
    assert [(c["action"], c["name"]) for c in changes] == [
        ("delete", "gone"),
        ("delete", "vanished"),
        ("replace", "standup"),
        ("create", "fresh"),
        ("no-op", "flagged"),
        ("no-op", "same"),
    ]
    assert all(set(c) == CHANGE_KEYS for c in changes)


def test_a_replace_carries_fields_before_and_after_reasons_and_links() -> None:
    replace = document()["changes"][2]
    assert replace["room_id"] == room_id("standup")
    assert replace["fields"][1] == {"path": "duration", "before": 3600, "after": 1800}
    assert replace["reasons"] == ["the request changed and rooms cannot be updated"]
    assert replace["links_lost"] == ["alice", "bob"]


def test_users_state_only_work_and_summary() -> None:
    data = document()
    assert [(u["action"], u["user_id"], u["forget_only"]) for u in data["users"]] == [
        ("delete", "old", True),
        ("update", "bob", False),
        ("create", "carol", False),
        ("no-op", "alice", False),
    ]
    assert data["users"][1]["fields"] == [
        {"path": "role", "before": "basic", "after": "plus"}
    ]
    assert data["state_only"] == [{"name": "flagged", "prevent_destroy": True}]
    assert data["retiring"] == [
        {"room_id": "room_prev00000", "name": "standup", "action": "disable"}
    ]
    assert data["pending"] == ["fresh"]
    assert data["summary"] == {
        "create": 1,
        "replace": 1,
        "delete": 1,
        "forget": 1,
        "unchanged": 2,
        "state_only": 1,
        "retire": 1,
        "pending": 1,
        "moved": 0,
        "imported": 0,
        "removed": 0,
        "users": {"create": 1, "update": 1, "delete": 0, "forget": 1, "unchanged": 1},
    }


def test_no_changes() -> None:
    data = json.loads(render(no_change(), "json"))
    assert data["has_changes"] is False
    assert [c["action"] for c in data["changes"]] == ["no-op"]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_document_has_no_url_key_anywhere() -> None:
    assert not [k for k in _keys(plan_view(every_change())) if "url" in k.lower()]


def _field_names(cls: Any, seen: set[Any]) -> set[str]:
    """Every field name reachable from a dataclass, through its field types."""
    if cls in seen or not dataclasses.is_dataclass(cls):
        return set()
    seen.add(cls)
    names = set()
    hints = typing.get_type_hints(cls, vars(plan_module))
    for field in dataclasses.fields(cls):
        names.add(field.name)
        for arg in (hints[field.name], *typing.get_args(hints[field.name])):
            for inner in (arg, *typing.get_args(arg)):
                names |= _field_names(inner, seen)
    return names


def test_a_plan_has_no_field_that_could_hold_a_url() -> None:
    names = _field_names(plan_module.Plan, set())
    assert {"rooms", "users", "flags", "links_lost", "fields"} <= names
    assert not [n for n in names if "url" in n.lower()]
