"""The local backend: journal, compaction, backups, modes, and refusing bad files."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest
from statefixtures import known_state, room_record, write_state

from provisioner.errors import StateError
from provisioner.state import open_backend
from provisioner.state.document import (
    State,
    op_room_drop,
    op_room_flag,
    op_room_put,
)
from provisioner.state.local import LocalBackend


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "rooms.state.json"


def test_a_missing_state_reads_as_empty_and_creates_nothing(path: Path) -> None:
    state = LocalBackend(path).read()
    assert (state.lineage, state.serial, state.rooms) == (None, 0, {})
    assert list(path.parent.iterdir()) == []


def test_commit_appends_one_fsynced_line_and_never_touches_the_document(
    path: Path,
) -> None:
    write_state(path)
    before = path.stat()
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_flag("support", True)])
    backend.commit(state, [op_room_drop("clinic-1")])
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    lines = _journal(path).read_text().splitlines()
    assert [json.loads(line)["serial"] for line in lines] == [2, 3]
    assert json.loads(lines[1]) == {
        "lineage": state.lineage,
        "ops": [{"op": "room_drop", "name": "clinic-1"}],
        "serial": 3,
    }
    assert state.serial == 3


def test_read_replays_the_journal_on_top_of_the_document(path: Path) -> None:
    write_state(path)
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_flag("support", True)])
    backend.commit(state, [op_room_put("new-room", room_record("new-room"))])
    again = LocalBackend(path).read()
    assert again.to_dict() == state.to_dict()
    assert again.rooms["support"].prevent_destroy is True


def test_lineage_is_fixed_at_the_first_commit_even_before_compaction(
    path: Path,
) -> None:
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_put("a", room_record("a"))])
    assert not path.exists()
    first, second = LocalBackend(path).read(), LocalBackend(path).read()
    assert first.lineage == second.lineage == state.lineage is not None
    assert first.serial == 1


def test_compact_writes_pretty_sorted_json_and_drops_the_journal(path: Path) -> None:
    state = write_state(path)
    text = path.read_text()
    assert text == json.dumps(state.to_dict(), indent=2, sort_keys=True) + "\n"
    assert not _journal(path).exists()
    assert not path.with_name(path.name + ".tmp").exists()
    assert LocalBackend(path).read().to_dict() == state.to_dict()


def test_compact_keeps_the_previous_document_as_backup(path: Path) -> None:
    write_state(path)
    previous = path.read_bytes()
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_drop("support")])
    backend.compact(state)
    backup = path.with_name(path.name + ".backup")
    assert backup.read_bytes() == previous
    assert "support" not in json.loads(path.read_text())["rooms"]
    assert json.loads(path.read_text())["serial"] == 2


def test_every_state_file_is_mode_0600(path: Path) -> None:
    write_state(path)
    backend = LocalBackend(path)
    with backend.lock("apply", 0):
        state = backend.read()
        backend.commit(state, [op_room_drop("support")])
        assert _mode(_journal(path)) == 0o600
        backend.compact(state)
    for name in ("rooms.state.json", ".backup", ".lock"):
        target = path if name == path.name else path.with_name(path.name + name)
        assert _mode(target) == 0o600, name


def test_a_compaction_cut_short_before_the_journal_removal_is_harmless(
    path: Path,
) -> None:
    write_state(path)
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_drop("support")])
    leftover = _journal(path).read_bytes()
    backend.compact(state)
    _journal(path).write_bytes(leftover)  # the crash left the old journal behind
    again = LocalBackend(path)
    replayed = again.read()
    assert replayed.to_dict() == state.to_dict()
    again.commit(replayed, [op_room_drop("clinic-1")])
    assert LocalBackend(path).read().to_dict() == replayed.to_dict()


@pytest.mark.parametrize(
    "tail",
    [
        b'{"lineage": "x", "ops": [{"op": "room_dr',
        b'{"lineage":null,"ops":[],"serial":99}',
        b"\0\0\0\0\0\0",
        b"garbage\n",
    ],
    ids=["half-a-line", "unterminated", "zero-filled", "terminated-garbage"],
)
def test_a_torn_last_journal_line_is_ignored_and_cut_off(
    path: Path, tail: bytes
) -> None:
    write_state(path)
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_drop("support")])
    backend.close()
    acknowledged = _journal(path).read_bytes()
    with _journal(path).open("ab") as journal:
        journal.write(tail)
    again = LocalBackend(path)
    replayed = again.read()
    assert replayed.to_dict() == state.to_dict()
    again.commit(replayed, [op_room_drop("clinic-1")])
    lines = _journal(path).read_bytes()
    assert lines.startswith(acknowledged)
    assert [json.loads(x)["serial"] for x in lines.splitlines()] == [2, 3]
    assert LocalBackend(path).read().to_dict() == replayed.to_dict()


def _corrupt_journal(path: Path, lines: list[bytes]) -> None:
    write_state(path)
    _journal(path).write_bytes(b"".join(line + b"\n" for line in lines))


def _line(serial: int, ops: str = "[]", lineage: str = "null") -> bytes:
    return f'{{"lineage":{lineage},"ops":{ops},"serial":{serial}}}'.encode()


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([b"garbage", _line(2)], "line 1 is corrupt (not a journal entry)"),
        ([_line(2), b"[1, 2]", _line(3)], "line 2 is corrupt (not a journal entry)"),
        ([_line(3)], "line 1 is corrupt (serial 3, expected 2)"),
        ([_line(2), _line(2)], "line 2 is corrupt (serial 2, expected 3)"),
        (
            [_line(2, lineage='"other"')],
            "line 1 is corrupt (lineage other is not this state's",
        ),
        (
            [_line(2, ops='[{"op": "explode"}]')],
            "line 1 is corrupt (unknown state operation 'explode')",
        ),
        (
            [_line(2, ops='[{"op": "room_move", "old": "nope", "new": "x"}]')],
            "line 1 is corrupt (cannot apply: KeyError('nope'))",
        ),
    ],
    ids=[
        "garbage",
        "not-an-entry",
        "gap",
        "duplicate",
        "lineage",
        "unknown-op",
        "bad-op",
    ],
)
def test_a_corrupt_journal_is_refused_and_nothing_is_written(
    path: Path, lines: list[bytes], why: str
) -> None:
    _corrupt_journal(path, lines)
    before = _files(path.parent)
    backend = LocalBackend(path)
    with pytest.raises(StateError) as error:
        backend.read()
    assert str(error.value).startswith(f"{_journal(path)}: {why}")
    assert "refusing to continue (nothing was changed)" in str(error.value)
    with pytest.raises(StateError):
        backend.commit(known_state(), [op_room_drop("support")])
    with pytest.raises(StateError):
        backend.compact(known_state())
    assert _files(path.parent) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the state file is empty (truncated?)"),
        (b'{"version": 1, "rooms": {', "the state file is not valid JSON (truncated?)"),
        (b"\xff\xfe{}", "the state file is not UTF-8 text"),
        (b"[1, 2]", "not a state document (expected an object)"),
        (b'{"version": 2}', "unsupported state version 2 (this provisioner reads 1)"),
        (b'{"serial": 3}', "unsupported state version None"),
        (
            b'{"version": 1, "rooms": {"a": {"room_id": "r"}}}',
            "malformed state document",
        ),
        # Taking a lost key for "nothing" would plan every room again.
        (
            b'{"version": 1}',
            "malformed state document (no lineage, serial, users, rooms, retiring, "
            "pending)",
        ),
        (
            b'{"version": 1, "lineage": "x", "serial": 2, "users": {}, '
            b'"rooms": null, "retiring": {}, "pending": {}}',
            "malformed state document (rooms is not an object)",
        ),
        (
            b'{"version": 1, "lineage": "x", "serial": 2, "users": {}, "rooms": '
            b'{"a": {"room_id": "r", "request": {}, "fingerprint": "f", "urls": {}, '
            b'"created_at": "t"}}, "retiring": {}, "pending": {}}',
            "malformed state document (rooms.a: the request has no participants list)",
        ),
        (
            b'{"version": 1, "lineage": "x", "serial": 2, "users": {}, "rooms": '
            b'{"a": {"room_id": "r", "request": {"participants": []}, '
            b'"fingerprint": "f", "urls": "x", "created_at": "t"}}, "retiring": {}, '
            b'"pending": {}}',
            "malformed state document (rooms.a: urls is not an object of links)",
        ),
        (
            b'{"version": 1, "lineage": "x", "serial": 2, "users": {}, "rooms": '
            b'{"a": {"room_id": 7, "request": {"participants": []}, '
            b'"fingerprint": "f", "urls": {}, "created_at": "t"}}, "retiring": {}, '
            b'"pending": {}}',
            "malformed state document (rooms.a: room_id is not a string)",
        ),
        (
            b'{"version": 1, "lineage": "x", "ser',
            "the state file is not valid JSON (truncated?): Unterminated string "
            "starting at line 1 column 32;",
        ),
    ],
    ids=[
        "empty",
        "truncated",
        "binary",
        "array",
        "v2",
        "no-version",
        "malformed",
        "keys-missing",
        "rooms-null",
        "no-participants",
        "urls-not-links",
        "room-id-not-text",
        "cut-in-a-string",
    ],
)
def test_an_untrustworthy_document_is_refused_and_never_overwritten(
    path: Path, content: bytes, message: str
) -> None:
    path.write_bytes(content)
    backend = LocalBackend(path)
    with pytest.raises(StateError) as error:
        backend.read()
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    with pytest.raises(StateError):
        backend.commit(State(), [op_room_put("a", room_record("a"))])
    with pytest.raises(StateError):
        backend.compact(known_state())
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_write_from_a_stale_read_is_refused(path: Path) -> None:
    write_state(path)
    first, second = LocalBackend(path), LocalBackend(path)
    state_one, state_two = first.read(), second.read()
    first.commit(state_one, [op_room_drop("support")])
    with pytest.raises(StateError, match="the state changed on disk since it was read"):
        second.commit(state_two, [op_room_drop("clinic-1")])
    with pytest.raises(StateError, match="changed on disk"):
        second.compact(state_two)
    assert LocalBackend(path).read().to_dict() == state_one.to_dict()


def test_a_state_that_does_not_match_the_disk_serial_is_refused(path: Path) -> None:
    write_state(path)
    backend = LocalBackend(path)
    backend.read()
    with pytest.raises(StateError) as error:
        backend.commit(State(), [op_room_drop("support")])
    assert "on disk is at serial 1 but this run holds serial 0" in str(error.value)


def test_operations_that_cannot_be_recorded_write_nothing(path: Path) -> None:
    backend = LocalBackend(path)
    state = backend.read()
    with pytest.raises(StateError, match="cannot record state operations"):
        backend.commit(state, [{"op": "room_drop", "name": object()}])
    assert list(path.parent.iterdir()) == []
    backend.commit(state, [op_room_put("a", room_record("a"))])
    assert LocalBackend(path).read().to_dict() == state.to_dict()


def test_a_failed_operation_stops_every_later_write_until_a_new_read(
    path: Path,
) -> None:
    write_state(path)
    backend = LocalBackend(path)
    state = backend.read()
    with pytest.raises(StateError, match="unknown state operation 'nope'"):
        backend.commit(state, [op_room_drop("support"), {"op": "nope"}])
    with pytest.raises(StateError) as error:
        backend.commit(state, [op_room_drop("clinic-1")])
    assert str(error.value) == (
        f"{path}: an earlier state write failed (invalid state operation: unknown "
        "state operation 'nope'); refusing to write more until the state is read again"
    )
    with pytest.raises(StateError, match="an earlier state write failed"):
        backend.compact(state)
    assert _journal(path).read_bytes() == b""
    state = backend.read()
    assert "support" in state.rooms
    backend.commit(state, [op_room_drop("clinic-1")])


def test_a_failed_append_is_cut_back_and_stops_later_writes(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_state(path)
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_flag("support", True)])
    acknowledged = _journal(path).read_bytes()
    real_write = os.write
    calls: list[int] = []

    def disk_full(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data)[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(StateError) as error:
        backend.commit(state, [op_room_drop("support")])
    monkeypatch.undo()
    assert (
        str(error.value) == f"{_journal(path)}: cannot append (No space left on device)"
    )
    assert _journal(path).read_bytes() == acknowledged
    with pytest.raises(StateError, match="an earlier state write failed"):
        backend.commit(state, [op_room_drop("clinic-1")])
    assert "support" in LocalBackend(path).read().rooms


def test_compacting_a_state_never_written_writes_nothing(path: Path) -> None:
    LocalBackend(path).compact(State())
    assert list(path.parent.iterdir()) == []


def test_commit_cost_does_not_depend_on_the_number_of_rooms(path: Path) -> None:
    big = {f"room-{i}": ("alice", "bob") for i in range(2000)}
    write_state(path, big)
    size = path.stat().st_size
    backend = LocalBackend(path)
    state = backend.read()
    backend.commit(state, [op_room_flag("room-7", True)])
    assert path.stat().st_size == size
    assert len(_journal(path).read_bytes()) < 200


def test_the_parent_directory_is_created_on_first_write(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "state.json"
    write_state(path)
    assert LocalBackend(path).read().rooms.keys() == known_state().rooms.keys()


def test_open_backend_resolves_a_relative_path_from_the_root(tmp_path: Path) -> None:
    backend = open_backend("state/rooms.json", tmp_path)
    assert isinstance(backend, LocalBackend)
    assert backend.path == tmp_path / "state" / "rooms.json"
    assert backend.location == str(tmp_path / "state" / "rooms.json")
    absolute = open_backend(str(tmp_path / "x.json"), Path("/elsewhere"))
    assert absolute.location == str(tmp_path / "x.json")


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "postgresql://ci:hunter2@db/state",
            "the state URL holds a password; remove it and give it through "
            "PGPASSWORD or ~/.pgpass instead",
        ),
        (
            "postgres://db/state?workspace=no/slash",
            "workspace 'no/slash' is not a valid name (letters, digits, '.', '_' "
            "and '-', at most 63 characters)",
        ),
        (
            "s3://bucket/state",
            "unsupported state location scheme s3://; use a file path or postgresql://",
        ),
        ("  ", "the state location is empty; set `state:` in provisioner.yaml"),
    ],
)
def test_open_backend_refuses_what_it_cannot_serve(
    tmp_path: Path, location: str, message: str
) -> None:
    with pytest.raises(StateError) as error:
        open_backend(location, tmp_path)
    assert str(error.value) == message


def test_an_unreadable_journal_is_named_without_python_noise(path: Path) -> None:
    (path.parent / f"{path.name}.journal").mkdir()
    with pytest.raises(StateError) as error:
        LocalBackend(path).read()
    assert str(error.value) == (
        f"{path}.journal: cannot read: it is a folder, not a file"
    )
