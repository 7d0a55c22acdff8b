"""The entries applied in process: the real engine, the emulator app, a state file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from applyfixtures import Rig, create, plan_of, spec

from provisioner.apply.adoption import read_imports
from provisioner.apply.dump import Listing, read_rooms
from provisioner.model import Entries, ImportEntry, MovedEntry, RemovedEntry, RoomSpec
from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.plan.importing import ReadBack
from provisioner.state.document import op_room_drop


def planned(rig: Rig, entries: Entries, *rooms: RoomSpec, read: bool = True) -> Plan:
    """The plan as `plan` makes it, imports read back when `read`."""
    state = rig.state()

    async def reading() -> dict[str, ReadBack]:
        async with rig.client() as client:
            return await read_imports(client, entries, state)

    found = asyncio.run(reading()) if read else None
    wanted = {room.name: room for room in rooms}
    return diff(wanted, {}, state, entries=entries, read_back=found)


def test_a_move_renames_the_record_and_records_the_new_flag(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("a", description="x"))))
    before = rig.state().rooms["a"]
    entries = Entries(moved=(MovedEntry("a", "b", "b"),))
    plan = planned(rig, entries, spec("b", description="x", prevent_destroy=True))
    report = rig.apply(plan)
    after = rig.state().rooms
    assert report.ok and list(after) == ["b"]
    assert (after["b"].room_id, after["b"].urls) == (before.room_id, before.urls)
    assert after["b"].prevent_destroy is True
    assert "state only: 1 moved" in report.notes()
    assert rig.requests("POST /rest/room/create") == 1


def test_a_move_whose_room_left_the_state_since_fails_cleanly(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("a", description="x"))))
    plan = planned(
        rig, Entries(moved=(MovedEntry("a", "b", "b"),)), spec("b", description="x")
    )
    rig.backend.commit(rig.backend.read(), [op_room_drop("a")])
    report = rig.apply(plan)
    assert not report.ok
    assert "a is no longer in the state as planned" in report.failures[0].message


def test_an_import_records_the_links_room_info_shows(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = rig.make_room(spec("clinic", description="Clinic"))
    entries = Entries(imports=(ImportEntry("clinic", room.room_id),))
    report = rig.apply(planned(rig, entries, spec("clinic", description="Clinic")))
    record = rig.state().rooms["clinic"]
    assert report.ok and record.room_id == room.room_id
    assert set(record.urls) == {"alice", "bob"}
    assert rig.requests("POST /rest/room/create") == 0


def test_an_import_that_differs_at_apply_is_refused(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = rig.make_room(spec("clinic", description="Clinic"))
    entries = Entries(imports=(ImportEntry("clinic", room.room_id),))
    wanted = spec("clinic", description="Clinic", duration=900)
    report = rig.apply(planned(rig, entries, wanted, read=False))
    assert "differs from the files in duration" in report.failures[0].message
    assert rig.state().rooms == {}


def test_an_import_of_a_room_disabled_since_the_plan_is_refused(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    room = rig.make_room(spec("clinic", description="Clinic"))
    entries = Entries(imports=(ImportEntry("clinic", room.room_id),))
    plan = planned(rig, entries, spec("clinic", description="Clinic"))
    rig.emulator.store.disable(room.room_id)
    report = rig.apply(plan)
    assert "is disabled" in report.failures[0].message


def test_an_import_that_differs_is_adopted_then_replaced(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    room = rig.make_room(spec("clinic", description="Clinic"))
    entries = Entries(imports=(ImportEntry("clinic", room.room_id),))
    report = rig.apply(
        planned(rig, entries, spec("clinic", description="Clinic", duration=900))
    )
    assert report.ok and report.counts.replaced == 1
    record = rig.state().rooms["clinic"]
    assert record.room_id != room.room_id and record.request["duration"] == 900
    assert rig.emulator.store.rooms[room.room_id].disabled
    assert rig.state().retiring == {}


@pytest.mark.parametrize("still_there", [True, False])
def test_a_forget_drops_the_room_and_leaves_it_live(
    tmp_path: Path, still_there: bool
) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("legacy"))))
    room_id = rig.state().rooms["legacy"].room_id
    plan = planned(rig, Entries(removed=(RemovedEntry("legacy"),)))
    if not still_there:
        rig.backend.commit(rig.backend.read(), [op_room_drop("legacy")])
    report = rig.apply(plan)
    assert report.ok and rig.state().rooms == {}
    assert [r.room_id for r in rig.rooms()] == [room_id]
    forgot = any("forgot legacy" in line for line in rig.lines)
    assert forgot is still_there


def test_dump_reads_live_unmanaged_rooms_and_counts_descriptions(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    kept = rig.make_room(spec("a", description="A"))
    managed = rig.make_room(spec("b", description="B"))
    gone = rig.make_room(spec("c", description="A"))
    rig.emulator.store.disable(gone.room_id)

    async def read() -> Listing:
        async with rig.client() as client:
            await client.probe()
            return await read_rooms(client, {managed.room_id})

    listing = asyncio.run(read())
    assert [r.room_id for r in listing.rooms] == [kept.room_id]
    assert listing.described == {"A": 1, "B": 1}
    assert listing.skipped == 1
    assert listing.rooms[0].users == ("alice", "bob")
