"""Safety at plan time: prevent_destroy, the delete, replace and drift thresholds,
RUNNING rooms, rooms already on the API, and which allowance lifted what."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import by_name, record, room, state, user, users_by_id

from provisioner.errors import UnsafePlanError
from provisioner.model import RoomSpec
from provisioner.plan import Allowance, Request
from provisioner.plan.diff import diff
from provisioner.plan.safety import (
    ListedRoom,
    Policy,
    check_safety,
    judge,
    judge_duplicates,
    names,
    running_refusals,
    unrecorded_creates,
)
from provisioner.state.document import PendingCreate, State


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


# -- the replace threshold -----------------------------------------------------


def edited(count: int, of: int) -> dict[str, RoomSpec]:
    """`of` rooms, the first `count` of them changed (each one a replace)."""
    return by_name(
        *(room(f"r{i}", live=True) for i in range(count)),
        *rooms(of)[count:],
    )


@pytest.mark.parametrize(
    ("changed", "managed", "limit", "message"),
    [
        (
            3,
            8,
            25,
            "refusing to replace 3 of 8 managed rooms (37%, limit 25%): r0, r1, r2; "
            "pass --allow-replace",
        ),
        (2, 8, 25, None),  # exactly the limit
        (5, 8, 63, None),  # 62.5%
        (
            5,
            8,
            60,
            "refusing to replace 5 of 8 managed rooms (62%, limit 60%): r0, r1, r2, "
            "r3, r4; pass --allow-replace",
        ),
        (3, 3, 0, None),  # under 4 managed rooms the limit does not apply
        (
            1,
            4,
            0,
            "refusing to replace 1 of 4 managed rooms (25%, limit 0%): r0; "
            "pass --allow-replace",
        ),
    ],
)
def test_replacing_more_than_max_replace_percent_is_refused(
    changed: int, managed: int, limit: int, message: str | None
) -> None:
    current = state(rooms(managed))
    plan = diff(edited(changed, managed), {}, current)
    verdict = judge(plan, current, Policy(max_replace_percent=limit))
    assert verdict.refusals == ((message,) if message else ())


def test_forced_replaces_count_like_any_other() -> None:
    current = state(rooms(4))
    message = refusal(current, by_name(*rooms(4)), Policy(), replace=["r0", "r1"])
    assert message == (
        "refusing to replace 2 of 4 managed rooms (50%, limit 25%): r0, r1; "
        "pass --allow-replace"
    )


def test_allow_replace_lifts_the_limit_and_the_plan_says_so() -> None:
    current = state(rooms(8))
    plan = diff(edited(5, 8), {}, current)
    allowed = check_safety(plan, current, Policy(allow_replace=True))
    assert allowed == (
        Allowance(
            "allow_replace",
            "replace 5 of 8 managed rooms (62%, limit 25%): r0, r1, r2, r3, r4",
        ),
    )


def test_deletes_do_not_count_as_replaces() -> None:
    current = state(rooms(4))
    plan = diff(by_name(*rooms(4)[:3]), {}, current)
    check_safety(plan, current, Policy(max_replace_percent=0, max_delete_percent=25))


# -- the drift threshold -------------------------------------------------------

GONE = "deleted outside the provisioner"


@pytest.mark.parametrize(
    ("gone", "managed", "limit", "refused"),
    [
        (5, 8, 50, True),
        (4, 8, 50, False),  # exactly the limit
        (8, 8, 99, True),
        (3, 3, 0, False),  # under 4 managed rooms the limit does not apply
        (1, 4, 0, True),
    ],
)
def test_refresh_finding_too_many_rooms_gone_refuses_to_recreate_them(
    gone: int, managed: int, limit: int, refused: bool
) -> None:
    current = state(rooms(managed))
    lost = {f"r{i}": GONE for i in range(gone)}
    plan = diff(by_name(*rooms(managed)), {}, current, drift=lost)
    policy = Policy(max_drift_percent=limit, gone=frozenset(lost))
    assert bool(judge(plan, current, policy).refusals) is refused


def test_the_drift_refusal_points_at_the_key_and_the_address() -> None:
    current = state(rooms(8))
    lost = {f"r{i}": GONE for i in range(8)}
    plan = diff(by_name(*rooms(8)), {}, current, drift=lost)
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, current, Policy(gone=frozenset(lost)))
    assert str(caught.value) == (
        "8 of 8 rooms look deleted outside the provisioner; check the key's "
        "company and api.url, or pass --allow-drift (100%, limit 50%: r0, r1, r2, "
        "r3, r4, r5, r6, r7)"
    )
    allowed = check_safety(
        plan, current, Policy(allow_drift=True, gone=frozenset(lost))
    )
    assert [a.name for a in allowed] == ["allow_drift"]


def test_rooms_gone_and_removed_from_the_files_count_too() -> None:
    # Forgetting them drops their ids from the state: as wrong if the key is.
    current = state(rooms(4))
    lost = {"r0": GONE, "r1": GONE, "r2": GONE}
    plan = diff(by_name(*rooms(4)[2:]), {}, current, drift=lost)
    policy = Policy(gone=frozenset(lost))
    assert judge(plan, current, policy).refusals[0].startswith("3 of 4 rooms look")


# -- rooms already on the API (a lost or moved state) --------------------------


def listed(*pairs: tuple[str, str]) -> tuple[ListedRoom, ...]:
    """Live rooms on the API the state lacks: (room_id, description) pairs."""
    return tuple(ListedRoom(room_id, description) for room_id, description in pairs)


def test_creates_whose_description_a_live_room_has_are_refused() -> None:
    empty = state()
    desired = by_name(room("a"), room("b", description="Front desk"), room("c"))
    plan = diff(desired, {}, empty)
    on_api = listed(("room_aaa", "a"), ("room_bbb", "Front desk"), ("room_x", "z"))
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, empty, Policy(on_api=on_api))
    assert str(caught.value) == (
        "2 rooms already exist on the API with these descriptions (was the state "
        "moved or lost?): adopt them with provisioner import, or pass "
        "--allow-duplicates; on the API: a (room_aaa), b (room_bbb)"
    )


def test_one_room_already_on_the_api_is_said_in_the_singular() -> None:
    plan = diff(by_name(room("a")), {}, state())
    on_api = listed(("room_2", "a"), ("room_1", "a"))
    assert judge(plan, state(), Policy(on_api=on_api)).refusals == (
        "1 room already exists on the API with this description (was the state "
        "moved or lost?): adopt it with provisioner import, or pass "
        "--allow-duplicates; on the API: a (room_1, room_2)",
    )


def test_allow_duplicates_lets_them_through_and_the_plan_says_so() -> None:
    plan = diff(by_name(room("a")), {}, state())
    policy = Policy(allow_duplicates=True, on_api=listed(("room_1", "a")))
    assert check_safety(plan, state(), policy) == (
        Allowance(
            "allow_duplicates", "create 1 room that the API already has: a (room_1)"
        ),
    )


def test_replaces_drift_recreates_and_pending_creates_are_never_duplicates() -> None:
    current = state(rooms(4))
    current.pending["new"] = PendingCreate("new", {}, "sha256:x", "t")
    desired = by_name(
        room("r0", live=True), room("r1"), room("r2"), room("r3"), room("new")
    )
    plan = diff(desired, {}, current, drift={"r1": GONE}, replace=["r2"])
    assert unrecorded_creates(plan) == {}
    # The API still lists rooms with every one of those descriptions.
    on_api = listed(*((f"room_{n}", n) for n in ("r0", "r1", "r2", "new")))
    policy = Policy(max_replace_percent=100, gone=frozenset({"r1"}), on_api=on_api)
    check_safety(plan, current, policy)


def test_only_new_creates_are_looked_for_by_description() -> None:
    plan = diff(by_name(room("a"), room("b", description="Desk")), {}, state())
    assert unrecorded_creates(plan) == {"a": "a", "Desk": "b"}


# -- which allowance let the plan through --------------------------------------


def test_an_allowance_is_named_only_when_it_lifted_a_refusal() -> None:
    current = state(rooms(8))
    plan = diff(by_name(*rooms(8)), {}, current)
    everything = Policy(
        allow_deletes=True,
        allow_replace=True,
        allow_duplicates=True,
        allow_drift=True,
        force=True,
    )
    assert check_safety(plan, current, everything) == ()


def test_every_allowance_that_lifted_something_is_named() -> None:
    current = state([*rooms(4), ("vault", record(room("vault"), prevent_destroy=True))])
    plan = diff({}, {}, current)
    policy = Policy(allow_deletes=True, force=True, running=frozenset({"r0"}))
    assert [(a.name, a.what) for a in check_safety(plan, current, policy)] == [
        ("allow_deletes", "delete 1 room protected by prevent_destroy: vault"),
        (
            "force",
            "replace or delete 1 room with a call in progress (RUNNING): r0",
        ),
        (
            "allow_deletes",
            "delete 5 of 5 managed rooms (100%, limit 25%): r0, r1, r2, r3, vault",
        ),
    ]


def test_a_verdict_shows_its_allowances_on_the_plan_and_enforces_its_refusals() -> None:
    current = state(rooms(4))
    plan = diff({}, {}, current)
    verdict = judge(plan, current, Policy(allow_deletes=True))
    assert verdict.shown_on(plan).allowed == verdict.allowed != ()
    verdict.enforce()
    with pytest.raises(UnsafePlanError):
        judge(plan, current, Policy()).enforce()


def test_the_duplicates_rule_alone_for_a_saved_plan() -> None:
    current = state(rooms(8))
    plan = diff({**by_name(*rooms(8)[:2]), "a": room("a")}, {}, current)
    on_api = listed(("room_1", "a"))
    verdict = judge_duplicates(plan, on_api, Request())
    # Only the duplicate: the deletes were judged when the plan was made.
    assert len(verdict.refusals) == 1
    assert verdict.refusals[0].startswith("1 room already exists on the API")
    lifted = judge_duplicates(plan, on_api, Request(allow_duplicates=True))
    assert [a.name for a in lifted.allowed] == ["allow_duplicates"]
