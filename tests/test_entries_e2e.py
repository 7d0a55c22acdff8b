"""moved, import and removed entries end to end: the real CLI against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

CREATE = "POST /rest/room/create"
WRITES = (
    CREATE,
    "PUT /rest/room/disable/{room_id}",
    "DELETE /rest/room/delete/{room_id}",
)
PEOPLE = [{"user_id": "alice"}, {"user_id": "bob"}]
PEOPLE_ROOM = {"participants": PEOPLE}
PEOPLE_ROOM_2 = {"description": "Legacy desk", "participants": PEOPLE}


def described(description: str, **fields: Any) -> dict[str, Any]:
    return {"description": description, "participants": PEOPLE, **fields}


def entries(project: Project, text: str) -> None:
    """rooms/entries.yaml: entries may live in any room file."""
    (project.root / "rooms" / "entries.yaml").write_text(text, encoding="utf-8")


def writes(emulator: Any) -> int:
    return sum(emulator.count(route) for route in WRITES)


def applied(project: Project, *args: str) -> str:
    result = project.cli("apply", "--auto-approve", *args)
    assert result.returncode == 0, text_of(result)
    return result.stdout


def planned(project: Project, expected: int) -> str:
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == expected, text_of(result)
    return result.stdout


def test_a_rename_through_moved_keeps_the_room_id_and_every_link(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"weekly-standup": described("Weekly stand-up")})
    applied(project)
    before = project.state()["rooms"]["weekly-standup"]
    calls = writes(emulator)

    project.write_rooms({"team-standup": described("Weekly stand-up")})
    entries(project, "moved:\n  - {from: weekly-standup, to: team-standup}\n")
    shown = planned(project, 2)
    assert "~> team-standup" in shown and "moved from weekly-standup" in shown
    saved = project.cli("plan", "--out", "moved.plan")
    assert saved.returncode == 0, text_of(saved)
    result = project.cli("apply", "moved.plan")
    assert result.returncode == 0, text_of(result)

    rooms = project.state()["rooms"]
    assert list(rooms) == ["team-standup"]
    assert rooms["team-standup"]["room_id"] == before["room_id"]
    assert rooms["team-standup"]["urls"] == before["urls"]
    assert writes(emulator) == calls  # no room created, disabled or deleted
    again = planned(project, 0)
    assert "moved weekly-standup -> team-standup: done" in again
    assert "the entry can be deleted" in again


def test_an_import_entry_adopts_a_room_made_out_of_band(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    for user, role in (("alice", "plus"), ("bob", "basic")):
        emulator.add_user(user, role)
    made = emulator.api(
        "POST", "/rest/room/create", json={**described("Clinic 3"), "duration": 600}
    )
    made.raise_for_status()
    room_id = made.json()["room"]["room_id"]
    project.write_rooms({"clinic-3": described("Clinic 3", duration=600)})
    entries(project, f"import:\n  - {{to: clinic-3, id: {room_id}}}\n")

    shown = planned(project, 2)
    assert f"<= clinic-3 ({room_id}; adopted into the state" in shown
    assert "not checked (room/info does not show it): participants' is_admin" in shown
    applied(project)

    info = emulator.api("GET", f"/rest/room/info/{room_id}").json()["room"]
    record = project.state()["rooms"]["clinic-3"]
    assert record["room_id"] == room_id
    assert record["urls"] == {u["user"]: u["url"] for u in info["user_urls"]}
    assert emulator.count(CREATE) == 1  # only the out-of-band one
    assert "import " in planned(project, 0)  # a note: the entry can go


def test_an_import_that_differs_is_replaced_and_an_offline_one_is_verified(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    for user, role in (("alice", "plus"), ("bob", "basic")):
        emulator.add_user(user, role)
    made = emulator.api("POST", "/rest/room/create", json=described("Desk"))
    room_id = made.json()["room"]["room_id"]
    project.write_rooms({"desk": described("Desk", duration=900)})
    entries(project, f"import:\n  - {{to: desk, id: {room_id}}}\n")

    offline = project.cli("plan", "--no-refresh", "--out", "offline.plan")
    assert "planned without reading it" in offline.stdout, text_of(offline)
    refused = project.cli("apply", "offline.plan")
    assert refused.returncode == 1
    assert "differs from the files in duration: nothing imported" in refused.stderr
    assert project.state()["rooms"] == {}

    shown = planned(project, 2)
    assert f"-/+ desk ({room_id}; the old room will be disabled)" in shown
    assert "~ duration: null -> 900" in shown
    applied(project)
    new_id = project.state()["rooms"]["desk"]["room_id"]
    assert new_id != room_id
    old = next(r for r in emulator.rooms() if r["room_id"] == room_id)
    assert old["disabled"] is True
    assert project.state()["retiring"] == {}


def test_removed_leaves_the_room_live_on_the_api_and_out_of_the_state(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"desk": PEOPLE_ROOM, "legacy-desk": PEOPLE_ROOM_2})
    applied(project)
    legacy = project.state()["rooms"]["legacy-desk"]["room_id"]
    calls = writes(emulator)

    project.write_rooms({"desk": PEOPLE_ROOM})
    entries(project, "removed:\n  - {name: legacy-desk}\n")
    shown = planned(project, 2)
    assert f". legacy-desk ({legacy}; forget: the room stays on the API)" in shown
    assert "to delete" in shown and "1 room to forget" in shown
    applied(project)

    assert list(project.state()["rooms"]) == ["desk"]
    room = next(r for r in emulator.rooms() if r["room_id"] == legacy)
    assert (room["disabled"], room["deleted"]) == (False, False)
    assert writes(emulator) == calls
    assert "removed legacy-desk: nothing to forget" in planned(project, 0)


def test_a_chain_resolves_and_both_entries_go_stale_after(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"a": described("Room")})
    applied(project)
    room_id = project.room_ids()["a"]

    project.write_rooms({"c": described("Room")})
    entries(project, "moved:\n  - {from: a, to: b}\n  - {from: b, to: c}\n")
    assert "~> c" in planned(project, 2)
    applied(project)
    assert project.room_ids() == {"c": room_id}
    notes = [line for line in planned(project, 0).splitlines() if "Note:" in line]
    assert len(notes) == 2
    assert all(line.endswith("the entry can be deleted") for line in notes)


def test_a_cycle_is_refused_before_any_plan(tmp_path: Path, emulator: Any) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"c": described("Room")})
    entries(project, "moved:\n  - {from: a, to: b}\n  - {from: b, to: a}\n")
    result = project.cli("plan", "--detailed-exitcode")
    assert result.returncode == 1
    assert (
        "rooms/entries.yaml:2:5: moved[0]: the renames form a cycle: a -> b -> a"
        in result.stderr
    )
    assert emulator.stats()["total_requests"] == 0
