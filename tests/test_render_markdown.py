"""The markdown plan: a PR comment that puts the damage first and fits."""

from __future__ import annotations

import dataclasses
import re

from plan_builders import by_name, room, state
from render_cases import TRICKY, every_change, no_change

from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.render import render
from provisioner.render.markdown import LIMIT, md, render_markdown, render_refused


def sections(text: str) -> list[str]:
    return re.findall(r"<details><summary>(.*?)</summary>", text)


def test_the_title_and_summary_table() -> None:
    text = render(every_change(), "markdown")
    lines = text.splitlines()
    assert lines[0] == "## Plan: 1 to create, 1 to replace, 1 to delete, 2 unchanged."
    table = lines[2:10]
    assert table[0] == "| | rooms | users |"
    assert "| 🔁 replace (new links) | 1 | |" in table
    assert "| 🗑️ delete | 1 | 0 |" in table
    assert "| forget (left alone on the API) | 1 | 1 |" in table
    assert "| unchanged | 2 | 1 |" in table


def test_no_changes() -> None:
    assert render_markdown(no_change()).splitlines()[0] == "## No changes."
    assert "<details>" not in render_markdown(no_change())


def test_a_warning_names_whose_links_stop_working_before_any_section() -> None:
    text = render_markdown(every_change())
    warning = text.index("> [!WARNING]")
    assert warning < text.index("<details>")
    assert "> - 🗑️ delete **gone**: carol, dave" in text
    assert "> - 🔁 replace **standup**: alice, bob" in text
    assert "Join links stop working in 2 rooms for 4 participants." in text


def test_one_section_per_changed_room_destructive_first() -> None:
    text = render_markdown(every_change())
    summaries = sections(text)
    assert [s.split("<b>")[1].split("</b>")[0] for s in summaries] == [
        "gone",
        "standup",
        "vanished",
        "fresh",
    ]
    assert text.index("### ⚠️ Destructive changes") < text.index("### Other changes")
    assert text.count("<details>") == text.count("</details>") == 4


def test_user_text_is_escaped() -> None:
    text = render_markdown(every_change())
    assert f'<code>"{md(TRICKY)}"</code>' in text
    for raw in (
        "<b>bold",
        "| <b>",
        "@team",
        "`tick`",
        "*star*",
        "[x]",
        " #12 ",
        "\x1b",
    ):
        assert raw not in text
    assert "&#124; &#60;b&#62;bold&#60;/b&#62; &#64;team &#96;tick&#96;" in text
    assert "&#92;u202e" in text


def test_fields_are_a_table_of_before_and_after() -> None:
    text = render_markdown(every_change())
    assert "| <code>duration</code> | <code>3600</code> | <code>1800</code> |" in text


def test_users_and_leftover_work() -> None:
    text = render_markdown(every_change())
    assert (
        '| ✏️ update | bob | role: <code>"basic"</code> → <code>"plus"</code> |' in text
    )
    assert "| forget | old | forgotten: left in Kaleyra, no longer managed |" in text
    assert "- ✏️ flagged: record prevent_destroy <code>true</code> (state only)" in text


def test_warnings_are_listed() -> None:
    plan = dataclasses.replace(every_change(), warnings=("a | b",))
    assert "### Warnings\n\n- ⚠️ a &#124; b\n" in render_markdown(plan)


def big_plan(count: int) -> Plan:
    people = [f"user-{i:02d}" for i in range(25)]
    old = [room(f"room-{i:05d}", people, description=f"old {i}") for i in range(count)]
    new = [
        room(f"room-{i:05d}", people, description=f"new {i} " + "x" * 200)
        for i in range(count)
    ]
    extra = [room(f"zz-new-{i:05d}", people) for i in range(count // 2)]
    return diff(by_name(*new, *extra), {}, state(old))


def test_thousands_of_rooms_stay_under_the_limit_and_are_summarised() -> None:
    plan = big_plan(2000)
    text = render_markdown(plan)
    assert len(text) <= LIMIT
    assert text.startswith(
        "## Plan: 1000 to create, 2000 to replace, 0 to delete, 0 unchanged."
    )
    shown = len(sections(text))
    assert 10 < shown < 2000
    assert text.count("<details>") == text.count("</details>")
    assert f"**{3000 - shown:,} more changes are not shown**" in text
    assert "Run `provisioner plan` for the full plan." in text
    assert "> - … and " in text  # the links warning is cut, not dropped
    assert "- … and " in text


def test_thousands_of_warnings_stay_under_the_limit() -> None:
    plan = dataclasses.replace(
        big_plan(10), warnings=tuple(f"warning {i} " + "w" * 100 for i in range(5000))
    )
    text = render_markdown(plan)
    assert len(text) <= LIMIT
    assert re.search(r"- … and \d+ more\n", text)


def test_any_limit_is_honoured() -> None:
    plan = big_plan(300)
    for limit in (20_000, 30_000, LIMIT):
        assert len(render_markdown(plan, limit=limit)) <= limit


def test_a_refused_plan_lists_every_reason_and_still_fits() -> None:
    reasons = "\n".join(f"refusing rule {n} <b>" for n in range(3))
    text = render_refused(every_change(), reasons)
    assert text.startswith(
        "## Plan: 1 to create, 1 to replace, 1 to delete, 2 unchanged.\n\n"
        "> [!CAUTION]\n> **Refused: apply would stop before any change.**\n"
        "> - refusing rule 0 &#60;b&#62;\n> - refusing rule 1 &#60;b&#62;\n"
        "> - refusing rule 2 &#60;b&#62;\n\n| | rooms | users |\n"
    )
    huge = "\n".join(f"refusing {'x' * 80} {n}" for n in range(2_000))
    assert len(render_refused(every_change(), huge, limit=20_000)) <= 20_000


def test_only_replaced_rooms_promise_new_links() -> None:
    plan = every_change()
    assert "Replaced rooms get new links: hand them out after apply" in (
        render_markdown(plan)
    )
    deletes_only = dataclasses.replace(
        plan, rooms=tuple(c for c in plan.rooms if c.action.value != "replace")
    )
    text = render_markdown(deletes_only)
    assert "> ⚠️ **Join links stop working in 1 room for 2 participants.**\n" in text
    assert "hand them out" not in text


def test_headings_say_what_the_sections_hold() -> None:
    plan = every_change()
    creates_only = dataclasses.replace(
        plan, rooms=tuple(c for c in plan.rooms if c.action.value == "create")
    )
    assert "### Changes\n" in render_markdown(creates_only)
    assert "### Other changes" not in render_markdown(creates_only)
    text = render_markdown(plan)
    assert "### State only (no API call)\n\n- ✏️ flagged" in text
    assert "### Left by an interrupted apply\n\n- 🗑️ room&#95;prev00000" in text
