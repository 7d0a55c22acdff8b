"""`provisioner dump`: rooms made by a script become reviewed room files.

The round trip is the spec: an emulator seeded with 50 rooms by a plain httpx
script, dumped, validates; the next plan shows 50 imports and nothing else;
a second dump writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, text_of

from provisioner.config.dumpfile import ApiRoom, Taken, plan_dump, scalar, slug

SEED = """
import sys, httpx
url, key = sys.argv[1], sys.argv[2]
api = httpx.Client(base_url=url, headers={"apikey": key})
users = ["dr.rossi", "nurse-1", "front_desk", "pat", "yes"]
for user, role in zip(users, ["plus", "basic", "plus", "basic", "basic"]):
    api.post("/rest/user/create", json={"id": user, "role": role}).raise_for_status()
types = ["audio_video", "audio_only", "audio_upgradable"]
for n in range(50):
    people = [{"user_id": u} for u in users[n % 3 : n % 3 + 2 + n % 2]]
    people[0]["is_admin"] = True
    people[-1]["tools"] = {"chat": True}
    body = {"description": f"Clinic: room #{n}" if n % 7 else f"Sala {n} über",
            "participants": people, "call_type": types[n % 3],
            "recording": n % 4 == 0, "live": n % 5 == 0, "directCall": n % 6 == 0}
    if n % 2:
        body["duration"] = 600 + n
    api.post("/rest/room/create", json=body).raise_for_status()
pair = [{"user_id": "dr.rossi"}, {"user_id": "pat"}]
made = [api.post("/rest/room/create", json={**extra, "participants": pair})
        .json()["room"]["room_id"] for extra in
        ({"description": "Twin"}, {"description": "Twin"}, {},
         {"description": "Gone"}, {"description": "Ended"})]
api.put(f"/rest/room/disable/{made[3]}").raise_for_status()
print(" ".join(made))
"""


def seed(emulator: Any) -> list[str]:
    """50 rooms to dump; two sharing a description, one without, one disabled,
    one to be closed: their ids."""
    done = subprocess.run(
        [sys.executable, "-c", SEED, emulator.url, emulator.api_key],
        capture_output=True,
        text=True,
        check=True,
    )
    ids = done.stdout.split()
    emulator.set_status(ids[4], "CLOSED")
    return ids


@pytest.mark.e2e
def test_fifty_rooms_dumped_validate_and_plan_as_fifty_imports(
    tmp_path: Path, emulator: Any
) -> None:
    twin, twin_too, nameless, _, _ = seed(emulator)
    project = Project(tmp_path, emulator)

    dumped = project.cli("dump")
    assert dumped.returncode == 0, text_of(dumped)
    files = sorted((tmp_path / "rooms").glob("*.yaml"))
    assert len(files) == 50
    for room_id in (twin, twin_too, nameless):
        assert f"Not dumped: {room_id}: " in dumped.stdout
    assert "Skipped 2 disabled or closed room(s)." in dumped.stdout

    checked = project.cli("validate")
    assert checked.returncode == 0, text_of(checked)
    planned = project.cli("plan", "--format", "json", "--detailed-exitcode")
    assert planned.returncode == 2, text_of(planned)
    plan = json.loads(planned.stdout)
    assert [c["action"] for c in plan["changes"]] == ["import"] * 50
    summary = plan["summary"]
    assert summary["imported"] == 50
    others = {k: v for k, v in summary.items() if k not in ("imported", "users")}
    assert set(others.values()) == {0}
    assert plan["users"] == [] and plan["state_only"] == []

    again = project.cli("dump")
    assert again.returncode == 0, text_of(again)
    assert sorted((tmp_path / "rooms").glob("*.yaml")) == files
    assert "Wrote" not in again.stdout

    creates = emulator.count("POST /rest/room/create")
    done = project.cli("apply", "--auto-approve")
    assert done.returncode == 0, text_of(done)
    assert emulator.count("POST /rest/room/create") == creates
    imported = {c["room_id"] for c in plan["changes"]}
    assert set(project.room_ids().values()) == imported
    assert project.cli("plan", "--detailed-exitcode").returncode == 0


@pytest.mark.e2e
def test_a_dumped_room_file_names_its_source_and_marks_what_it_could_not_read(
    tmp_path: Path, emulator: Any
) -> None:
    seed(emulator)
    project = Project(tmp_path, emulator)
    assert project.cli("dump", "--out", "new").returncode == 0
    text = (tmp_path / "new" / "clinic-room-1.yaml").read_text()
    room_id = text.split("id: ")[1].split("}")[0]
    assert text.startswith(
        "# yaml-language-server: $schema=../schemas/rooms.schema.json\n"
        f"# Written by `provisioner dump` from room {room_id} (created "
    )
    assert "external_users:\n  - front_desk\n  - nurse-1\n  - pat\n" in text
    assert '    description: "Clinic: room #1"\n' in text
    assert "    recording_type: automatic  # not readable from the API: check\n" in (
        text
    )
    assert "        is_admin: false  # not readable from the API: check\n" in text


def test_a_name_is_never_one_a_file_or_the_state_already_has(tmp_path: Path) -> None:
    (tmp_path / "desk.yaml").write_text("# someone else's file\n")
    rooms = [
        ApiRoom("room_a", "Desk", "2026-01-01", {"description": "Desk"}, ("a", "b")),
        ApiRoom("room_b", "desk!", "2026-01-02", {"description": "desk!"}, ("a", "b")),
    ]
    dump = plan_dump(
        rooms,
        {"Desk": 1, "desk!": 1},  # type: ignore[arg-type]
        Taken(frozenset({"desk-2"})),
        tmp_path,
        {"a"},
        "../schemas/rooms.schema.json",
    )
    assert [f.name for f in dump.files] == ["desk-3", "desk-4"]
    assert (tmp_path / "desk.yaml").read_text() == "# someone else's file\n"
    assert "external_users:\n  - b\n" in dump.files[0].text


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("Weekly stand-up", "weekly-stand-up"),
        ("Über Clinic #3", "uber-clinic-3"),
        ("yes", "yes-room"),
        ("Y", "y-room"),  # a boolean to YAML 1.1, text to 1.2
        ("1e3", "1e3-room"),  # text to YAML 1.1, a number to 1.2
        ("2024", "2024-room"),
        ("!!!", "room"),
        ("x" * 80, "x" * 58),
    ],
)
def test_names_come_from_descriptions(description: str, name: str) -> None:
    assert slug(description) == name


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("alice", "alice"),
        ("dr.rossi", "dr.rossi"),
        ("yes", '"yes"'),
        ("n", '"n"'),
        ("1e3", '"1e3"'),
        ("0o17", '"0o17"'),
        ("08", '"08"'),
        ("2024-05-01", '"2024-05-01"'),
        (True, "true"),
        (600, "600"),
    ],
)
def test_values_are_plain_only_when_every_yaml_version_reads_them_back(
    value: object, written: str
) -> None:
    assert scalar(value) == written
