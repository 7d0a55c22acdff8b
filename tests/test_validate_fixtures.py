"""One tiny estate per failure mode, each with the exact problems validate prints.

Each folder under tests/fixtures/validate/ is an estate (rooms/ and sometimes
provisioner.yaml) that breaks exactly one rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import provisioner.cli.config_cmds  # noqa: F401  (registers the commands)
from provisioner.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "validate"

EXPECTED: dict[str, list[str]] = {
    # --- reading YAML
    "yaml-syntax": [
        "rooms/a.yaml:7:5: YAML syntax: did not find expected ',' or ']' "
        "(while parsing a flow sequence, line 6)"
    ],
    "duplicate-key": [
        "rooms/a.yaml:8:3: rooms: duplicate key 'standup' (lines 5 and 8)"
    ],
    "alias-bomb": [
        "rooms/a.yaml:5:4: aliases expand to more than 100000 nodes; "
        "refusing to expand them (an alias bomb?)"
    ],
    "recursive-alias": [
        "rooms/a.yaml:5:12: rooms.standup: an alias refers to its own parent"
    ],
    "not-a-mapping": ["rooms/a.yaml:1:1: expected a mapping, got a list"],
    "multiple-documents": [
        "rooms/a.yaml:4:1: one YAML document per file: a second one starts here"
    ],
    "not-utf8": [
        "rooms/a.yaml:3:6: not readable as text: incomplete UTF-8 octet sequence"
    ],
    "complex-key": ["rooms/a.yaml:7:5: rooms: keys must be plain text"],
    "unsupported-tag": [
        "rooms/a.yaml:6:18: rooms.standup.call_action: "
        "unsupported tag !!python/object:os.system"
    ],
    # --- one meaning per file: YAML 1.1 (here) and 1.2 (editors) must agree
    "bool-for-string": [
        "rooms/a.yaml:6:48: rooms.standup.participants[1].user_id: YAML 1.1 reads "
        'no as false, YAML 1.2 as text; write false, or quote it ("no") for text'
    ],
    "unquoted-date": [
        "rooms/a.yaml:6:18: rooms.standup.description: YAML 1.1 reads 2024-05-01 "
        'as a date, YAML 1.2 as text; quote it ("2024-05-01")'
    ],
    "octal-number": [
        "rooms/a.yaml:6:15: rooms.standup.duration: YAML 1.1 reads 0600 as the "
        "octal number 384, YAML 1.2 as the number 600; write 384 or 600, "
        'or quote it ("0600") for text'
    ],
    "base60-number": [
        "rooms/a.yaml:6:15: rooms.standup.duration: YAML 1.1 reads 1:30 as the "
        'base-60 number 90, YAML 1.2 as text; write 90, or quote it ("1:30") for text'
    ],
    "exponent-as-text": [
        "rooms/a.yaml:6:15: rooms.standup.duration: YAML 1.1 reads 1e3 as text, "
        'YAML 1.2 as the number 1000; write 1000, or quote it ("1e3") for text'
    ],
    "quoted-number": [
        "rooms/a.yaml:6:15: rooms.standup.duration: expected an integer, "
        "got '600' (quoted, so it is text; write 600 without quotes)"
    ],
    # --- the schema
    "unknown-key": [
        "rooms/a.yaml:6:5: rooms.standup: unknown key 'recordng' "
        "(did you mean recording?)"
    ],
    "unknown-top-level-key": [
        "rooms/a.yaml:4:1: unknown key 'room' (did you mean rooms?)"
    ],
    "missing-participants": [
        "rooms/a.yaml:6:5: rooms.standup: missing required key 'participants'"
    ],
    "too-few-participants": [
        "rooms/a.yaml:6:19: rooms.standup.participants: "
        "expected 2 to 25 participants, got 1"
    ],
    "too-many-participants": [
        "rooms/a.yaml:30:19: rooms.standup.participants: "
        "expected 2 to 25 participants, got 26"
    ],
    "bad-room-name": [
        "rooms/a.yaml:5:3: rooms: room name 'Stand_Up' must match "
        "^[a-z0-9][a-z0-9-]{0,62}$"
    ],
    "bad-enum": [
        "rooms/a.yaml:6:16: rooms.standup.call_type: expected audio_only, "
        "audio_upgradable or audio_video, got 'video'"
    ],
    "duration-out-of-range": [
        "rooms/a.yaml:6:15: rooms.standup.duration: expected 60 to 86400, got 30"
    ],
    "wrong-type": [
        "rooms/a.yaml:9:23: rooms.standup.participants[1].tools.chat: "
        "expected true or false, got 'yes'"
    ],
    "whiteboard-wrong-type": [
        "rooms/a.yaml:9:29: rooms.standup.participants[1].tools.whiteboard: "
        "expected true or false, or a mapping, got 'all'"
    ],
    "unknown-whiteboard-tool": [
        "rooms/a.yaml:9:30: rooms.standup.participants[1].tools.whiteboard: "
        "unknown key 'wb_laser' (did you mean wb_eraser?)"
    ],
    "room-not-a-mapping": [
        "rooms/a.yaml:5:12: rooms.standup: expected a mapping, got a list"
    ],
    "participants-in-defaults": [
        "rooms/a.yaml:5:3: defaults.participants: not allowed in defaults: "
        "each room lists its own participants"
    ],
    "bad-user-id": [
        "rooms/a.yaml:6:48: rooms.standup.participants[1].user_id: expected a "
        "user id matching ^[A-Za-z0-9._-]{1,128}$, got 'bob smith'"
    ],
    "id-with-newline": [
        "rooms/a.yaml:7:18: rooms.standup.participants[0].user_id: expected a "
        "user id matching ^[A-Za-z0-9._-]{1,128}$, got 'alice\\n'"
    ],
    "bad-role": [
        "rooms/a.yaml:3:15: users.bob.role: expected basic or plus, got 'admin'"
    ],
    "user-without-role": ["rooms/a.yaml:3:8: users.bob: missing required key 'role'"],
    # --- rules across files
    "duplicate-room": [
        "rooms/a.yaml:5:3: rooms.standup: also defined at rooms/b.yaml:2:3",
        "rooms/b.yaml:2:3: rooms.standup: also defined at rooms/a.yaml:5:3",
    ],
    "duplicate-description": [
        "rooms/a.yaml:6:18: rooms.standup.description: description 'Daily' is "
        "also used by room 'retro' (rooms/a.yaml:8:3)",
        "rooms/a.yaml:9:18: rooms.retro.description: description 'Daily' is "
        "also used by room 'standup' (rooms/a.yaml:5:3)",
    ],
    "description-is-other-name": [
        "rooms/a.yaml:5:3: rooms.standup: description 'standup' (the room name, "
        "as no description is given) is also used by room 'retro' "
        "(rooms/a.yaml:7:3)",
        "rooms/a.yaml:8:18: rooms.retro.description: description 'standup' is "
        "also used by room 'standup' (rooms/a.yaml:5:3)",
    ],
    "unknown-user": [
        "rooms/a.yaml:6:48: rooms.standup.participants[1].user_id: unknown user "
        "'bobby': declare it under users or list it in external_users "
        "(did you mean 'bob'?)"
    ],
    "user-declared-twice": [
        "rooms/a.yaml:3:3: users.bob: also declared at rooms/b.yaml:2:3",
        "rooms/b.yaml:2:3: users.bob: also declared at rooms/a.yaml:3:3",
    ],
    "user-managed-and-external": [
        "rooms/a.yaml:3:3: users.bob: also listed in external_users at "
        "rooms/b.yaml:1:25",
        "rooms/b.yaml:1:25: external_users[1]: 'bob' is also declared in users "
        "at rooms/a.yaml:3:3",
    ],
    "no-plus-participant": [
        "rooms/a.yaml:6:5: rooms.standup.participants: a room needs at least one "
        "plus participant, and none of 'alice', 'bob' is one"
    ],
    "duplicate-participant": [
        "rooms/a.yaml:6:64: rooms.standup.participants[2].user_id: 'alice' is "
        "already a participant (participants[0])"
    ],
    "initiator-not-participant": [
        "rooms/a.yaml:7:22: rooms.standup.initiator_alias: 'carol' is not a "
        "participant of room 'standup'"
    ],
    "initiator-from-defaults": [
        "rooms/a.yaml:6:20: defaults.initiator_alias: 'carol' is not a "
        "participant of room 'standup'"
    ],
    "call-action-date": [
        "rooms/a.yaml:6:31: rooms.standup.call_action.ring_until: the date "
        "2024-05-01 cannot be sent to the API; quote it"
    ],
    # --- provisioner.yaml
    "settings-errors": [
        "provisioner.yaml:2:8: state: expected a string, got a list",
        "provisioner.yaml:3:13: on_replace: expected disable or delete, got 'archive'",
        "provisioner.yaml:4:21: max_delete_percent: expected 0 to 100, got 150",
        "provisioner.yaml:5:37: api.region: expected eu, got 'us' "
        "(the sandbox exists only in eu)",
        "provisioner.yaml:5:41: api: unknown key 'token'",
    ],
    "rooms-folder-missing": [
        "room-files:1:1: rooms folder not found (set rooms: in provisioner.yaml)"
    ],
}


def test_every_fixture_folder_has_an_expectation() -> None:
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders == set(EXPECTED)
    assert len(folders) >= 25


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fixture_reports_its_exact_problems(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES / case)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == EXPECTED[case]
    count = len(EXPECTED[case])
    assert result.stderr.startswith(f"{count} problem")


@pytest.mark.parametrize("case", ["duplicate-room", "settings-errors"])
def test_fixture_problems_as_json(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / case)
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 1
    listed = json.loads(result.stdout)
    shown = [f"{p['file']}:{p['line']}:{p['col']}: {p['message']}" for p in listed]
    assert shown == EXPECTED[case]
    assert {p["severity"] for p in listed} == {"error"}


def test_file_over_one_mebibyte_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "rooms" / "big.yaml").write_text("# padding\n" * 110_000)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "rooms/big.yaml:1:1: file is larger than 1 MiB; split it into several files"
    ]
