"""Reconciliation: a create whose answer was lost is adopted, never duplicated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from applyfixtures import Rig, create, plan_of, replace, spec

from provisioner.errors import ReconcileError
from provisioner.model import RoomSpec
from provisioner.plan import Plan
from provisioner.state.document import (
    PendingCreate,
    RetiringRoom,
    op_pending_add,
    op_retire_add,
    utc_now,
)

CREATE = "POST /rest/room/create"


def intent(room: RoomSpec, replaces: str | None = None, at: str = "") -> PendingCreate:
    return PendingCreate(
        room.name, dict(room.request), room.fingerprint, at or utc_now(), replaces
    )


def leave_pending(rig: Rig, pending: PendingCreate) -> None:
    """The state an apply killed right after writing its intent leaves."""
    state = rig.backend.read()
    rig.backend.commit(state, [op_pending_add(pending)])


def live_by_description(rig: Rig) -> dict[str, int]:
    counts: dict[str, int] = {}
    for room in rig.rooms():
        key = str(room.request.get("description"))
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize("mode", ["error", "disconnect"])
def test_a_lost_answer_is_adopted_in_the_same_run(tmp_path: Path, mode: str) -> None:
    rig = Rig(tmp_path, {"commit_then_drop": 1.0, "drop_mode": mode})
    report = rig.apply(plan_of(create(spec("standup")), create(spec("desk"))))
    assert report.ok, report.problems()
    assert live_by_description(rig) == {"standup": 1, "desk": 1}
    state = rig.state()
    for name, record in state.rooms.items():
        [room] = [r for r in rig.rooms() if r.request["description"] == name]
        assert record.room_id == room.room_id
        assert set(record.urls) == {"alice", "bob"}
    assert state.pending == {}
    assert any(
        "answer was lost, the room was found and adopted" in x for x in rig.lines
    )


def test_a_create_that_failed_before_committing_is_made_again(tmp_path: Path) -> None:
    rig = Rig(tmp_path, {"fail_rate": 0.3})
    rooms = [spec(f"room-{i}") for i in range(8)]
    report = rig.apply(plan_of(*(create(r) for r in rooms)))
    assert report.ok, report.problems()
    failed = {s: n for s, n in rig.emulator.requests[CREATE].items() if s >= "500"}
    assert failed  # some creates were answered 5xx: outcome unknown, looked for
    assert live_by_description(rig) == {r.name: 1 for r in rooms}
    assert {r.room_id for r in rig.state().rooms.values()} == {
        r.room_id for r in rig.rooms()
    }


def test_a_leftover_intent_whose_room_exists_is_adopted_not_repeated(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    leave_pending(rig, intent(room))
    made = rig.make_room(room)
    report = rig.apply(plan_of(create(room)))
    assert report.ok
    assert rig.requests(CREATE) == 0
    record = rig.state().rooms["standup"]
    assert record.room_id == made.room_id
    assert record.fingerprint == room.fingerprint
    assert set(record.urls) == {"alice", "bob"}
    assert report.outcomes["adopted"] == 1
    assert report.counts.unchanged == 1  # the planned create was already satisfied


def test_a_leftover_intent_without_a_room_is_cleared_and_created(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    leave_pending(rig, intent(room))
    report = rig.apply(plan_of(create(room)))
    assert report.counts.created == 1
    assert rig.requests(CREATE) == 1
    assert live_by_description(rig) == {"standup": 1}
    assert rig.state().pending == {}


def test_several_matching_rooms_stop_the_run_for_a_human(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    leave_pending(rig, intent(room))
    first, second = rig.make_room(room), rig.make_room(room)
    with pytest.raises(ReconcileError) as caught:
        rig.apply(plan_of(create(room)))
    ids = ", ".join(sorted([first.room_id, second.room_id]))
    assert str(caught.value) == (
        f"standup: a create's answer was lost and 2 rooms on the API match it "
        f"({ids}); choose with `provisioner state resolve standup --adopt ROOM_ID` "
        "or `provisioner state resolve standup --recreate`"
    )
    assert rig.requests(CREATE) == 0
    assert "standup" in rig.state().pending


@pytest.mark.parametrize(
    "other",
    [
        spec("standup", ("alice", "carol")),  # other participants
        spec("standup", call_type="audio_only"),  # other call type
        spec("standup", description="Stand-up"),  # other description
    ],
)
def test_rooms_that_differ_are_not_matched(tmp_path: Path, other: RoomSpec) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    leave_pending(rig, intent(room))
    rig.make_room(other)
    rig.apply(plan_of(create(room)))
    assert rig.requests(CREATE) == 1


def test_disabled_and_known_rooms_are_not_matched(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    rig.apply(plan_of(create(room)))
    known = rig.state().rooms["standup"]
    rig.emulator.store.disable(rig.make_room(room).room_id)
    changed = spec("standup", duration=600)  # same description and participants
    leave_pending(rig, intent(changed, replaces=known.room_id))
    rig.apply(plan_of(replace(changed, known)))
    assert rig.requests(CREATE) == 2  # the first create and the replacement
    assert live_by_description(rig) == {"standup": 1}


def test_rooms_made_long_before_the_intent_are_not_matched(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = spec("standup")
    store = rig.emulator.store
    long_ago = datetime.now(UTC) - timedelta(minutes=6)
    store.clock = lambda: long_ago
    rig.make_room(room)
    store.clock = lambda: datetime.now(UTC)
    leave_pending(rig, intent(room))
    rig.apply(plan_of(create(room)))
    assert rig.requests(CREATE) == 1


def test_an_interrupted_replace_is_adopted_and_its_old_room_retired(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    old = rig.state().rooms["standup"]
    changed = spec("standup", ("alice", "carol"))
    leave_pending(rig, intent(changed, replaces=old.room_id))
    made = rig.make_room(changed)
    report = rig.apply(plan_of(replace(changed, old)))
    assert report.ok, report.problems()
    state = rig.state()
    assert state.rooms["standup"].room_id == made.room_id
    assert state.retiring == {}
    assert rig.emulator.store.rooms[old.room_id].disabled
    assert rig.requests(CREATE) == 1  # only the first run's create


def test_an_old_room_left_retiring_is_finished_by_the_next_run(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    old = rig.make_room(spec("standup"))
    state = rig.backend.read()
    retiring = RetiringRoom(old.room_id, "standup", "delete", utc_now())
    rig.backend.commit(state, [op_retire_add(retiring)])
    report = rig.apply(Plan(rooms=()))
    assert report.ok
    assert rig.emulator.store.rooms[old.room_id].deleted
    assert rig.state().retiring == {}
    assert report.outcomes["retired"] == 1
    assert f"deleted old room {old.room_id} of standup" in "".join(rig.lines)


def test_a_retiring_room_with_a_call_in_progress_is_kept(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    old = rig.make_room(spec("standup"))
    old.status = "RUNNING"
    state = rig.backend.read()
    retiring = RetiringRoom(old.room_id, "standup", "disable", utc_now())
    rig.backend.commit(state, [op_retire_add(retiring)])
    report = rig.apply(Plan(rooms=()))
    assert not report.ok
    assert old.room_id in rig.state().retiring
    assert not old.disabled
