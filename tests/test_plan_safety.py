"""Safety at plan time: prevent_destroy, the delete threshold, RUNNING rooms."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import by_name, record, room, state, user, users_by_id

from provisioner.errors import UnsafePlanError
from provisioner.model import RoomSpec
from provisioner.plan.diff import diff
from provisioner.plan.safety import Policy, check_safety, names, running_refusals
from provisioner.state.document import State


def refusal(
    plan_state: State, desired: dict[str, RoomSpec], policy: Policy, **options: Any
) -> str:
    plan = diff(desired, {}, plan_state, **options)
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, plan_state, policy)
    return str(caught.value)


def rooms(count: int) -> list[RoomSpec]:
    return [room(f"r{i}") for i in range(count)]


# -- the delete threshold ------------------------------------------------------


def test_deleting_more_than_the_limit_is_refused_with_names_and_numbers() -> None:
    current = state(rooms(8))
    keep = by_name(*rooms(8)[3:])
    assert refusal(current, keep, Policy(max_delete_percent=25)) == (
        "refusing to delete 3 of 8 managed rooms (37%, limit 25%): r0, r1, r2; "
        "pass --allow-deletes"
    )


def test_deleting_exactly_the_limit_is_allowed() -> None:
    current = state(rooms(8))
    plan = diff(by_name(*rooms(8)[2:]), {}, current)
    check_safety(plan, current, Policy(max_delete_percent=25))


def test_allow_deletes_lifts_the_limit() -> None:
    current = state(rooms(8))
    plan = diff({}, {}, current)
    check_safety(plan, current, Policy(allow_deletes=True))


@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_limit_applies_only_from_four_managed_rooms(count: int) -> None:
    current = state(rooms(count))
    check_safety(diff({}, {}, current), current, Policy(max_delete_percent=0))


def test_a_limit_of_zero_refuses_any_delete_from_four_rooms() -> None:
    current = state(rooms(4))
    assert refusal(current, by_name(*rooms(4)[1:]), Policy(max_delete_percent=0)) == (
        "refusing to delete 1 of 4 managed rooms (25%, limit 0%): r0; "
        "pass --allow-deletes"
    )


def test_replaces_and_forgotten_rooms_do_not_count_as_deletes() -> None:
    current = state(rooms(4))
    desired = by_name(room("r0", live=True), room("r1", live=True), room("r2"))
    plan = diff(desired, {}, current, drift={"r3": "deleted outside the provisioner"})
    # Replaces have their own limit (max_replace_percent), lifted here.
    check_safety(plan, current, Policy(max_delete_percent=0, max_replace_percent=100))


def test_long_name_lists_are_cut() -> None:
    many = [f"r{i:02d}" for i in range(23)]
    assert names(many) == ", ".join(many[:20]) + " and 3 more"


def test_pruned_users_count_against_the_limit_of_managed_users() -> None:
    people = [user(u) for u in ("a", "b", "c", "d")]
    current = state(users=people)
    plan = diff({}, users_by_id(*people[2:]), current, prune_users=True)
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, current, Policy())
    assert str(caught.value) == (
        "refusing to delete 2 of 4 managed users (50%, limit 25%): a, b; "
        "pass --allow-deletes"
    )


def test_forgotten_users_do_not_count() -> None:
    people = [user(u) for u in ("a", "b", "c", "d")]
    current = state(users=people)
    check_safety(diff({}, {}, current), current, Policy(max_delete_percent=0))


# -- prevent_destroy -----------------------------------------------------------


def test_a_protected_room_removed_from_the_files_cannot_be_deleted() -> None:
    current = state([("vault", record(room("vault"), prevent_destroy=True))])
    assert refusal(current, {}, Policy()) == (
        "refusing to delete 1 room protected by prevent_destroy: vault; "
        "pass --allow-deletes"
    )
    check_safety(diff({}, {}, current), current, Policy(allow_deletes=True))


def test_a_protected_room_cannot_be_replaced_without_allow_replace() -> None:
    current = state([room("a", prevent_destroy=True), room("b", prevent_destroy=True)])
    desired = by_name(
        room("a", live=True, prevent_destroy=True), room("b", prevent_destroy=True)
    )
    message = refusal(current, desired, Policy(allow_deletes=True), replace=["b"])
    assert message == (
        "refusing to replace 2 rooms protected by prevent_destroy: a, b; "
        "pass --allow-replace"
    )
    plan = diff(desired, {}, current, replace=["b"])
    check_safety(plan, current, Policy(allow_replace=True))


def test_removing_the_flag_in_the_same_change_still_protects_the_room() -> None:
    current = state([room("a", prevent_destroy=True)])
    desired = by_name(room("a", live=True))
    assert "refusing to replace 1 room protected by prevent_destroy: a" in refusal(
        current, desired, Policy()
    )


def test_a_drifted_protected_room_is_recreated_without_any_flag() -> None:
    spec = room("a", prevent_destroy=True)
    current = state([spec])
    plan = diff(
        by_name(spec), {}, current, drift={"a": "deleted outside the provisioner"}
    )
    check_safety(plan, current, Policy())


# -- RUNNING -------------------------------------------------------------------


def test_running_rooms_cannot_be_replaced_or_deleted_without_force() -> None:
    current = state([room("busy"), room("gone"), room("idle")])
    desired = by_name(room("busy", live=True), room("idle", live=True))
    policy = Policy(allow_deletes=True, running=frozenset({"busy", "gone"}))
    assert refusal(current, desired, policy) == (
        "refusing to replace or delete 2 rooms with a call in progress (RUNNING): "
        "gone, busy; wait for the call to end or pass --force"
    )
    plan = diff(desired, {}, current)
    check_safety(
        plan,
        current,
        Policy(allow_deletes=True, force=True, running=frozenset({"busy"})),
    )


def test_running_rooms_left_alone_are_fine() -> None:
    spec = room("busy")
    current = state([spec])
    plan = diff(by_name(spec), {}, current)
    check_safety(plan, current, Policy(running=frozenset({"busy"})))
    assert running_refusals(plan.rooms, {"busy"}, force=False) == []


def test_every_broken_rule_is_reported_at_once() -> None:
    current = state([*rooms(4), ("vault", record(room("vault"), prevent_destroy=True))])
    message = refusal(current, {}, Policy(running=frozenset({"r0"})))
    assert message.splitlines() == [
        "refusing to delete 1 room protected by prevent_destroy: vault; "
        "pass --allow-deletes",
        "refusing to replace or delete 1 room with a call in progress (RUNNING): "
        "r0; wait for the call to end or pass --force",
        "refusing to delete 5 of 5 managed rooms (100%, limit 25%): r0, r1, r2, "
        "r3, vault; pass --allow-deletes",
    ]
