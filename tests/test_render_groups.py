"""Plans that read well at scale: identical changes once, every room still named."""

from __future__ import annotations

import json

from plan_builders import by_name, room, state

from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.render import render
from provisioner.render.groups import grouped, rooms
from provisioner.render.markdown import LIMIT

PEOPLE = [f"user-{i:03d}" for i in range(160)]


def duration_edit(count: int) -> Plan:
    """`count` rooms whose duration goes 1800 -> 2400, and one other change."""
    people = [PEOPLE[i % 160 : i % 160 + 2] for i in range(count)]
    old = [
        room(f"r-{i:05d}", people[i], duration=1800, description=f"r {i}")
        for i in range(count)
    ]
    new = [
        room(f"r-{i:05d}", people[i], duration=2400, description=f"r {i}")
        for i in range(count)
    ]
    odd = room("odd", ["alice", "bob"], live=True)
    return diff(by_name(*new, room("odd", ["alice", "bob"])), {}, state([*old, odd]))


def test_identical_replaces_form_one_group_and_others_stand_alone() -> None:
    plan = duration_edit(50)
    groups = grouped(plan.room_changes())
    assert sorted(len(g) for g in groups) == [1, 50]


def test_one_number_format() -> None:
    assert rooms(1) == "1 room"
    assert rooms(3000) == "3,000 rooms"


def test_markdown_shows_three_thousand_replaces_as_one_section() -> None:
    plan = duration_edit(3_000)
    text = render(plan, "markdown")
    assert len(text) <= LIMIT
    assert text.count("3,000 rooms</b>: duration 1800 → 2400") == 1
    assert text.count("<details>") == text.count("</details>") == 2
    assert "links of 160 people stop working" in text
    assert "r-00000" in text and "more" in text


def test_text_names_every_room_of_a_group() -> None:
    plan = duration_edit(300)
    text = render(plan, "text")
    assert "  -/+ 300 rooms to replace (each old room will be disabled)" in text
    assert text.count("~ duration: 1800 -> 2400") == 1
    assert all(f"r-{i:05d} (room_" in text for i in range(300))
    assert "join links stop working for 160 people" in text


def test_text_and_json_show_a_new_rooms_settings() -> None:
    plan = diff(
        by_name(room("desk", ["alice", "bob"], duration=600, call_type="audio_only")),
        {},
        state(),
    )
    text = render(plan, "text")
    assert "      duration: 600" in text
    assert '      call_type: "audio_only"' in text
    change = json.loads(render(plan, "json"))["changes"][0]
    assert change["request"]["duration"] == 600
    assert [p["user_id"] for p in change["request"]["participants"]] == [
        "alice",
        "bob",
    ]
