"""The guards end to end: the real CLI against the emulator over HTTP.

A defaults edit that replaces most rooms, a state that was lost, and a
refresh that finds most rooms gone are each refused (plan and apply), then
let through by their allowance, which the plan names. Replaces, drift
re-creates and a crash-recovered create never look like a lost state. An
offline plan says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged, live_rooms, text_of

from provisioner.model import room_spec
from provisioner.state.document import PendingCreate, op_pending_add, utc_now
from provisioner.state.local import LocalBackend

pytestmark = pytest.mark.e2e  # once per emulator flavour: see conftest

CREATE = "POST /rest/room/create"
PEOPLE = "participants: [{user_id: alice}, {user_id: bob}]"
FIVE = [f"a{i}" for i in range(5)]
THREE = [f"b{i}" for i in range(3)]
LOST_STATE = (
    "5 rooms already exist on the API with these descriptions (was the state "
    "moved or lost?): adopt them with provisioner import, or pass "
    "--allow-duplicates"
)


def applied(project: Project, *args: str, **env: str) -> str:
    result = project.cli("apply", "--auto-approve", *args, env=project.env(**env))
    assert result.returncode == 0, text_of(result)
    return result.stdout


def refused(project: Project, *args: str, **env: str) -> str:
    """Run a command that must fail without calling create; its stderr."""
    creates = project.emulator.count(CREATE)
    result = project.cli(*args, env=project.env(**env))
    assert result.returncode == 1, text_of(result)
    assert project.emulator.count(CREATE) == creates
    return result.stderr


def write_estate(project: Project, duration: int) -> None:
    """Eight rooms in two files; the first file's defaults shape five of them."""
    rooms = project.root / "rooms"
    (rooms / "a.yaml").write_text(
        f"defaults:\n  duration: {duration}\n"
        "users: {alice: {role: plus}, bob: {role: basic}}\n"
        "rooms:\n" + "".join(f"  {name}: {{{PEOPLE}}}\n" for name in FIVE),
        encoding="utf-8",
    )
    (rooms / "b.yaml").write_text(
        "rooms:\n" + "".join(f"  {name}: {{{PEOPLE}}}\n" for name in THREE),
        encoding="utf-8",
    )


def test_a_defaults_edit_replacing_5_of_8_rooms_is_refused_unless_allowed(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    write_estate(project, 3600)
    applied(project)
    before = project.room_ids()
    write_estate(project, 1800)
    assert refused(project, "plan") == (
        "Error: refusing to replace 5 of 8 managed rooms (62%, limit 25%): "
        "a0, a1, a2, a3, a4; pass --allow-replace\n"
    )
    assert "refusing to replace 5 of 8" in refused(project, "apply", "--auto-approve")
    assert project.room_ids() == before

    allow = {"PROVISIONER_ALLOW_REPLACE": "1"}
    named = "allowed by --allow-replace (PROVISIONER_ALLOW_REPLACE)"
    text = project.cli("plan", env=project.env(**allow))
    assert text.returncode == 0, text_of(text)
    assert "Override: replace 5 of 8 managed rooms (62%, limit 25%): " in text.stdout
    assert named in text.stdout
    markdown = project.cli("plan", "--format", "markdown", env=project.env(**allow))
    assert named in markdown.stdout
    data = json.loads(
        project.cli("plan", "--format", "json", env=project.env(**allow)).stdout
    )
    assert [a["flag"] for a in data["allowed"]] == ["--allow-replace"]

    out = applied(project, **allow)
    assert named in out
    after = project.room_ids()
    assert [n for n in before if after[n] != before[n]] == FIVE
    assert converged(project, FIVE + THREE) == []


def lose_the_state(project: Project) -> None:
    for path in project.root.glob("rooms.state.json*"):
        path.unlink()


def test_a_lost_state_is_refused_at_plan_and_apply_until_duplicates_are_allowed(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({name: ["alice", "bob"] for name in FIVE})
    applied(project)
    lose_the_state(project)

    assert refused(project, "plan").startswith(f"Error: {LOST_STATE}; on the API: a0 (")
    assert LOST_STATE in refused(project, "apply", "--auto-approve")
    assert not project.state()["rooms"]
    # An offline plan could not look; applying it saved still does.
    saved = project.cli("plan", "--no-refresh", "--out", "offline.json")
    assert saved.returncode == 0, text_of(saved)
    assert LOST_STATE in refused(project, "apply", "offline.json")

    allowed = project.cli("plan", "--allow-duplicates")
    assert allowed.returncode == 0, text_of(allowed)
    assert ("Override: create 5 rooms that the API already has: a0 (") in allowed.stdout
    assert "allowed by --allow-duplicates (PROVISIONER_ALLOW_DUPLICATES)" in (
        allowed.stdout
    )
    applied(project, "--allow-duplicates")
    assert len(live_rooms(emulator)) == 10  # as asked: the old ones stay


def test_replaces_and_drift_recreates_never_look_like_a_lost_state(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    rooms = {name: ["alice", "bob"] for name in ("standup", "desk")}
    project.write_rooms(rooms)
    applied(project)
    project.write_rooms(
        {
            **rooms,
            "standup": {
                "participants": [{"user_id": "alice"}, {"user_id": "bob"}],
                "duration": 600,
            },
        }
    )
    assert project.cli("plan", "--detailed-exitcode").returncode == 2
    applied(project)
    applied(project, "--replace", "desk")
    gone = project.room_ids()["desk"]
    assert emulator.api("DELETE", f"/rest/room/delete/{gone}").status_code == 200
    out = applied(project)
    assert "1 created, 0 replaced, 0 deleted, 1 unchanged in " in out
    assert converged(project, ["standup", "desk"]) == []


def test_a_crash_recovered_create_never_looks_like_a_lost_state(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    rooms = {name: ["alice", "bob"] for name in ("standup", "desk", "clinic")}
    project.write_rooms({n: p for n, p in rooms.items() if n != "clinic"})
    applied(project)
    # An apply killed after sending clinic's create: the intent is in the
    # state, the room on the API, its answer never recorded.
    project.write_rooms(rooms)
    spec = room_spec(
        "clinic", {"participants": [{"user_id": "alice"}, {"user_id": "bob"}]}
    )
    made = emulator.api("POST", "/rest/room/create", json=dict(spec.request))
    assert made.status_code == 200, made.text
    backend = LocalBackend(project.state_path)
    state = backend.read()
    intent = PendingCreate("clinic", dict(spec.request), spec.fingerprint, utc_now())
    backend.commit(state, [op_pending_add(intent)])
    backend.close()

    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.returncode == 2, text_of(plan)
    creates = emulator.count(CREATE)
    applied(project)
    assert emulator.count(CREATE) == creates
    assert project.room_ids()["clinic"] == made.json()["room"]["room_id"]
    assert converged(project, list(rooms)) == []


def test_drift_of_5_of_8_rooms_is_refused_unless_allowed(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    names = FIVE + THREE
    project.write_rooms({name: ["alice", "bob"] for name in names})
    applied(project)
    for name in FIVE:
        room_id = project.room_ids()[name]
        assert emulator.api("DELETE", f"/rest/room/delete/{room_id}").status_code == 200

    expected = (
        "Error: 5 of 8 rooms look deleted outside the provisioner; check the key's "
        "company and api.url, or pass --allow-drift (62%, limit 50%: a0, a1, a2, "
        "a3, a4)\n"
    )
    assert refused(project, "plan") == expected
    assert refused(project, "apply", "--auto-approve") == expected

    allowed = project.cli("plan", "--allow-drift")
    assert allowed.returncode == 0, text_of(allowed)
    assert "allowed by --allow-drift (PROVISIONER_ALLOW_DRIFT)" in allowed.stdout
    applied(project, PROVISIONER_ALLOW_DRIFT="1")
    assert converged(project, names) == []


def test_an_offline_plan_says_so_and_json_says_whether_it_was_refreshed(
    tmp_path: Path, emulator: Any
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"]})
    keyless = {k: v for k, v in project.env().items() if k != "KALEYRA_API_KEY"}

    no_key = project.cli("plan", env=keyless)
    assert no_key.stdout.splitlines()[:2] == [
        "offline plan (refresh off: no KALEYRA_API_KEY)",
        "  not checked: drift, users, plus roles, calls in progress, rooms "
        "already on the API",
    ]
    markdown = project.cli("plan", "--format", "markdown", "--no-refresh")
    assert markdown.stdout.startswith("offline plan (refresh off: --no-refresh) — ")
    text = project.cli("plan", "--no-refresh")
    assert text.stdout.startswith("offline plan (refresh off: --no-refresh)\n")

    def refreshed(*args: str, env: dict[str, str] | None = None) -> Any:
        result = project.cli("plan", "--format", "json", *args, env=env)
        return json.loads(result.stdout)["refreshed"]

    assert refreshed(env=keyless) is False
    assert refreshed("--no-refresh") is False
    assert refreshed() is True
    online = project.cli("plan")
    assert not online.stdout.startswith("offline")
