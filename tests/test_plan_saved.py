"""Saved plans: a faithful round trip, no URLs, and a refusal when stale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from plan_builders import (
    URL_PREFIX,
    by_name,
    record,
    room,
    state,
    user,
    users_by_id,
)

from provisioner.apply.planfile import load_plan, save_plan
from provisioner.errors import PlanFileError, StalePlanError
from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.plan.savedplan import (
    FORMAT_VERSION,
    KIND,
    check_fresh,
    inputs_fingerprint,
    plan_to_dict,
)
from provisioner.state.document import PendingCreate, RetiringRoom, State


def busy_plan() -> tuple[Plan, State]:
    """A plan with every kind of change in it, and the state it came from."""
    current = state(
        [
            room("gone"),
            room("changed"),
            ("flagged", record(room("flagged"), prevent_destroy=False)),
            room("drifted"),
        ],
        users=[user("alice"), user("bob", "basic"), user("old")],
    )
    current.retiring["room_prev"] = RetiringRoom("room_prev", "changed", "disable", "t")
    current.pending["new"] = PendingCreate("new", {}, "sha256:x", "t")
    desired = by_name(
        room("changed", duration=60, call_action={"ring": {"after": 5}}),
        room("flagged", prevent_destroy=True),
        room("new", recording=True),
        room("drifted"),
    )
    users = users_by_id(user("alice"), user("bob"), user("carol", "basic"))
    plan = diff(
        desired,
        users,
        current,
        drift={"drifted": "closed outside the provisioner"},
        on_replace="delete",
        prune_users=True,
        replace=["changed"],
    )
    plan = dataclasses.replace(plan, inputs=inputs_fingerprint(desired, users, {}))
    return plan, current


def test_a_saved_plan_loads_back_equal(tmp_path: Path) -> None:
    plan, _ = busy_plan()
    path = tmp_path / "changes.tfplan"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert loaded.warnings == plan.warnings
    assert loaded.has_changes


def test_a_saved_plan_records_state_inputs_options_and_requests(tmp_path: Path) -> None:
    plan, current = busy_plan()
    path = tmp_path / "p.json"
    save_plan(plan, path)
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION == "1"
    assert data["kind"] == KIND
    assert (data["lineage"], data["serial"]) == (current.lineage, current.serial)
    assert data["inputs"].startswith("sha256:")
    assert data["on_replace"] == "delete"
    assert data["options"]["replace"] == ["changed"]
    assert data["options"]["prune_users"] is True
    changed = next(r for r in data["rooms"] if r["name"] == "changed")
    assert changed["request"]["duration"] == 60
    assert changed["room_id"] == current.rooms["changed"].room_id
    assert [u["user_id"] for u in data["users"]] == ["old", "bob", "carol", "alice"]
    assert data["retiring"] == [
        {"room_id": "room_prev", "name": "changed", "action": "disable"}
    ]
    assert data["flags"] == [{"name": "flagged", "prevent_destroy": True}]
    assert data["pending"] == ["new"]


def test_a_saved_plan_holds_no_join_url(tmp_path: Path) -> None:
    plan, current = busy_plan()
    urls = [u for r in current.rooms.values() for u in r.urls.values()]
    assert urls  # the state really holds URLs
    path = tmp_path / "p.json"
    save_plan(plan, path)
    text = path.read_text()
    assert URL_PREFIX.split("/connect")[0] not in text
    assert not any(u in text for u in urls)
    assert "url" not in text.lower()


def test_a_plan_made_without_state_applies_while_none_exists() -> None:
    plan = diff(by_name(room("r")), {}, State())
    check_fresh(plan, State())
    with pytest.raises(StalePlanError) as caught:
        check_fresh(plan, state([room("r")]))
    assert str(caught.value) == (
        "a state was created since this plan was made (it was made with no "
        "state); run plan again"
    )


def test_a_plan_is_stale_when_the_serial_moved() -> None:
    current = state([room("r")], serial=7)
    plan = diff({}, {}, current)
    check_fresh(plan, current)
    current.serial = 9
    with pytest.raises(StalePlanError) as caught:
        check_fresh(plan, current)
    assert str(caught.value) == (
        "the state changed since this plan was made (serial 7 → 9); run plan again"
    )


def test_a_plan_for_another_state_is_stale() -> None:
    plan = diff({}, {}, state([room("r")]))
    other = state([room("r")])
    other.lineage = "another"
    with pytest.raises(StalePlanError, match="made for another state"):
        check_fresh(plan, other)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a provisioner plan (not JSON)"),
        ('{"kind": "something"}', "not a usable plan (not a provisioner plan)"),
        (
            '{"kind": "provisioner-plan", "format_version": "9"}',
            "not a usable plan (unsupported plan format_version '9' "
            "(this provisioner reads '1'))",
        ),
        (
            '{"kind": "provisioner-plan", "format_version": "1"}',
            "not a usable plan (missing 'rooms')",
        ),
    ],
)
def test_an_unusable_plan_file_is_a_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_malformed_change_is_a_clear_error(tmp_path: Path) -> None:
    plan, _ = busy_plan()
    data = plan_to_dict(plan)
    data["rooms"][0]["action"] = "explode"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match="not a usable plan"):
        load_plan(path)


def test_a_missing_plan_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as caught:
        load_plan(tmp_path / "none.json")
    assert str(caught.value) == (
        f"{tmp_path / 'none.json'}: cannot read the plan (No such file or directory)"
    )


def test_an_unwritable_plan_path_is_a_clear_error(tmp_path: Path) -> None:
    plan, _ = busy_plan()
    with pytest.raises(PlanFileError, match="cannot write the plan"):
        save_plan(plan, tmp_path / "missing-dir" / "p.json")


BASE: dict[str, Any] = {"on_replace": "disable"}


@pytest.mark.parametrize(
    ("rooms", "users", "settings"),
    [
        (by_name(room("r", live=True)), {}, BASE),
        (by_name(room("r", prevent_destroy=True)), {}, BASE),
        (by_name(room("r"), room("s")), {}, BASE),
        (by_name(room("r")), users_by_id(user("alice")), BASE),
        (by_name(room("r")), {}, {"on_replace": "delete"}),
    ],
)
def test_every_input_moves_the_inputs_fingerprint(
    rooms: Any, users: Any, settings: Any
) -> None:
    base = inputs_fingerprint(by_name(room("r")), {}, BASE)
    assert inputs_fingerprint(by_name(room("r")), {}, dict(BASE)) == base
    assert inputs_fingerprint(rooms, users, settings) != base
