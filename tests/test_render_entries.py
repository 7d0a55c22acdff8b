"""The entries' changes in every format: their own kinds, no join URL, notes."""

from __future__ import annotations

import json

from plan_builders import by_name, room, state

from provisioner.model import (
    Entries,
    ImportEntry,
    Location,
    MovedEntry,
    RemovedEntry,
)
from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.render import render

HERE = Location("rooms/a.yaml", 3, 5)


def every_entry() -> Plan:
    entries = Entries(
        moved=(MovedEntry("a", "b", "b", HERE), MovedEntry("x", "y", "y", HERE)),
        imports=(ImportEntry("clinic", "room_x", HERE),),
        removed=(RemovedEntry("legacy", HERE),),
    )
    rooms = by_name(room("clinic"), room("b", description="x"), room("y"))
    current = state([room("a", description="x"), room("legacy")])
    return diff(rooms, {}, current, entries=entries)


def test_text_shows_each_entry_as_its_own_change_and_the_notes() -> None:
    text = render(every_entry(), "text")
    assert "  ~> b (room_" in text and "; moved from a, no API call)" in text
    assert "  <= clinic (room_x; adopted into the state, no API write)" in text
    assert (
        "  . legacy (room_" in text and "; forget: the room stays on the API)" in text
    )
    assert "Note: rooms/a.yaml:3:5: moved x -> y: nothing to move" in text
    assert "Also: 1 room to move (same links), 1 room to import, " in text
    assert "1 room to forget (left on the API)." in text


def test_markdown_counts_the_entries_and_lists_what_was_not_checked() -> None:
    text = render(every_entry(), "markdown")
    assert "| ➡️ moved (same room, same links) | 1 | |" in text
    assert "| 📥 import (no API write) | 1 | |" in text
    assert "| ✂️ forget (removed: left on the API) | 1 | |" in text
    assert "### Notes" in text
    assert "not checked (room/info does not show it)" in text


def test_json_carries_the_entry_fields_and_notes() -> None:
    data = json.loads(render(every_entry(), "json"))
    by_name_ = {c["name"]: c for c in data["changes"]}
    assert by_name_["b"]["action"] == "moved" and by_name_["b"]["moved_from"] == "a"
    assert by_name_["clinic"]["action"] == "import"
    assert by_name_["clinic"]["offline"] is True
    assert by_name_["legacy"]["action"] == "forget"
    assert (data["summary"]["moved"], data["summary"]["imported"]) == (1, 1)
    assert data["summary"]["removed"] == 1
    assert data["has_changes"] is True
    assert len(data["notes"]) == 1
