"""The pure diff: every action, every field, deterministic order."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import (
    LINEAGE,
    by_name,
    record,
    room,
    room_id,
    state,
    user,
    users_by_id,
)

from provisioner import rules
from provisioner.errors import ProvisionerError
from provisioner.plan import (
    Action,
    FieldChange,
    FlagChange,
    Plan,
    PlanOptions,
    RetireChange,
    RoomChange,
    UserChange,
)
from provisioner.plan.diff import (
    REASON_CHANGED,
    REASON_FORCED,
    REASON_FORGET,
    REASON_NEW,
    REASON_PENDING,
    REASON_REMOVED,
    diff,
    sandbox_warnings,
)
from provisioner.state.document import PendingCreate, RetiringRoom, State

ALL_TOOLS_ON: dict[str, Any] = {**dict.fromkeys(rules.TOOLS, True), "whiteboard": True}


def only_room(plan: Plan) -> RoomChange:
    assert len(plan.rooms) == 1
    return plan.rooms[0]


# -- create, delete, no-op ----------------------------------------------------


def test_a_room_in_the_files_only_is_created_with_its_request() -> None:
    spec = room("clinic", prevent_destroy=True)
    plan = diff(by_name(spec), {}, State())
    assert plan.rooms == (
        RoomChange(
            Action.CREATE,
            "clinic",
            request=spec.request,
            fingerprint=spec.fingerprint,
            prevent_destroy=True,
            reasons=(REASON_NEW,),
        ),
    )
    assert plan.lineage is None and plan.serial == 0


def test_a_room_in_the_state_only_is_deleted_and_its_links_are_lost() -> None:
    spec = room("old", ["zoe", "alice", "bob"])
    current = state([("old", record(spec, prevent_destroy=True))])
    plan = diff({}, {}, current)
    assert plan.rooms == (
        RoomChange(
            Action.DELETE,
            "old",
            room_id=room_id("old"),
            fingerprint=spec.fingerprint,
            prevent_destroy=True,
            reasons=(REASON_REMOVED,),
            links_lost=("alice", "bob", "zoe"),
        ),
    )


def test_an_unchanged_room_is_a_noop_that_is_still_listed() -> None:
    spec = room("clinic")
    plan = diff(by_name(spec), {}, state([spec]))
    assert plan.rooms == (
        RoomChange(
            Action.NOOP,
            "clinic",
            room_id=room_id("clinic"),
            fingerprint=spec.fingerprint,
        ),
    )
    assert not plan.has_changes
    assert plan.lineage == LINEAGE and plan.serial == 3


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            room("r", ["alice", "bob"]), room("r", ["bob", "alice"]), id="order"
        ),
        pytest.param(
            room("r"),
            room(
                "r",
                [
                    {"user_id": "alice", "is_admin": False, "tools": ALL_TOOLS_ON},
                    "bob",
                ],
                recording=False,
                recording_type="automatic",
                call_type="audio_video",
                live=False,
                direct_call=False,
                description="r",
            ),
            id="defaults-spelled-out",
        ),
        pytest.param(
            room("r", [{"user_id": "alice", "tools": {"chat": True}}, "bob"]),
            room(
                "r",
                [
                    {
                        "user_id": "alice",
                        "tools": {
                            "chat": True,
                            "snapshot": False,
                            "whiteboard": {"wb_pen": False},
                        },
                    },
                    "bob",
                ],
            ),
            id="unnamed-tools-are-off",
        ),
    ],
)
def test_the_same_room_written_differently_is_a_noop(before: Any, after: Any) -> None:
    plan = diff(by_name(after), {}, state([before]))
    assert only_room(plan).action is Action.NOOP


# -- replace: every field -----------------------------------------------------


def _tools_without(tool: str) -> dict[str, Any]:
    return {**ALL_TOOLS_ON, tool: False}


def _whiteboard_without(sub: str) -> dict[str, Any]:
    return {
        **ALL_TOOLS_ON,
        "whiteboard": {**dict.fromkeys(rules.WHITEBOARD_TOOLS, True), sub: False},
    }


ROOM_FIELD_CASES = [
    ("description", {}, {"description": "Stand-up"}, "description", "r", "Stand-up"),
    ("duration", {"duration": 3600}, {"duration": 1800}, "duration", 3600, 1800),
    ("duration-added", {}, {"duration": 60}, "duration", None, 60),
    ("duration-removed", {"duration": 60}, {}, "duration", 60, None),
    ("recording", {}, {"recording": True}, "recording", False, True),
    (
        "recording_type",
        {},
        {"recording_type": "manual"},
        "recording_type",
        "automatic",
        "manual",
    ),
    (
        "call_type",
        {},
        {"call_type": "audio_only"},
        "call_type",
        "audio_video",
        "audio_only",
    ),
    ("live", {}, {"live": True}, "live", False, True),
    ("direct_call", {}, {"direct_call": True}, "directCall", False, True),
    (
        "initiator_alias",
        {"initiator_alias": "alice"},
        {"initiator_alias": "bob"},
        "initiatorAlias",
        "alice",
        "bob",
    ),
    (
        "call_action",
        {"call_action": {"ring": {"timeout": 30}}},
        {"call_action": {"ring": {"timeout": 45}}},
        "call_action.ring.timeout",
        30,
        45,
    ),
    (
        "call_action-type",
        {"call_action": {"ring": 1}},
        {"call_action": {"ring": True}},
        "call_action.ring",
        1,
        True,
    ),
]


def test_the_room_field_table_covers_every_api_room_field() -> None:
    covered = {case[0].split("-")[0] for case in ROOM_FIELD_CASES}
    assert covered == {field.name for field in rules.ROOM_FIELDS}


@pytest.mark.parametrize(
    ("label", "before", "after", "path", "old", "new"),
    ROOM_FIELD_CASES,
    ids=[case[0] for case in ROOM_FIELD_CASES],
)
def test_a_changed_room_field_replaces_the_room(
    label: str,
    before: dict[str, Any],
    after: dict[str, Any],
    path: str,
    old: Any,
    new: Any,
) -> None:
    current = room("r", **before)
    desired = room("r", **after)
    change = only_room(diff(by_name(desired), {}, state([current])))
    assert change == RoomChange(
        Action.REPLACE,
        "r",
        room_id=room_id("r"),
        request=desired.request,
        fingerprint=desired.fingerprint,
        fields=(FieldChange(path, old, new),),
        reasons=(REASON_CHANGED,),
        links_lost=("alice", "bob"),
    )


PARTICIPANT_CASES = [
    *[
        (
            f"tool-{tool}",
            {"user_id": "bob"},
            {"user_id": "bob", "tools": _tools_without(tool)},
            f"participants[bob].tools.{tool}",
            True,
            False,
        )
        for tool in rules.TOOLS
    ],
    *[
        (
            f"whiteboard-{sub}",
            {"user_id": "bob"},
            {"user_id": "bob", "tools": _whiteboard_without(sub)},
            f"participants[bob].tools.whiteboard.{sub}",
            True,
            False,
        )
        for sub in rules.WHITEBOARD_TOOLS
    ],
    (
        "is_admin",
        {"user_id": "bob"},
        {"user_id": "bob", "is_admin": True},
        "participants[bob].is_admin",
        False,
        True,
    ),
]


@pytest.mark.parametrize(
    ("label", "before", "after", "path", "old", "new"),
    PARTICIPANT_CASES,
    ids=[case[0] for case in PARTICIPANT_CASES],
)
def test_a_changed_participant_field_is_named_by_user_id(
    label: str,
    before: dict[str, Any],
    after: dict[str, Any],
    path: str,
    old: Any,
    new: Any,
) -> None:
    current = room("r", ["alice", before])
    desired = room("r", ["alice", after])
    change = only_room(diff(by_name(desired), {}, state([current])))
    assert change.action is Action.REPLACE
    assert change.fields == (FieldChange(path, old, new),)


def test_whiteboard_off_lists_every_sub_tool() -> None:
    current = room("r", ["alice", "bob"])
    desired = room(
        "r",
        ["alice", {"user_id": "bob", "tools": {**ALL_TOOLS_ON, "whiteboard": False}}],
    )
    change = only_room(diff(by_name(desired), {}, state([current])))
    assert [f.path for f in change.fields] == [
        f"participants[bob].tools.whiteboard.{sub}"
        for sub in sorted(rules.WHITEBOARD_TOOLS)
    ]


def test_added_and_removed_participants_are_listed_and_everyone_loses_links() -> None:
    current = room("r", ["alice", "bob", "carol"])
    desired = room("r", ["alice", "bob", "dave"])
    change = only_room(diff(by_name(desired), {}, state([current])))
    assert change.fields == (
        FieldChange(
            "participants", ["alice", "bob", "carol"], ["alice", "bob", "dave"]
        ),
    )
    assert change.links_lost == ("alice", "bob", "carol")


def test_several_changes_come_sorted_by_path() -> None:
    current = room("r", ["alice", "bob"], duration=60)
    desired = room(
        "r", ["alice", {"user_id": "bob", "is_admin": True}], duration=120, live=True
    )
    change = only_room(diff(by_name(desired), {}, state([current])))
    assert [f.path for f in change.fields] == [
        "duration",
        "live",
        "participants[bob].is_admin",
    ]


# -- forced replace, drift, flags, leftovers -----------------------------------


def test_replace_forces_a_new_room_even_when_nothing_changed() -> None:
    spec = room("r")
    change = only_room(diff(by_name(spec), {}, state([spec]), replace=["r"]))
    assert change.action is Action.REPLACE
    assert change.fields == ()
    assert change.reasons == (REASON_FORCED,)
    assert change.links_lost == ("alice", "bob")


def test_a_forced_replace_of_a_changed_room_gives_both_reasons() -> None:
    change = only_room(
        diff(by_name(room("r", live=True)), {}, state([room("r")]), replace=["r"])
    )
    assert change.reasons == (REASON_CHANGED, REASON_FORCED)


def test_replace_of_an_unknown_room_is_an_error() -> None:
    with pytest.raises(ProvisionerError) as caught:
        diff(by_name(room("r")), {}, State(), replace=["nope", "gone"])
    assert str(caught.value) == (
        "--replace gone, nope: no room of that name in the files or the state"
    )


@pytest.mark.parametrize(
    ("files", "warning"),
    [
        ([room("r")], "--replace r: not in the state, so a plain create"),
        ([], "--replace r: not in the files, so deleted instead"),
    ],
)
def test_replace_that_cannot_replace_warns(files: list[Any], warning: str) -> None:
    current = state([room("r")]) if not files else State()
    plan = diff(by_name(*files), {}, current, replace=["r"])
    assert plan.warnings == (warning,)


def test_a_drifted_room_is_created_again_with_the_reason() -> None:
    spec = room("r", prevent_destroy=True)
    plan = diff(
        by_name(spec), {}, state([spec]), drift={"r": "deleted outside the provisioner"}
    )
    assert only_room(plan) == RoomChange(
        Action.CREATE,
        "r",
        request=spec.request,
        fingerprint=spec.fingerprint,
        prevent_destroy=True,
        reasons=(f"deleted outside the provisioner (was {room_id('r')})",),
        links_lost=("alice", "bob"),
    )


def test_a_drifted_room_removed_from_the_files_is_only_forgotten() -> None:
    spec = room("r")
    plan = diff({}, {}, state([spec]), drift={"r": "disabled outside the provisioner"})
    change = only_room(plan)
    assert change.action is Action.DELETE and change.forget_only
    assert change.reasons == (
        "disabled outside the provisioner",
        REASON_REMOVED,
        REASON_FORGET,
    )
    assert not change.destructive
    assert plan.summary().forget == 1 and plan.summary().delete == 0


@pytest.mark.parametrize(("before", "after"), [(False, True), (True, False)])
def test_a_prevent_destroy_change_alone_is_a_state_only_update(
    before: bool, after: bool
) -> None:
    spec = room("r", prevent_destroy=after)
    current = state([("r", record(spec, prevent_destroy=before))])
    plan = diff(by_name(spec), {}, current)
    assert only_room(plan).action is Action.NOOP
    assert plan.flags == (FlagChange("r", after),)
    assert plan.has_changes


def test_a_replaced_room_carries_its_new_flag_and_no_flag_change() -> None:
    current = state([("r", record(room("r"), prevent_destroy=False))])
    plan = diff(by_name(room("r", live=True, prevent_destroy=True)), {}, current)
    assert only_room(plan).prevent_destroy is True
    assert plan.flags == ()


def test_pending_creates_are_work_apply_will_finish() -> None:
    current = state([room("kept")])
    current.pending["new"] = PendingCreate(
        "new", {}, "sha256:x", "2026-11-25T10:00:00.000Z"
    )
    current.pending["dropped"] = PendingCreate(
        "dropped", {}, "sha256:y", "2026-11-25T10:00:00.000Z"
    )
    plan = diff(by_name(room("kept"), room("new")), {}, current)
    assert plan.pending == ("dropped", "new")
    assert plan.has_changes
    created = next(c for c in plan.rooms if c.name == "new")
    assert created.reasons == (REASON_NEW, REASON_PENDING)
    assert plan.warnings == (
        "dropped: an earlier apply was interrupted while creating this room; "
        "apply reconciles it before anything else (the room is no longer in the files)",
        "new: an earlier apply was interrupted while creating this room; "
        "apply reconciles it before anything else",
    )


def test_retiring_rooms_are_listed_as_work_apply_will_finish() -> None:
    spec = room("r")
    current = state([spec])
    current.retiring["room_old2"] = RetiringRoom("room_old2", "r", "delete", "t")
    current.retiring["room_old1"] = RetiringRoom("room_old1", "r", "disable", "t")
    plan = diff(by_name(spec), {}, current)
    assert plan.retiring == (
        RetireChange("room_old1", "r", "disable"),
        RetireChange("room_old2", "r", "delete"),
    )
    assert plan.has_changes


# -- order, targets, options ---------------------------------------------------


def _mixed() -> tuple[dict[str, Any], State]:
    current = state(
        [
            room("b-del"),
            room("a-del"),
            room("b-rep"),
            room("a-rep"),
            room("b-same"),
            room("a-same"),
        ]
    )
    desired = by_name(
        room("b-new"),
        room("a-new"),
        room("b-rep", live=True),
        room("a-rep", live=True),
        room("b-same"),
        room("a-same"),
    )
    return desired, current


def test_rooms_come_deletes_first_then_replaces_creates_noops_each_by_name() -> None:
    desired, current = _mixed()
    plan = diff(desired, {}, current)
    assert [(c.action, c.name) for c in plan.rooms] == [
        (Action.DELETE, "a-del"),
        (Action.DELETE, "b-del"),
        (Action.REPLACE, "a-rep"),
        (Action.REPLACE, "b-rep"),
        (Action.CREATE, "a-new"),
        (Action.CREATE, "b-new"),
        (Action.NOOP, "a-same"),
        (Action.NOOP, "b-same"),
    ]


def test_the_diff_is_deterministic_whatever_the_input_order() -> None:
    desired, current = _mixed()
    reversed_desired = dict(reversed(list(desired.items())))
    reversed_state = state(
        [(n, current.rooms[n]) for n in reversed(list(current.rooms))]
    )
    assert diff(desired, {}, current) == diff(reversed_desired, {}, reversed_state)


def test_targets_are_globs_and_narrow_the_plan() -> None:
    desired, current = _mixed()
    plan = diff(desired, {}, current, targets=["a-*", "b-new"])
    assert [c.name for c in plan.rooms] == [
        "a-del",
        "a-rep",
        "a-new",
        "b-new",
        "a-same",
    ]
    assert plan.options == PlanOptions(targets=("a-*", "b-new"))
    assert plan.warnings == ()


def test_a_replaced_room_is_in_scope_even_when_not_targeted() -> None:
    desired, current = _mixed()
    plan = diff(desired, {}, current, targets=["a-new"], replace=["b-same"])
    assert [(c.action, c.name) for c in plan.rooms] == [
        (Action.REPLACE, "b-same"),
        (Action.CREATE, "a-new"),
    ]
    assert plan.options.replace == ("b-same",)


def test_a_target_matching_nothing_warns() -> None:
    plan = diff(by_name(room("r")), {}, State(), targets=["clinic-*"])
    assert plan.rooms == ()
    assert plan.warnings == ("--target 'clinic-*' matches no room",)


def test_on_replace_and_prune_users_are_recorded() -> None:
    plan = diff({}, {}, State(), on_replace="delete", prune_users=True)
    assert plan.on_replace == "delete"
    assert plan.options.prune_users is True


# -- users --------------------------------------------------------------------


def test_users_are_created_updated_forgotten_and_left_alone() -> None:
    current = state(users=[user("alice"), user("bob", "basic"), user("zed", "basic")])
    desired = users_by_id(
        user("alice"), user("bob", "plus", language="it"), user("carol", "basic")
    )
    plan = diff({}, desired, current)
    assert plan.users == (
        UserChange(
            Action.DELETE,
            "zed",
            before={
                "user_id": "zed",
                "role": "basic",
                "can_video": True,
                "language": None,
            },
            forget_only=True,
        ),
        UserChange(
            Action.UPDATE,
            "bob",
            before={
                "user_id": "bob",
                "role": "basic",
                "can_video": True,
                "language": None,
            },
            after={
                "user_id": "bob",
                "role": "plus",
                "can_video": True,
                "language": "it",
            },
            fields=(
                FieldChange("language", None, "it"),
                FieldChange("role", "basic", "plus"),
            ),
        ),
        UserChange(Action.CREATE, "carol", after=desired["carol"].as_dict()),
        UserChange(
            Action.NOOP,
            "alice",
            before=desired["alice"].as_dict(),
            after=desired["alice"].as_dict(),
        ),
    )
    summary = plan.summary()
    assert (summary.users_forget, summary.users_delete) == (1, 0)


def test_can_video_is_a_user_field() -> None:
    current = state(users=[user("alice")])
    plan = diff({}, users_by_id(user("alice", can_video=False)), current)
    assert plan.users[0].fields == (FieldChange("can_video", True, False),)


def test_prune_users_deletes_removed_users_and_orders_deletes_first() -> None:
    current = state(users=[user("zed"), user("amy")])
    plan = diff({}, users_by_id(user("bob")), current, prune_users=True)
    assert [(c.action, c.user_id, c.forget_only) for c in plan.users] == [
        (Action.DELETE, "amy", False),
        (Action.DELETE, "zed", False),
        (Action.CREATE, "bob", False),
    ]


def test_targets_plan_only_the_users_targeted_rooms_need_and_remove_none() -> None:
    current = state([room("other", ["x", "y"])], users=[user("gone")])
    desired_rooms = by_name(room("clinic", ["alice", "bob"]), room("other", ["x", "y"]))
    desired_users = users_by_id(user("alice"), user("bob"), user("x"), user("y"))
    plan = diff(
        desired_rooms, desired_users, current, targets=["clinic"], prune_users=True
    )
    assert [c.user_id for c in plan.users] == ["alice", "bob"]


# -- sandbox -------------------------------------------------------------------


def test_sandbox_warnings_name_every_room_asking_for_recording() -> None:
    rooms = by_name(room("b", recording=True), room("a", recording=True), room("c"))
    assert sandbox_warnings(rooms) == (
        "a: recording is true, but the sandbox never records",
        "b: recording is true, but the sandbox never records",
    )
