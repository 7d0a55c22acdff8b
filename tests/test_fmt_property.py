"""fmt over the example files and generated ones: idempotent, data and comments kept.

The generator writes room files as text, line by line, with keys in any order,
block and flow styles, and comments everywhere a person puts them: above a
key (at its column or elsewhere), at the end of a line, after the last line
of a block, and blank lines between entries. Every comment is unique, so the
test can tell that each one is still there, once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioner import rules
from provisioner.config.roomfmt import ROOM_ORDER, TOP_ORDER, format_text
from provisioner.config.roundtrip import comment_lines

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "rooms").rglob("*.yaml"))
PROPERTY = settings(
    max_examples=int(__import__("os").environ.get("FMT_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def comments_of(text: str) -> list[str]:
    """The comment text of each line (whole-line and end-of-line), as written."""
    found = []
    for line in text.splitlines():
        if "#" in line:
            found.append("#" + line.split("#", 1)[1].rstrip())
    return found


def check_formatting_keeps_everything(text: str) -> str:
    formatted = format_text(text)
    assert format_text(formatted) == formatted, "not idempotent"
    assert yaml.safe_load(formatted) == yaml.safe_load(text)
    assert Counter(comments_of(formatted)) == Counter(comments_of(text))
    assert comment_lines(formatted) == comment_lines(text)
    return formatted


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_example_files_are_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert check_formatting_keeps_everything(text) == text


# --- generated room files -------------------------------------------------


@dataclass
class Node:
    """A YAML value to write: a block mapping or sequence, or one-line text."""

    entries: list[tuple[str, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    text: str | None = None
    sequence: bool = False


@dataclass
class Writer:
    """Draws where comments go while it writes a Node as text."""

    draw: st.DrawFn
    lines: list[str] = field(default_factory=list)
    count: int = 0
    above: dict[str, str] = field(default_factory=dict)
    """Key line -> the comment written directly above it, at its column."""

    def comment(self) -> str:
        self.count += 1
        return f"# c{self.count} {self.draw(st.sampled_from(['note', 'x: y', '-']))}"

    def eol(self) -> str:
        return f"  {self.comment()}" if self.draw(st.booleans()) else ""

    def gap(self, col: int) -> str | None:
        """Blank lines and comment lines before an entry; the last comment if at col."""
        last = None
        for _ in range(self.draw(st.integers(0, 3))):
            kind = self.draw(st.sampled_from(["blank", "here", "elsewhere"]))
            if kind == "blank":
                self.lines.append("")
                last = None
                continue
            where = col if kind == "here" else self.draw(st.integers(0, col + 4))
            last = self.comment()
            self.lines.append(" " * where + last)
            last = last if where == col else None
        return last

    def mapping(self, node: Node, col: int) -> None:
        for key, value in node.entries:
            last = self.gap(col)
            head = " " * col + f"{key}:"
            if last is not None:
                self.above[head] = last
            self.value(head, value, col)

    def sequence(self, node: Node, col: int) -> None:
        for item in node.items:
            self.gap(col)
            if item.text is not None:
                self.lines.append(" " * col + f"- {item.text}{self.eol()}")
                continue
            first, *rest = item.entries
            inner = Node(entries=rest)
            self.value(" " * col + f"- {first[0]}:", first[1], col + 2)
            self.mapping(inner, col + 2)

    def value(self, head: str, value: Node, col: int) -> None:
        if value.text is not None:
            self.lines.append(f"{head} {value.text}{self.eol()}")
            return
        self.lines.append(head + self.eol())
        indent = len(head) - len(head.lstrip(" -")) + 2
        if value.sequence:
            self.sequence(value, indent)
        else:
            self.mapping(value, indent)
        if self.draw(st.booleans()):  # a comment closing the block
            self.lines.append(
                " " * self.draw(st.integers(indent, indent + 2)) + self.comment()
            )


def scalar(text: str) -> Node:
    return Node(text=text)


@st.composite
def shuffled(draw: st.DrawFn, items: list[tuple[str, Node]]) -> list[tuple[str, Node]]:
    return list(draw(st.permutations(items)))


ROOM_VALUES = {
    "description": st.sampled_from(["Stand-up", "'quoted: yes'", '"Clinic #2"']),
    "duration": st.sampled_from(["60", "3600", "86400"]),
    "recording": st.sampled_from(["true", "false"]),
    "recording_type": st.sampled_from(["manual", "automatic"]),
    "call_type": st.sampled_from(["audio_only", "audio_video"]),
    "live": st.sampled_from(["true", "false"]),
    "direct_call": st.sampled_from(["true", "false"]),
    "initiator_alias": st.sampled_from(["alice", "bob"]),
    "call_action": st.sampled_from(["{kind: ring}", "{}"]),
    "prevent_destroy": st.sampled_from(["true", "false"]),
    "x-owner": st.sampled_from(["team-a", "null"]),
}


@st.composite
def participant(draw: st.DrawFn) -> Node:
    user = draw(st.sampled_from(["alice", "bob", "carol", "dave"]))
    style = draw(st.sampled_from(["flow", "block", "tools"]))
    if style == "flow":
        return scalar(f"{{user_id: {user}, is_admin: true}}")
    entries = [("user_id", scalar(user))]
    if style == "tools":
        tools = Node(
            entries=[("chat", scalar("true")), ("whiteboard", scalar("{wb_pen: true}"))]
        )
        entries.append(
            ("tools", draw(st.sampled_from([tools, scalar("{chat: true}")])))
        )
    return Node(entries=entries)


@st.composite
def room(draw: st.DrawFn) -> Node:
    names = draw(
        st.lists(st.sampled_from(sorted(ROOM_VALUES)), unique=True, max_size=5)
    )
    entries = [(name, scalar(draw(ROOM_VALUES[name]))) for name in names]
    people = draw(st.lists(participant(), min_size=1, max_size=3))
    entries.append(("participants", Node(items=people, sequence=True)))
    return Node(entries=draw(shuffled(entries)))


@st.composite
def room_file(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    names = draw(
        st.lists(
            st.sampled_from(["alpha", "b-2", "zeta", "mid", "c1"]),
            unique=True,
            min_size=1,
        )
    )
    rooms = Node(entries=[(name, draw(room())) for name in names])
    if len(names) > 1 and draw(st.booleans()):
        # An anchor in the first room written, its alias in the last one:
        # sorting may put the alias first, and YAML must still read it.
        for (_, spec), tools in zip(
            (rooms.entries[0], rooms.entries[-1]),
            ("&agent {chat: true}", "*agent"),
            strict=True,
        ):
            agent = Node(
                entries=[("user_id", scalar("erin")), ("tools", scalar(tools))]
            )
            dict(spec.entries)["participants"].items.append(agent)
    defaults = Node(
        entries=[("recording", scalar("true")), ("duration", scalar("600"))]
    )
    users = Node(
        entries=[
            ("alice", scalar("{role: plus}")),
            (
                "bob",
                Node(entries=[("language", scalar("en")), ("role", scalar("basic"))]),
            ),
        ]
    )
    external = draw(
        st.sampled_from(
            [scalar("[frontdesk]"), Node(items=[scalar("frontdesk")], sequence=True)]
        )
    )
    top = [
        ("rooms", rooms),
        ("defaults", defaults),
        ("users", users),
        ("external_users", external),
        ("x-notes", scalar("kept")),
    ]
    chosen = draw(st.lists(st.sampled_from(top), unique_by=lambda e: e[0], min_size=1))
    writer = Writer(draw)
    if draw(st.booleans()):
        writer.lines.append(
            "# yaml-language-server: $schema=../schemas/rooms.schema.json"
        )
    if draw(st.booleans()):
        writer.lines += [writer.comment(), "---"]
    writer.mapping(Node(entries=chosen), 0)
    if draw(st.booleans()):
        writer.lines.append(writer.comment())
    return "\n".join(writer.lines) + "\n", writer.above


def key_order(mapping: dict[str, object], order: tuple[str, ...]) -> list[int]:
    return [order.index(k) if k in order else len(order) for k in mapping]


@PROPERTY
@given(room_file())
def test_formatting_keeps_data_and_comments_and_is_idempotent(
    drawn: tuple[str, dict[str, str]],
) -> None:
    text, _ = drawn
    formatted = check_formatting_keeps_everything(text)
    data = yaml.safe_load(formatted)
    assert key_order(data, TOP_ORDER) == sorted(key_order(data, TOP_ORDER))
    rooms = data.get("rooms") or {}
    assert list(rooms) == sorted(rooms)
    for spec in rooms.values():
        assert key_order(spec, ROOM_ORDER) == sorted(key_order(spec, ROOM_ORDER))


def line_of(lines: list[str], head: str) -> int:
    """The line that starts the entry `head` (`key:` at its column)."""
    return next(
        number
        for number, line in enumerate(lines)
        if line == head or line.startswith(head + " ")
    )


@PROPERTY
@given(room_file())
def test_a_comment_above_a_key_stays_above_it(
    drawn: tuple[str, dict[str, str]],
) -> None:
    text, above = drawn
    written = text.splitlines()
    lines = format_text(text).splitlines()
    for head, comment in above.items():
        if head.startswith(" " * 3):
            continue  # only top-level keys and room names are unique lines
        before = written[: line_of(written, head)]
        if all(
            line.strip() in ("", "---") or line.strip()[0] == "#" for line in before
        ):
            continue  # the document's opening comments stay on top
        content = [line for line in before if line.strip()[:1] not in ("", "#")]
        if content and "&agent" in content[-1]:
            continue  # hung on an anchored value, which ruamel shares: see roomcomments
        assert (
            lines[line_of(lines, head) - 1] == " " * head.index(head.strip()) + comment
        )


def test_participants_are_kept_as_written() -> None:
    rules_order = [f.name for f in rules.PARTICIPANT_FIELDS]
    assert rules_order == ["user_id", "is_admin"]
    text = (
        "rooms:\n"
        "  r:\n"
        "    participants:\n"
        "      - tools: {chat: true}\n"
        "        user_id: bob\n"
        "      - {is_admin: true, user_id: alice}\n"
        "    duration: 60\n"
    )
    assert format_text(text) == (
        "rooms:\n"
        "  r:\n"
        "    duration: 60\n"
        "    participants:\n"
        "      - tools: {chat: true}\n"
        "        user_id: bob\n"
        "      - {is_admin: true, user_id: alice}\n"
    )


def documented_room_files() -> list[str]:
    """The room files shown in the README and docs (those naming the schema)."""
    blocks = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in page.read_text(encoding="utf-8").split("```yaml\n")[1:]:
            text = block.split("```", 1)[0]
            if "$schema=../schemas/rooms.schema.json" in text and "rooms:" in text:
                blocks.append(text)
    return blocks


def test_the_documented_room_files_are_formatted() -> None:
    blocks = documented_room_files()
    assert len(blocks) >= 2
    for text in blocks:
        assert format_text(text) == text
