"""The plan for a terminal: Terraform-like symbols, coloured only when asked.

    + create    -/+ replace (new links)    - delete    ~ changed field/user

Unchanged rooms are only counted. Every value from the files is shown through
`shown()`, so a description cannot smuggle terminal escape sequences.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any, Final

from provisioner.model import participant_ids
from provisioner.plan import (
    Action,
    Allowance,
    Plan,
    RoomChange,
    Summary,
    UserChange,
)
from provisioner.plan.changes import NOT_CHECKED_OFFLINE, OFFLINE_REASONS
from provisioner.plan.request import allowance_phrase
from provisioner.render.groups import grouped, rooms

_SYMBOL: Final = {
    Action.CREATE: "+",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.UPDATE: "~",
    Action.MOVE: "~>",
    Action.IMPORT: "<=",
    Action.FORGET: ".",
}
ROOMS_PER_LINE: Final = 4
_COLOR: Final = {
    **{"+": "32", "-/+": "35", "-": "31", "~": "33", "!": "1;31", "?": "33"},
    **{"~>": "36", "<=": "36", ".": "33"},
}
_ENTRY_NOTES: Final = {
    Action.MOVE: " ({change.room_id}; moved from {change.moved_from}, no API call)",
    Action.IMPORT: " ({change.room_id}; adopted into the state, no API write)",
    Action.FORGET: " ({change.room_id}; forget: the room stays on the API)",
}
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp"})


def printable(text: str) -> str:
    """`text` with every control or format character escaped as \\uXXXX."""
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch
        for ch in text
    )


def shown(value: Any) -> str:
    """A value as JSON, with every control or format character escaped."""
    return printable(json.dumps(value, ensure_ascii=False, sort_keys=True))


def closing_line(summary: Summary, has_changes: bool) -> str:
    """`Plan: 2 to create, 1 to replace, 0 to delete, 5 unchanged.` or No changes."""
    if not has_changes:
        return "No changes."
    return (
        f"Plan: {summary.create} to create, {summary.replace} to replace, "
        f"{summary.delete} to delete, {summary.unchanged} unchanged."
    )


def extra_lines(summary: Summary) -> list[str]:
    """The users line and the state-only line, when they have anything to say."""
    lines = []
    s = summary
    if s.users_create or s.users_update or s.users_delete or s.users_forget:
        lines.append(
            f"Users: {s.users_create} to create, {s.users_update} to update, "
            f"{s.users_delete} to delete, {s.users_forget} to forget."
        )
    also = [
        (s.forget, "room already gone to forget", "rooms already gone to forget"),
        (
            s.state_only,
            "prevent_destroy flag to record",
            "prevent_destroy flags to record",
        ),
        (s.retire, "old room to retire", "old rooms to retire"),
        (s.moved, "room to move (same links)", "rooms to move (same links)"),
        (s.imported, "room to import", "rooms to import"),
        (
            s.removed,
            "room to forget (left on the API)",
            "rooms to forget (left on the API)",
        ),
        (
            s.pending,
            "interrupted create to reconcile",
            "interrupted creates to reconcile",
        ),
    ]
    parts = [f"{n} {one if n == 1 else many}" for n, one, many in also if n]
    if parts:
        lines.append(f"Also: {', '.join(parts)}.")
    return lines


def offline_banner(plan: Plan, escape: Callable[[str], str] = printable) -> str:
    """`offline plan (refresh off: --no-refresh)`, or "" for a refreshed plan.

    A reason other than ours (a hand-edited plan file) goes through `escape`.
    """
    if plan.refreshed:
        return ""
    reason = plan.offline_reason
    shown_reason = reason if reason in OFFLINE_REASONS else escape(reason)
    return f"offline plan (refresh off: {shown_reason or 'unknown'})"


NOT_CHECKED: Final = "not checked: " + ", ".join(NOT_CHECKED_OFFLINE)
"""What an offline plan says it did not check."""


def override(allowance: Allowance) -> tuple[str, str]:
    """What a refusal would have stopped, and `allowed by FLAG (VARIABLE)`."""
    return allowance.what, f"allowed by {allowance_phrase(allowance.name)}"


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as terminal text ending in the closing line."""
    paint = _Paint(color)
    lines = _preamble(plan, paint)
    for group in grouped(plan.room_changes()):
        if len(group) == 1:
            lines.extend(_room(group[0], plan.on_replace, paint))
        else:
            lines.extend(_group(group, plan.on_replace, paint))
    lines.extend(_users(plan, paint))
    lines.extend(_leftovers(plan, paint))
    if plan.has_changes:
        lines.append("")
    summary = plan.summary()
    if plan.has_changes:
        lines.append(checksum_line(plan))
    lines.extend(extra_lines(summary))
    lines.append(closing_line(summary, plan.has_changes))
    return "\n".join(lines) + "\n"


def checksum_line(plan: Plan) -> str:
    """What `apply --expect-checksum` compares with the plan made at merge."""
    return f"Checksum: {plan.checksum}"


def _preamble(plan: Plan, paint: _Paint) -> list[str]:
    """The offline banner, warnings and overrides, each group then a blank line."""
    banner = offline_banner(plan)
    groups = [
        [paint("?", banner), f"  {NOT_CHECKED}"] if banner else [],
        [paint("!", f"Warning: {w}") for w in plan.warnings],
        [
            paint("!", f"Override: {printable(what)}; {allowed}")
            for what, allowed in map(override, plan.allowed)
        ],
        [f"Note: {note}" for note in plan.notes],
    ]
    return [line for group in groups if group for line in (*group, "")]


class _Paint:
    """Wraps a line in the ANSI colour of its symbol, or leaves it plain."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, symbol: str, text: str) -> str:
        if not self.color:
            return text
        return f"\x1b[{_COLOR[symbol]}m{text}\x1b[0m"


def _room(change: RoomChange, on_replace: str, paint: _Paint) -> Iterator[str]:
    symbol = _SYMBOL[change.action]
    yield paint(symbol, f"  {symbol} {change.name}{_room_note(change, on_replace)}")
    for reason in change.reasons:
        yield f"      {reason}"
    for field in change.fields:
        yield paint(
            "~", f"      ~ {field.path}: {shown(field.before)} -> {shown(field.after)}"
        )
    if change.action is Action.CREATE and change.request is not None:
        for key, value in change.request.items():
            if key != "participants":
                yield f"      {key}: {shown(value)}"
        people = participant_ids(change.request)
        yield f"      participants: {', '.join(people)}"
    if change.links_lost:
        yield paint("!", f"      ! {_links_phrase(change)}")
    if change.unchecked:
        unread = ", ".join(change.unchecked)
        yield f"      not checked (room/info does not show it): {unread}"


def _group(
    group: tuple[RoomChange, ...], on_replace: str, paint: _Paint
) -> Iterator[str]:
    """Identical changes once, then every room they touch (ROOMS_PER_LINE a line)."""
    first = group[0]
    symbol = _SYMBOL[first.action]
    old = (
        f" (each old room will be {on_replace}d)"
        if first.action is Action.REPLACE
        else ""
    )
    yield paint(symbol, f"  {symbol} {rooms(len(group))} to {first.action}{old}")
    for reason in first.reasons:
        yield f"      {reason}"
    for field in first.fields:
        yield paint(
            "~", f"      ~ {field.path}: {shown(field.before)} -> {shown(field.after)}"
        )
    people = sorted({p for change in group for p in change.links_lost})
    if people and first.destructive:
        yield paint("!", f"      ! join links stop working for {len(people):,} people")
    named = [f"{printable(c.name)} ({c.room_id})" for c in group]
    for start in range(0, len(named), ROOMS_PER_LINE):
        yield "      " + ", ".join(named[start : start + ROOMS_PER_LINE])


def _room_note(change: RoomChange, on_replace: str) -> str:
    if change.action in _ENTRY_NOTES:
        return _ENTRY_NOTES[change.action].format(change=change)
    if change.action is Action.REPLACE:
        return f" ({change.room_id}; the old room will be {on_replace}d)"
    if change.action is Action.DELETE and change.forget_only:
        return f" ({change.room_id}; forget only)"
    if change.action is Action.DELETE:
        return f" ({change.room_id})"
    return ""


def _links_phrase(change: RoomChange) -> str:
    people = ", ".join(change.links_lost)
    if change.action is Action.REPLACE:
        return f"new links for every participant; current links stop working: {people}"
    if change.action is Action.CREATE or change.forget_only:
        return f"the old links already stopped working: {people}"
    return f"join links stop working: {people}"


def _users(plan: Plan, paint: _Paint) -> Iterator[str]:
    changes = plan.user_changes()
    if changes:
        yield ""
        yield "Users:"
    for change in changes:
        symbol = _SYMBOL[change.action]
        yield paint(symbol, f"  {symbol} {change.user_id}{_user_note(change)}")
        for field in change.fields:
            yield paint(
                "~",
                f"      ~ {field.path}: {shown(field.before)} -> {shown(field.after)}",
            )


def _user_note(change: UserChange) -> str:
    if change.forget_only:
        return " (forgotten: left in Kaleyra, no longer managed)"
    if change.action is Action.DELETE:
        return " (deleted from Kaleyra)"
    if change.action is Action.CREATE and change.after is not None:
        return f" (role {change.after['role']})"
    return ""


def _leftovers(plan: Plan, paint: _Paint) -> Iterator[str]:
    if plan.flags:
        yield ""
        yield "State only (no API call):"
    for flag in plan.flags:
        yield paint(
            "~", f"  ~ {flag.name}: prevent_destroy -> {shown(flag.prevent_destroy)}"
        )
    if plan.retiring or plan.pending:
        yield ""
        yield "Left by an interrupted apply:"
    for retire in plan.retiring:
        yield paint(
            "-",
            f"  - {retire.room_id} (old room of {retire.name}): {retire.action}",
        )
    for name in plan.pending:
        yield paint("?", f"  ? {name}: reconcile the interrupted create first")
