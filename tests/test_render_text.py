"""The text renderer: Terraform-like symbols, a closing line, safe values."""

from __future__ import annotations

import dataclasses

from plan_builders import room_id
from render_cases import every_change, no_change

from provisioner.plan import Plan
from provisioner.render import render
from provisioner.render.text import render_text, shown


def lines(plan: Plan) -> list[str]:
    return render_text(plan).splitlines()


def test_the_closing_line_counts_rooms() -> None:
    assert lines(every_change())[-1] == (
        "Plan: 1 to create, 1 to replace, 1 to delete, 2 unchanged."
    )


def test_no_changes_says_so() -> None:
    assert render_text(no_change()) == "No changes.\n"


def test_each_room_change_has_its_symbol_and_id() -> None:
    out = lines(every_change())
    assert f"  - gone ({room_id('gone')})" in out
    assert f"  -/+ standup ({room_id('standup')}; the old room will be disabled)" in out
    assert "  + fresh" in out
    assert f"  - vanished ({room_id('vanished')}; forget only)" in out
    assert not any(line.strip().endswith(" same") for line in out)


def test_destructive_changes_come_first() -> None:
    out = lines(every_change())
    order = [out.index("  + fresh"), out.index(f"  - gone ({room_id('gone')})")]
    assert order[1] < order[0]


def test_replace_lists_fields_and_everyone_losing_links() -> None:
    out = lines(every_change())
    start = out.index(
        f"  -/+ standup ({room_id('standup')}; the old room will be disabled)"
    )
    block = out[start + 1 : start + 6]
    assert block[0] == "      the request changed and rooms cannot be updated"
    assert block[1].startswith('      ~ description: "standup" -> "Stand-up | ')
    assert block[2] == "      ~ duration: 3600 -> 1800"
    assert block[3] == (
        "      ! new links for every participant; current links stop working: "
        "alice, bob"
    )


def test_deleted_rooms_name_whose_links_stop_working() -> None:
    out = lines(every_change())
    start = out.index(f"  - gone ({room_id('gone')})")
    assert out[start + 2] == "      ! join links stop working: carol, dave"


def test_users_flags_and_leftover_work_are_listed() -> None:
    out = lines(every_change())
    users = out.index("Users:")
    assert out[users + 1 : users + 5] == [
        "  - old (forgotten: left in Kaleyra, no longer managed)",
        "  ~ bob",
        '      ~ role: "basic" -> "plus"',
        "  + carol (role basic)",
    ]
    assert "  ~ flagged: prevent_destroy -> true" in out
    assert "  - room_prev00000 (old room of standup): disable" in out
    assert "  ? fresh: reconcile the interrupted create first" in out
    assert out[-3:-1] == [
        "Users: 1 to create, 1 to update, 0 to delete, 1 to forget.",
        "Also: 1 room already gone to forget, 1 prevent_destroy flag to record, "
        "1 old room to retire, 1 interrupted create to reconcile.",
    ]


def test_state_only_work_is_not_blamed_on_an_interrupted_apply() -> None:
    # A prevent_destroy flag is ordinary work; only retiring rooms and pending
    # creates come from an interrupted apply, and each gets its own heading.
    out = lines(every_change())
    flags = out.index("State only (no API call):")
    assert out[flags + 1] == "  ~ flagged: prevent_destroy -> true"
    left = out.index("Left by an interrupted apply:")
    assert out[left + 1 : left + 3] == [
        "  - room_prev00000 (old room of standup): disable",
        "  ? fresh: reconcile the interrupted create first",
    ]
    only_flags = dataclasses.replace(every_change(), retiring=(), pending=())
    assert "Left by an interrupted apply:" not in lines(only_flags)


def test_warnings_come_first() -> None:
    plan = dataclasses.replace(every_change(), warnings=("mind the gap",))
    assert lines(plan)[0] == "Warning: mind the gap"


def test_plain_text_has_no_escape_sequence_even_from_the_files() -> None:
    text = render_text(every_change())
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\u001b[31mred\\u202e" in text


def test_colour_is_used_only_when_asked() -> None:
    coloured = render(every_change(), "text", color=True)
    assert "\x1b[32m  + fresh\x1b[0m" in coloured
    assert "\x1b[31m" in coloured and "\x1b[35m" in coloured
    assert render(every_change(), "text") == render_text(every_change())


def test_shown_values_are_json() -> None:
    assert shown(None) == "null"
    assert shown(["a", 1, True]) == '["a", 1, true]'
    assert shown("é\n") == '"é\\n"'
