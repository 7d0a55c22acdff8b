"""The engine against the in-process emulator: what the API and state hold."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from applyfixtures import (
    Rig,
    create,
    delete,
    plan_of,
    replace,
    spec,
    user_put,
)

from provisioner.apply.context import ApplyOptions
from provisioner.emulator.views import link_url
from provisioner.errors import ProvisionerError
from provisioner.plan import Action, FlagChange, Plan

CREATE = "POST /rest/room/create"


def test_creates_record_every_room_with_its_links(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rooms = [spec("standup"), spec("clinic", ("alice", "carol")), spec("desk")]
    report = rig.apply(plan_of(*(create(r) for r in rooms)))
    state = rig.state()
    assert report.ok
    assert report.summary().startswith(
        "3 created, 0 replaced, 0 deleted, 0 unchanged in "
    )
    live = {r.room_id: r for r in rig.rooms()}
    assert {rec.room_id for rec in state.rooms.values()} == set(live)
    for name, record in state.rooms.items():
        room = live[record.room_id]
        assert room.request["description"] == name
        assert record.urls == {link.user: link_url(room, link) for link in room.links}
    assert state.pending == {} and state.retiring == {}
    assert not rig.backend.journal_path.exists()  # compacted at the end


def test_progress_lines_name_rooms_and_ids_never_urls(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    record = rig.state().rooms["standup"]
    [line] = [line for line in rig.lines if "standup" in line]
    assert line.startswith(f"created standup ({record.room_id}) in ")
    assert line.endswith("s\n")
    assert not any(url in "".join(rig.lines) for url in record.urls.values())


def test_replace_disables_the_old_room_after_recording_the_new(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    old = rig.state().rooms["standup"]
    changed = spec("standup", ("alice", "carol"))
    report = rig.apply(plan_of(replace(changed, old)))
    new = rig.state().rooms["standup"]
    assert report.counts.replaced == 1
    assert new.room_id != old.room_id
    assert set(new.urls) == {"alice", "carol"}
    assert not set(new.urls.values()) & set(old.urls.values())
    rooms = {r.room_id: r for r in rig.every_room()}
    assert rooms[old.room_id].disabled and not rooms[old.room_id].deleted
    assert rooms[new.room_id].usable
    assert rig.state().retiring == {}


def test_replace_with_on_replace_delete_deletes_the_old_room(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    old = rig.state().rooms["standup"]
    rig.apply(plan_of(replace(spec("standup", duration=600), old), on_replace="delete"))
    rooms = {r.room_id: r for r in rig.every_room()}
    assert rooms[old.room_id].deleted


def test_replace_of_a_room_already_gone_creates_the_new_one(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup"))))
    old = rig.state().rooms["standup"]
    rig.emulator.store.delete(old.room_id)
    report = rig.apply(plan_of(replace(spec("standup", duration=600), old)))
    assert report.counts.replaced == 1
    assert [r.room_id for r in rig.rooms()] == [rig.state().rooms["standup"].room_id]
    assert any("old room already gone" in line for line in rig.lines)
    assert rig.state().retiring == {}


def test_delete_removes_the_room_and_forgets_it(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("standup")), create(spec("desk"))))
    old = rig.state().rooms["desk"]
    report = rig.apply(plan_of(delete("desk", old)))
    assert report.counts.deleted == 1
    assert "desk" not in rig.state().rooms
    assert [r.request["description"] for r in rig.rooms()] == ["standup"]


def test_delete_of_a_room_already_gone_only_forgets_it(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("desk"))))
    old = rig.state().rooms["desk"]
    rig.emulator.store.delete(old.room_id)
    report = rig.apply(plan_of(delete("desk", old)))
    assert report.ok and "desk" not in rig.state().rooms
    assert any("already gone" in line for line in rig.lines)


@pytest.mark.parametrize("force", [False, True])
def test_a_running_room_is_not_deleted_without_force(
    tmp_path: Path, force: bool
) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("desk"))))
    old = rig.state().rooms["desk"]
    rig.emulator.store.room(old.room_id).status = "RUNNING"
    report = rig.apply(plan_of(delete("desk", old)), ApplyOptions(force=force))
    assert ("desk" in rig.state().rooms) is not force
    if not force:
        [failure] = report.failures
        assert failure.subject == "desk"
        assert failure.message == (
            f"desk: room {old.room_id} is RUNNING (a call is in progress); "
            "refusing to delete it without --force"
        )


def test_a_running_room_is_not_replaced_without_force(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("desk"))))
    old = rig.state().rooms["desk"]
    rig.emulator.store.room(old.room_id).status = "RUNNING"
    report = rig.apply(plan_of(replace(spec("desk", duration=600), old)))
    assert not report.ok
    assert rig.state().rooms["desk"].room_id == old.room_id
    assert len(rig.rooms()) == 1  # nothing was created


def test_first_failure_stops_new_work_and_reports_what_was_not_done(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    bad = spec("b-bad", duration=120)
    bad_change = create(bad)
    broken = dict(bad.request, duration=5)  # the emulator refuses it (422)
    plan = plan_of(
        create(spec("a-ok")),
        type(bad_change)(**{**bad_change.__dict__, "request": broken}),
        create(spec("c-ok")),
    )
    report = rig.apply(plan, ApplyOptions(parallelism=1, reconcile_delay=0))
    assert [f.subject for f in report.failures] == ["b-bad"]
    assert report.not_done == ("c-ok",)
    assert sorted(rig.state().rooms) == ["a-ok"]
    assert rig.state().pending == {}  # a refused create leaves no intent
    assert report.problems()[-1] == "not done: c-ok"


def test_continue_on_error_goes_on_with_the_other_rooms(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    bad = create(spec("b-bad"))
    broken = type(bad)(
        **{**bad.__dict__, "request": dict(bad.request or {}, duration=5)}
    )
    plan = plan_of(create(spec("a-ok")), broken, create(spec("c-ok")))
    options = ApplyOptions(parallelism=1, continue_on_error=True, reconcile_delay=0)
    report = rig.apply(plan, options)
    assert [f.subject for f in report.failures] == ["b-bad"]
    assert report.not_done == ()
    assert sorted(rig.state().rooms) == ["a-ok", "c-ok"]


def test_users_are_created_before_rooms_and_an_existing_one_adopted(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    users = [user_put("dave", "plus"), user_put("bob", "plus")]  # bob already exists
    report = rig.apply(plan_of(create(spec("duo", ("dave", "carol"))), users=users))
    assert report.ok
    store = rig.emulator.store
    assert store.users["dave"].role == "plus"
    assert store.users["bob"].role == "plus"
    assert sorted(rig.state().users) == ["bob", "dave"]
    assert report.outcomes["user created"] == 1
    assert report.outcomes["user updated"] == 1
    assert "users: 1 created, 1 updated" in report.notes()


def test_preflight_refuses_a_missing_user_before_any_change(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    plan = plan_of(create(spec("standup")), create(spec("desk", ("alice", "ghost"))))
    with pytest.raises(ProvisionerError) as caught:
        rig.apply(plan)
    assert str(caught.value) == (
        "pre-flight: user ghost does not exist in Kaleyra (create them, or fix "
        "external_users and the rooms); nothing was changed"
    )
    assert rig.requests(CREATE) == 0


def test_preflight_checks_external_users_even_unused(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    with pytest.raises(ProvisionerError, match="user frontdesk does not exist"):
        rig.apply(plan_of(create(spec("standup"))), external_users=["frontdesk"])


def test_preflight_refuses_a_room_without_a_plus_participant(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    plan = plan_of(create(spec("standup")), create(spec("desk", ("bob", "carol"))))
    with pytest.raises(ProvisionerError) as caught:
        rig.apply(plan)
    assert str(caught.value) == (
        "pre-flight: no participant with role plus in desk (by the users' roles "
        "in Kaleyra); nothing was changed"
    )
    assert rig.requests(CREATE) == 0


def test_preflight_counts_roles_the_plan_gives(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    plan = plan_of(
        create(spec("desk", ("bob", "carol"))),
        users=[user_put("bob", "plus", Action.UPDATE)],
    )
    assert rig.apply(plan).ok


def test_flag_changes_are_state_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.apply(plan_of(create(spec("desk"))))
    before = {route: dict(counts) for route, counts in rig.emulator.requests.items()}
    report = rig.apply(Plan(rooms=(), flags=(FlagChange("desk", True),)))
    assert report.ok
    assert rig.state().rooms["desk"].prevent_destroy is True
    after = {route: dict(counts) for route, counts in rig.emulator.requests.items()}
    assert after == before


def test_a_sustained_rate_limit_slows_the_run_but_fails_nothing(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, {"rate_limit": 10})
    rooms = [spec(f"room-{i:02d}") for i in range(14)]
    report = rig.apply(plan_of(*(create(r) for r in rooms)))
    assert report.ok, report.problems()
    assert rig.emulator.requests[CREATE]["429"] > 0
    assert sorted(r.request["description"] for r in rig.rooms()) == [
        r.name for r in rooms
    ]
    assert report.retries > 0
    assert f"{report.retries} requests retried (rate limits, failures)" in (
        report.notes()
    )


def test_operations_still_in_flight_after_the_grace_are_cancelled(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, {"latency_ms": 2000})
    rooms = [spec(f"room-{i}") for i in range(6)]
    options = ApplyOptions(parallelism=2, grace=0.2, reconcile_delay=0)
    signalled: list[float] = []

    def stop_once_creates_are_in_flight() -> None:
        # Requests are counted once answered: room-0 and room-1 are done, and
        # room-2 and room-3 are being sent.
        deadline = time.monotonic() + 10
        while rig.requests(CREATE) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # room-2 and room-3 are waiting for their answers
        signalled.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_once_creates_are_in_flight)
    stopper.start()
    report = rig.apply(plan_of(*(create(r) for r in rooms)), options)
    stopper.join()
    assert time.monotonic() - signalled[0] < 1.5  # did not wait for the creates
    assert report.interrupted == "SIGTERM"
    assert report.counts.created == 2
    assert sorted(f.subject for f in report.failures) == ["room-2", "room-3"]
    assert {f.message for f in report.failures} == {"interrupted"}
    assert report.not_done == ("room-4", "room-5")
    # The cancelled creates left their intents: the next run reconciles them.
    assert sorted(rig.state().pending) == ["room-2", "room-3"]
    assert "SIGTERM: starting nothing new; waiting up to 0.2s for the 2" in (
        "".join(rig.lines)
    )
