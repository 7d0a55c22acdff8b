"""The moved, import and removed entries as validate judges them: file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from estatefiles import write

import provisioner.cli.config_cmds  # noqa: F401  (registers the commands)
from provisioner.cli import cli
from provisioner.config import load_estate, load_settings
from provisioner.model import ImportEntry, MovedEntry, RemovedEntry

USERS = "users:\n  alice: {role: plus}\n  bob: {role: basic}\n"
PEOPLE = "participants: [{user_id: alice}, {user_id: bob}]"


def rooms(*names: str) -> str:
    return "rooms:\n" + "".join(f"  {n}:\n    {PEOPLE}\n" for n in names)


def problems(root: Path) -> list[str]:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code in (0, 1), result.output
    return result.stdout.splitlines() if result.exit_code else []


CASES: dict[str, tuple[str, list[str]]] = {
    "from-still-defined": (
        "moved:\n  - {from: a, to: b}\n" + rooms("a", "b"),
        [
            "rooms/a.yaml:5:12: moved[0].from: 'a' is still defined at "
            "rooms/a.yaml:7:3; a moved room's old name must be gone from the files"
        ],
    ),
    "to-not-defined": (
        "moved:\n  - {from: a, to: b}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:19: moved[0].to: 'b' is not defined in any room file; "
            "the moved room needs its definition under its new name"
        ],
    ),
    "cycle": (
        "moved:\n  - {from: a, to: b}\n  - {from: b, to: a}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:5: moved[0]: the renames form a cycle: a -> b -> a; "
            "no room is moved",
            "rooms/a.yaml:6:5: moved[1]: the renames form a cycle: b -> a -> b; "
            "no room is moved",
        ],
    ),
    "self-cycle": (
        "moved:\n  - {from: c, to: c}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:5: moved[0]: the renames form a cycle: c -> c; "
            "no room is moved",
            "rooms/a.yaml:5:12: moved[0].from: 'c' is still defined at "
            "rooms/a.yaml:7:3; a moved room's old name must be gone from the files",
        ],
    ),
    "removed-still-defined": (
        "removed:\n  - {name: c}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:12: removed[0].name: 'c' is still defined at "
            "rooms/a.yaml:7:3; removed: forgets a room whose definition is gone "
            "(delete one or the other)"
        ],
    ),
    "import-not-defined": (
        "import:\n  - {to: clinic, id: room_abc}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:10: import[0].to: 'clinic' is not defined in any room "
            "file; an imported room needs its definition, as it is on the API"
        ],
    ),
    "import-same-room-twice": (
        "import:\n  - {to: c, id: room_abc}\n  - {to: d, id: room_abc}\n"
        + rooms("c", "d"),
        [
            "rooms/a.yaml:5:17: import[0].id: 'room_abc' is imported by more than "
            "one entry (also import[1].id at rooms/a.yaml:6:17)",
            "rooms/a.yaml:6:17: import[1].id: 'room_abc' is imported by more than "
            "one entry (also import[0].id at rooms/a.yaml:5:17)",
        ],
    ),
    "two-rooms-into-one-name": (
        "moved:\n  - {from: a, to: c}\nimport:\n  - {to: c, id: room_abc}\n"
        + rooms("c"),
        [
            "rooms/a.yaml:5:19: moved[0].to: 'c' is the new name of more than one "
            "entry (also import[0].to at rooms/a.yaml:7:10)",
            "rooms/a.yaml:7:10: import[0].to: 'c' is the new name of more than one "
            "entry (also moved[0].to at rooms/a.yaml:5:19)",
        ],
    ),
    "moved-and-removed": (
        "moved:\n  - {from: a, to: c}\nremoved:\n  - {name: a}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:12: moved[0].from: 'a' is moved away or removed by more "
            "than one entry (also removed[0].name at rooms/a.yaml:7:12)",
            "rooms/a.yaml:7:12: removed[0].name: 'a' is moved away or removed by "
            "more than one entry (also moved[0].from at rooms/a.yaml:5:12)",
        ],
    ),
    "unknown-key": (
        "moved:\n  - {from: a, too: c}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:5: moved[0]: missing required key 'to'",
            "rooms/a.yaml:5:15: moved[0]: unknown key 'too' (did you mean to?)",
        ],
    ),
    "bad-room-id": (
        "import:\n  - {to: c, id: 'room abc'}\n" + rooms("c"),
        [
            "rooms/a.yaml:5:17: import[0].id: expected a room id matching "
            "^[A-Za-z0-9_-]{1,128}$, got 'room abc'"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_entry_is_reported_where_it_is(case: str, estate_dir: Path) -> None:
    text, expected = CASES[case]
    write(estate_dir, {"rooms/a.yaml": USERS + text})
    assert problems(estate_dir) == expected


def test_a_duplicate_entry_across_files_names_both_places(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/a.yaml": USERS + "removed:\n  - {name: old}\n" + rooms("c"),
            "rooms/b.yaml": "removed:\n  - {name: old}\n",
        },
    )
    assert problems(estate_dir) == [
        "rooms/a.yaml:5:12: removed[0].name: 'old' is moved away or removed by "
        "more than one entry (also removed[0].name at rooms/b.yaml:2:12)",
        "rooms/b.yaml:2:12: removed[0].name: 'old' is moved away or removed by "
        "more than one entry (also removed[0].name at rooms/a.yaml:5:12)",
    ]


def test_valid_entries_reach_the_estate_with_chains_resolved(
    estate_dir: Path,
) -> None:
    write(
        estate_dir,
        {
            "rooms/a.yaml": USERS
            + "moved:\n  - {from: a, to: b}\n  - {from: b, to: c}\n"
            + "import:\n  - {to: d, id: room_abc}\n"
            + "removed:\n  - {name: gone}\n"
            + rooms("c", "d"),
        },
    )
    assert problems(estate_dir) == []
    entries = load_estate(load_settings(estate_dir)).entries
    assert entries.moved == (MovedEntry("a", "b", "c"), MovedEntry("b", "c", "c"))
    assert [str(m.location) for m in entries.moved] == [
        "rooms/a.yaml:5:5",
        "rooms/a.yaml:6:5",
    ]
    assert entries.imports == (ImportEntry("d", "room_abc"),)
    assert entries.removed == (RemovedEntry("gone"),)
