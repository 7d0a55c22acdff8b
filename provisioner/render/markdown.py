"""The plan as a pull-request comment: summary first, destructive changes loudly.

Layout: for an offline plan a first line saying so (and what it did not
check), a title with the closing line, a summary table, a warning naming whose
join links stop working, the safety overrides that let the plan through, the
warnings, then one `<details>` section per room
(destructive first), the users, and state-only work. Every piece of text from
the files goes through `md()`, so `|`, `<`, `@` or a backtick in a description
cannot break the table, inject HTML or ping someone. The comment never exceeds
`LIMIT` characters: past the budget, changes are summarised, not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from provisioner.plan import Action, Plan, RoomChange, Summary, UserChange
from provisioner.render.groups import grouped, rooms
from provisioner.render.text import (
    NOT_CHECKED,
    closing_line,
    extra_lines,
    offline_banner,
    override,
    printable,
    shown,
)

LIMIT: Final = 60_000
LINKS_BUDGET: Final = 12_000
WARNINGS_BUDGET: Final = 6_000
NOTE_BUDGET: Final = 6_000
_ESCAPED: Final = "&<>|\\`*_[]~#@!"
_TABLE: Final = str.maketrans({c: f"&#{ord(c)};" for c in _ESCAPED})
_SYMBOL: Final = {
    Action.CREATE: "\N{HEAVY PLUS SIGN}",
    Action.REPLACE: "🔁",
    Action.DELETE: "🗑️",
    Action.UPDATE: "✏️",
    Action.MOVE: "➡️",
    Action.IMPORT: "📥",
    Action.FORGET: "✂️",
}


@dataclass(frozen=True)
class _Block:
    """One piece of the body that is either shown whole or summarised."""

    label: str
    text: str


def md(text: str) -> str:
    """Text safe inside markdown and HTML: every special character an entity."""
    return printable(text).translate(_TABLE)


def code(value: Any) -> str:
    """A value as escaped inline code (JSON, control characters escaped)."""
    return f"<code>{md(shown(value))}</code>"


GROUP_NAMES_BUDGET: Final = 4_000
"""Characters of room names one group of identical changes may show."""
CHECKSUM_MARKER: Final = "provisioner-plan-checksum:"
"""Precedes the checksum in a hidden HTML comment of the markdown plan."""


def render_markdown(plan: Plan, limit: int = LIMIT) -> str:
    """The PR comment for `plan`, at most `limit` characters."""
    return _banner(plan) + _body(plan, limit - len(_banner(plan)))


def _banner(plan: Plan) -> str:
    """An offline plan starts by saying so: a reviewer must not take it for a
    refreshed one. The reason is ours (see `offline_banner`), not the files'."""
    banner = offline_banner(plan, md)
    return f"{banner} \N{EM DASH} {NOT_CHECKED}\n\n" if banner else ""


def _body(plan: Plan, limit: int) -> str:
    """The comment after the banner: title first."""
    head = _head(plan)
    tail = _tail(plan)
    blocks = list(_blocks(plan))
    budget = limit - len(head) - len(tail) - NOTE_BUDGET
    shown_blocks = _fit(blocks, budget)
    body = "".join(b.text for b in blocks[:shown_blocks])
    note = _omitted(blocks[shown_blocks:], limit)
    text = head + body + note + tail
    if len(text) > limit:  # only with an absurdly small limit
        cut = "\n\n_(truncated)_\n"
        text = text[: limit - len(cut)] + cut
    return text


def render_refused(plan: Plan, reason: str, limit: int = LIMIT) -> str:
    """The PR comment for a plan that failed its checks: the reason comes first.

    Without it, a refused plan would read like an approvable one in the PR.
    """
    lines = [f"> - {md(line)}" for line in reason.splitlines() if line.strip()]
    block = _bounded(
        ["> [!CAUTION]", "> **Refused: apply would stop before any change.**"],
        lines,
        NOTE_BUDGET,
        "> - … and {n} more",
    )
    banner = _banner(plan)
    body = _body(plan, limit - len(banner) - len(block) - 2)
    title, _, rest = body.partition("\n")
    return f"{banner}{title}\n\n{block}{rest}"


def _fit(blocks: Sequence[_Block], budget: int) -> int:
    """How many blocks, from the first, fit in `budget` characters."""
    used = 0
    for count, block in enumerate(blocks):
        used += len(block.text)
        if used > budget:
            return count
    return len(blocks)


def _head(plan: Plan) -> str:
    summary = plan.summary()
    s = summary
    lines = [
        f"## {closing_line(summary, plan.has_changes)}",
        "",
        "| | rooms | users |",
        "|---|---:|---:|",
        f"| {_SYMBOL[Action.CREATE]} create | {s.create} | {s.users_create} |",
        f"| 🔁 replace (new links) | {s.replace} | |",
        f"| ✏️ update | | {s.users_update} |",
        f"| 🗑️ delete | {s.delete} | {s.users_delete} |",
        f"| forget (left alone on the API) | {s.forget} | {s.users_forget} |",
        f"| unchanged | {s.unchanged} | {s.users_unchanged} |",
        *_entry_rows(summary),
        "",
        *[f"{line}\n" for line in extra_lines(summary) if line.startswith("Also")],
        *_checksum(plan),
        "",
    ]
    return (
        "\n".join(lines)
        + _links(plan)
        + _overrides(plan)
        + _warnings(plan)
        + _notes(plan)
    )


def _entry_rows(s: Summary) -> list[str]:
    """The rows of the room files' entries, when a plan has any."""
    rows = [
        (s.moved, f"{_SYMBOL[Action.MOVE]} moved (same room, same links)"),
        (s.imported, f"{_SYMBOL[Action.IMPORT]} import (no API write)"),
        (s.removed, f"{_SYMBOL[Action.FORGET]} forget (removed: left on the API)"),
    ]
    return [f"| {label} | {n} | |" for n, label in rows if n]


def _notes(plan: Plan) -> str:
    if not plan.notes:
        return ""
    items = [f"- {md(note)}" for note in plan.notes]
    return (
        _bounded(["### Notes", ""], items, WARNINGS_BUDGET, "- … and {n} more") + "\n"
    )


def _overrides(plan: Plan) -> str:
    """Each safety refusal an allowance lifted, and which one (never silent)."""
    if not plan.allowed:
        return ""
    items = [
        f"> - {md(what)}; {allowed}" for what, allowed in map(override, plan.allowed)
    ]
    head = ["> [!IMPORTANT]", "> **Safety checks overridden:**"]
    return _bounded(head, items, NOTE_BUDGET, "> - … and {n} more") + "\n"


def _checksum(plan: Plan) -> list[str]:
    """Shown for reviewers, and hidden in a marker for the apply that follows."""
    if not plan.has_changes:
        return []
    return [
        f"Checksum `{plan.checksum}`: the apply after merge refuses any other plan.",
        f"<!-- {CHECKSUM_MARKER} {plan.checksum} -->",
        "",
    ]


def _links(plan: Plan) -> str:
    hurt = [c for c in plan.rooms if c.destructive and c.links_lost]
    if not hurt:
        return ""
    people = len({p for c in hurt for p in c.links_lost})
    # Only a replaced room has new links to hand out; a deleted one has none.
    new_links = any(c.action is Action.REPLACE for c in hurt)
    hand_out = (
        " Replaced rooms get new links: hand them out after apply "
        "(`provisioner output`)."
        if new_links
        else ""
    )
    lines = [
        f"> [!WARNING]\n> ⚠️ **Join links stop working in {len(hurt)} "
        f"room{'s' if len(hurt) != 1 else ''} for {people} "
        f"participant{'s' if people != 1 else ''}.**{hand_out}"
    ]
    items = [
        f"> - {_SYMBOL[c.action]} {c.action} **{md(c.name)}**: "
        f"{md(', '.join(c.links_lost))}"
        for c in hurt
    ]
    return _bounded(lines, items, LINKS_BUDGET, "> - … and {n} more rooms") + "\n"


def _warnings(plan: Plan) -> str:
    if not plan.warnings:
        return ""
    items = [f"- ⚠️ {md(w)}" for w in plan.warnings]
    return (
        _bounded(["### Warnings", ""], items, WARNINGS_BUDGET, "- … and {n} more")
        + "\n"
    )


def _bounded(head: list[str], items: list[str], budget: int, more: str) -> str:
    """`head` then as many `items` as fit in `budget`, then a count of the rest."""
    lines = list(head)
    used = sum(len(line) + 1 for line in lines)
    for index, item in enumerate(items):
        if used + len(item) + 1 > budget - 40:
            lines.append(more.format(n=len(items) - index))
            break
        lines.append(item)
        used += len(item) + 1
    return "\n".join(lines) + "\n"


def _blocks(plan: Plan) -> Iterator[_Block]:
    destructive = [c for c in plan.room_changes() if c.destructive]
    others = [c for c in plan.room_changes() if not c.destructive]
    yield from _grouped("### ⚠️ Destructive changes", destructive, plan.on_replace)
    heading = "### Other changes" if destructive else "### Changes"
    yield from _grouped(heading, others, plan.on_replace)
    users = plan.user_changes()
    for index, user in enumerate(users):
        heading = "### Users\n\n| | user | changes |\n|---|---|---|\n"
        text = (heading if index == 0 else "") + _user_row(user)
        end = "\n" if index == len(users) - 1 else ""
        yield _Block(f"{user.action} user {user.user_id}", text + end)


def _grouped(
    heading: str, changes: Sequence[RoomChange], on_replace: str
) -> Iterator[_Block]:
    for index, group in enumerate(grouped(changes)):
        first = group[0]
        if len(group) == 1:
            text = _room_section(first, on_replace)
            label = f"{first.action} {first.name}"
        else:
            text = _group_section(group, on_replace)
            label = f"{first.action} {rooms(len(group))}"
        if index == 0:
            text = f"{heading}\n\n{text}"
        yield _Block(label, text)


def _group_section(group: Sequence[RoomChange], on_replace: str) -> str:
    """Identical changes as one section: what changes once, every room named."""
    first = group[0]
    what = "; ".join(
        f"{f.path} {shown(f.before)} → {shown(f.after)}" for f in first.fields[:3]
    )
    people = sorted({p for c in group for p in c.links_lost})
    lines = [
        f"<details><summary>{_SYMBOL[first.action]} {first.action} "
        f"<b>{rooms(len(group))}</b>{': ' + md(what) if what else ''}</summary>",
        "",
        *[f"- {md(reason)}" for reason in first.reasons],
    ]
    if first.action is Action.REPLACE:
        lines.append(f"- each old room will be {on_replace}d")
    if people and first.destructive:
        lines.append(f"- ⚠️ links of {len(people):,} people stop working")
    lines.extend(_field_table(first))
    names = [md(c.name) + "," for c in group[:-1]] + [md(group[-1].name)]
    lines += ["", _bounded(["Rooms:"], names, GROUP_NAMES_BUDGET, "… and {n} more")]
    return "\n".join(lines) + "\n</details>\n\n"


def _room_section(change: RoomChange, on_replace: str) -> str:
    lines = [
        f"<details><summary>{_SYMBOL[change.action]} {change.action} "
        f"<b>{md(change.name)}</b>{_summary_note(change)}</summary>",
        "",
        *[f"- {md(reason)}" for reason in change.reasons],
    ]
    if change.action is Action.REPLACE:
        lines.append(f"- the old room {md(change.room_id or '')} will be {on_replace}d")
    people = md(", ".join(change.links_lost))
    if change.links_lost and change.destructive:
        lines.append(f"- ⚠️ links of {people} stop working")
    elif change.links_lost:
        lines.append(f"- the old links of {people} already stopped working")
    if change.unchecked:
        unread = md(", ".join(change.unchecked))
        lines.append(f"- not checked (room/info does not show it): {unread}")
    lines.extend(_field_table(change))
    return "\n".join(lines) + "\n\n</details>\n\n"


def _summary_note(change: RoomChange) -> str:
    if change.forget_only:
        return f" ({md(change.room_id or '')}, already gone: forget only)"
    if change.action is Action.CREATE:
        return ""
    count = len(change.fields)
    changed = f", {count} field{'s' if count != 1 else ''} changed" if count else ""
    return f" ({md(change.room_id or '')}{changed})"


def _field_table(change: RoomChange) -> Iterable[str]:
    rows = [(md(f.path), code(f.before), code(f.after)) for f in change.fields]
    if change.action is Action.CREATE and change.request is not None:
        rows = [
            (md(key), "", code(value))
            for key, value in change.request.items()
            if key != "participants"
        ]
        rows.append(("participants", "", _people(change.request["participants"])))
    if not rows:
        return []
    return [
        "",
        "| field | before | after |",
        "|---|---|---|",
        *[f"| <code>{path}</code> | {old} | {new} |" for path, old, new in rows],
    ]


def _people(participants: Iterable[Any]) -> str:
    return ", ".join(
        md(str(p["user_id"])) + (" (admin)" if p.get("is_admin") else "")
        for p in participants
    )


def _user_row(change: UserChange) -> str:
    if change.forget_only:
        what = "forgotten: left in Kaleyra, no longer managed"
    elif change.fields:
        what = "<br>".join(
            f"{md(f.path)}: {code(f.before)} → {code(f.after)}" for f in change.fields
        )
    elif change.after is not None:
        what = f"role {code(change.after['role'])}"
    else:
        what = "deleted from Kaleyra"
    action = (
        "forget" if change.forget_only else f"{_SYMBOL[change.action]} {change.action}"
    )
    return f"| {action} | {md(change.user_id)} | {what} |\n"


def _tail(plan: Plan) -> str:
    flags = [
        f"- ✏️ {md(f.name)}: record prevent_destroy {code(f.prevent_destroy)} "
        "(state only)"
        for f in plan.flags
    ]
    items: list[str] = [
        f"- 🗑️ {md(r.room_id)}, the old room of {md(r.name)}: {md(r.action)} "
        "(an interrupted apply left it)"
        for r in plan.retiring
    ]
    items += [
        f"- ❓ {md(name)}: an interrupted create, reconciled first"
        for name in plan.pending
    ]
    sections = [
        _bounded([heading, ""], found, NOTE_BUDGET // 2, "- … and {n} more")
        for heading, found in (
            ("### State only (no API call)", flags),
            ("### Left by an interrupted apply", items),
        )
        if found
    ]
    return "\n".join(sections)


def _omitted(blocks: Sequence[_Block], limit: int) -> str:
    if not blocks:
        return ""
    counts: dict[str, int] = {}
    for block in blocks:
        kind = block.label.rsplit(" ", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    tally = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
    head = [
        f"> **{len(blocks):,} more changes are not shown** ({md(tally)}) to keep "
        f"this comment under {limit:,} characters. Run `provisioner plan` for "
        "the full plan.",
        "",
        "Not shown:",
    ]
    items = [f"- {md(b.label)}" for b in blocks]
    return _bounded(head, items, NOTE_BUDGET, "- … and {n} more") + "\n"
