"""The pure plan of moved, import and removed entries: each its own kind of change."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from plan_builders import by_name, record, room, room_id, state

from provisioner.errors import ProvisionerError
from provisioner.model import (
    Entries,
    ImportEntry,
    Location,
    MovedEntry,
    RemovedEntry,
)
from provisioner.plan import Action, Plan, RoomChange
from provisioner.plan.diff import diff
from provisioner.plan.entries import renamed
from provisioner.plan.importing import UNREADABLE, ReadBack
from provisioner.plan.safety import running_refusals
from provisioner.plan.savedplan import plan_from_dict, plan_to_dict
from provisioner.state.document import PendingCreate, State

HERE = Location("rooms/a.yaml", 3, 5)


def moved(source: str, target: str, final: str | None = None) -> Entries:
    return Entries(moved=(MovedEntry(source, target, final or target, HERE),))


def change(plan: Plan, name: str) -> RoomChange:
    (found,) = [c for c in plan.rooms if c.name == name]
    return found


def shown(**fields: Any) -> dict[str, Any]:
    """What room/info shows of a room made with the API's defaults."""
    read = {"call_type": "audio_video", "live": False, "recording": False}
    read["directCall"] = False
    return {**read, **fields}


# -- moved --------------------------------------------------------------------


def test_a_move_keeps_the_room_and_makes_no_api_change() -> None:
    old = room("standup", description="Stand-up")
    new = room("team-standup", description="Stand-up")
    plan = diff(
        by_name(new), {}, state([old]), entries=moved("standup", "team-standup")
    )
    assert plan.rooms == (
        RoomChange(
            Action.MOVE,
            "team-standup",
            room_id=room_id("standup"),
            fingerprint=old.fingerprint,
            reasons=("moved from standup: the same room, with the same links",),
            moved_from="standup",
        ),
    )
    assert plan.has_changes
    assert plan.summary().moved == 1
    assert not any(c.destructive for c in plan.rooms)


def test_a_move_of_a_room_named_by_its_old_name_says_how_to_keep_it() -> None:
    plan = diff(by_name(room("b")), {}, state([room("a")]), entries=moved("a", "b"))
    replaced = change(plan, "b")
    assert (replaced.action, replaced.moved_from) == (Action.REPLACE, "a")
    assert replaced.room_id == room_id("a")
    assert replaced.reasons[:2] == (
        "moved from a",
        "its description was its old name: keep `description: a` in its "
        "definition to move it without a replace",
    )


def test_a_chain_moves_the_room_to_its_end() -> None:
    entries = Entries(
        moved=(MovedEntry("a", "b", "c", HERE), MovedEntry("b", "c", "c", HERE))
    )
    old, new = room("a", description="x"), room("c", description="x")
    plan = diff(by_name(new), {}, state([old]), entries=entries)
    assert [(c.action, c.name, c.moved_from) for c in plan.rooms] == [
        (Action.MOVE, "c", "a")
    ]
    assert plan.notes == ()


def test_a_move_already_applied_is_a_note_that_it_can_go() -> None:
    new = room("b", description="x")
    plan = diff(by_name(new), {}, state([new]), entries=moved("a", "b"))
    assert not plan.has_changes
    assert plan.notes == (
        "rooms/a.yaml:3:5: moved a -> b: done (b is in the state); "
        "the entry can be deleted",
    )


def test_a_move_with_nothing_to_move_creates_the_room_and_says_so() -> None:
    plan = diff(by_name(room("b")), {}, State(), entries=moved("a", "b"))
    assert [c.action for c in plan.rooms] == [Action.CREATE]
    assert plan.notes == (
        "rooms/a.yaml:3:5: moved a -> b: nothing to move (neither name is in the "
        "state); the entry can be deleted",
    )


def test_a_move_onto_a_managed_name_is_refused() -> None:
    with pytest.raises(ProvisionerError, match="b is in the state as well"):
        diff(
            by_name(room("b")),
            {},
            state([room("a"), room("b")]),
            entries=moved("a", "b"),
        )


def test_two_rooms_moving_into_one_name_are_refused() -> None:
    entries = Entries(
        moved=(MovedEntry("a", "b", "c", HERE), MovedEntry("b", "c", "c", HERE))
    )
    with pytest.raises(ProvisionerError, match="would also become c"):
        diff(by_name(room("c")), {}, state([room("a"), room("b")]), entries=entries)


def test_a_move_of_a_room_with_an_interrupted_create_is_refused() -> None:
    current = state([room("a")])
    current.pending["a"] = PendingCreate("a", {}, "", "2026-01-01T00:00:00.000Z")
    with pytest.raises(ProvisionerError, match="interrupted create"):
        diff(by_name(room("b")), {}, current, entries=moved("a", "b"))


def test_a_moved_room_found_gone_is_created_under_its_new_name() -> None:
    old, new = room("a", description="x"), room("b", description="x")
    plan = diff(
        by_name(new),
        {},
        state([old]),
        entries=moved("a", "b"),
        drift={"a": "deleted outside the provisioner"},
    )
    created = change(plan, "b")
    assert (created.action, created.moved_from) == (Action.CREATE, "a")
    assert created.reasons[0] == "moved from a"


# -- removed ------------------------------------------------------------------


def test_a_removed_room_is_forgotten_not_deleted() -> None:
    entries = Entries(removed=(RemovedEntry("legacy", HERE),))
    plan = diff({}, {}, state([room("legacy")]), entries=entries)
    forgotten = change(plan, "legacy")
    assert forgotten.action is Action.FORGET
    assert forgotten.room_id == room_id("legacy")
    assert not forgotten.destructive and forgotten.links_lost == ()
    assert (plan.summary().removed, plan.summary().delete) == (1, 0)


def test_a_removed_room_already_gone_on_the_api_is_forgotten_too() -> None:
    entries = Entries(removed=(RemovedEntry("legacy", HERE),))
    plan = diff(
        {}, {}, state([room("legacy")]), entries=entries, drift={"legacy": "gone"}
    )
    assert change(plan, "legacy").action is Action.FORGET


def test_a_removed_entry_with_nothing_to_forget_is_a_note() -> None:
    entries = Entries(removed=(RemovedEntry("legacy", HERE),))
    plan = diff({}, {}, State(), entries=entries)
    assert not plan.has_changes
    assert plan.notes == (
        "rooms/a.yaml:3:5: removed legacy: nothing to forget (not in the state); "
        "the entry can be deleted",
    )


# -- import -------------------------------------------------------------------


def imports(name: str = "clinic", rid: str = "room_x") -> Entries:
    return Entries(imports=(ImportEntry(name, rid, HERE),))


def test_an_import_planned_offline_is_verified_at_apply() -> None:
    spec = room("clinic")
    plan = diff(by_name(spec), {}, State(), entries=imports())
    imported = change(plan, "clinic")
    assert (imported.action, imported.room_id) == (Action.IMPORT, "room_x")
    assert (imported.imported, imported.offline) == (True, True)
    assert imported.request == spec.request
    assert imported.unchecked[1:] == UNREADABLE
    assert plan.has_changes and plan.summary().imported == 1


def test_an_import_that_matches_what_room_info_shows() -> None:
    spec = room("clinic", duration=600)
    read = {
        "clinic": ReadBack(
            "room_x", shown(description="clinic", duration=600), ("alice", "bob")
        )
    }
    plan = diff(by_name(spec), {}, State(), entries=imports(), read_back=read)
    imported = change(plan, "clinic")
    assert (imported.action, imported.offline) == (Action.IMPORT, False)
    assert (imported.request, imported.fingerprint) == (spec.request, spec.fingerprint)
    assert imported.unchecked == UNREADABLE
    assert imported.reasons == ("import room room_x: read back, it matches the files",)


def test_an_import_that_differs_is_a_replace_shown_as_such() -> None:
    spec = room("clinic", duration=900)
    read = {
        "clinic": ReadBack(
            "room_x", shown(description="clinic", duration=600), ("alice", "bob")
        )
    }
    plan = diff(by_name(spec), {}, State(), entries=imports(), read_back=read)
    replaced = change(plan, "clinic")
    assert (replaced.action, replaced.room_id, replaced.imported) == (
        Action.REPLACE,
        "room_x",
        True,
    )
    assert [(f.path, f.before, f.after) for f in replaced.fields] == [
        ("duration", 600, 900)
    ]
    assert replaced.links_lost == ("alice", "bob")
    assert replaced.unchecked == UNREADABLE
    assert replaced.reasons[0].startswith("import room room_x, then replace it")


def test_direct_call_is_unchecked_when_room_info_cannot_show_it() -> None:
    read_shown = shown(description="clinic")
    del read_shown["directCall"]
    read = {"clinic": ReadBack("room_x", read_shown, ("alice", "bob"))}
    plan = diff(by_name(room("clinic")), {}, State(), entries=imports(), read_back=read)
    assert change(plan, "clinic").unchecked == (*UNREADABLE, "direct_call")


def test_an_import_of_a_room_that_cannot_be_adopted_is_refused() -> None:
    read = {"clinic": ReadBack("room_x", {}, (), "room room_x is disabled")}
    with pytest.raises(
        ProvisionerError, match="cannot import room_x: room room_x is disabled"
    ):
        diff(by_name(room("clinic")), {}, State(), entries=imports(), read_back=read)


@pytest.mark.parametrize("held", ["room_x", "room_other"])
def test_an_import_whose_name_is_managed_has_nothing_left_to_do(held: str) -> None:
    spec = room("clinic")
    current = state([("clinic", dataclasses.replace(record(spec), room_id=held))])
    plan = diff(by_name(spec), {}, current, entries=imports())
    assert not plan.has_changes
    (note,) = plan.notes
    assert note.startswith("rooms/a.yaml:3:5: import room_x as clinic: ")
    assert note.endswith("; the entry can be deleted")


def test_an_import_of_a_room_managed_under_another_name_points_at_moved() -> None:
    with pytest.raises(
        ProvisionerError, match=r"use moved: \[\{from: other, to: clinic\}\]"
    ):
        diff(
            by_name(room("clinic")),
            {},
            state([("other", record(room("other")))]),
            entries=imports(rid=room_id("other")),
        )


# -- hints and saved plans ----------------------------------------------------


def test_a_delete_and_a_create_of_the_same_room_hint_at_moved() -> None:
    plan = diff(
        by_name(room("new", description="d")), {}, state([room("old", description="d")])
    )
    assert plan.notes == (
        "new has the same participants and settings as old, which is deleted: if "
        "this is a rename, add `moved: [{from: old, to: new}]` to keep the room "
        "and its links",
    )


def test_a_saved_plan_carries_every_entry_kind() -> None:
    spec = room("clinic")
    entries = Entries(
        moved=(MovedEntry("a", "b", "b", HERE),),
        imports=(ImportEntry("clinic", "room_x", HERE),),
        removed=(RemovedEntry("legacy", HERE),),
    )
    rooms = by_name(spec, room("b", description="x"))
    current = state([room("a", description="x"), room("legacy")])
    plan = diff(rooms, {}, current, entries=entries)
    assert {c.action for c in plan.rooms} == {Action.MOVE, Action.IMPORT, Action.FORGET}
    again = plan_from_dict(plan_to_dict(plan))
    assert again == plan
    assert again.rooms[0].unchecked == plan.rooms[0].unchecked


def test_a_running_room_keeps_its_refusal_under_its_new_name() -> None:
    plan = diff(by_name(room("b")), {}, state([room("a")]), entries=moved("a", "b"))
    running = renamed(plan.rooms, {"a", "other"})
    assert running == {"b", "other"}
    assert running_refusals(plan.rooms, running, force=False)  # a replace of b
