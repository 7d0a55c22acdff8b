"""Reorder a ruamel.yaml mapping so that comment lines move with their key.

ruamel.yaml hangs the lines between two entries (comments and blank lines) on
the last node of the entry before: on the end-of-line comment of its deepest
last scalar. Reordering the keys alone would leave a comment written above a
room behind, above whatever room now takes its place. So before a mapping is
reordered, the lines between its entries are detached and handed to the entry
they precede; a line indented deeper than the mapping's keys stays with the
entry above it (it closes that entry). After reordering, each key's lines are
set as its "before" comments, and the lines after the last entry stay last.

Blank lines: the new first key loses the blank lines above it, and when most
entries of the mapping were separated by a blank line, every entry after the
first is. A mapping already in order is not touched at all.

Only block mappings are rearranged this way; a flow mapping (`{a: 1}`) is
reordered in place, it holds no comment lines. A mapping with a merge key
(`<<: *base`) is left as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Line = tuple[int, str]
"""A line between entries: its column, and its text ('' for a blank line)."""

# ruamel's comment slots: a mapping entry keeps the comment after its value at
# index 2 and the lines before its key at 1; a sequence item's comment is at 0.
_MAP_POST, _PRE, _SEQ_POST, _VALUE_PRE = 2, 1, 0, 3
Parent = tuple[CommentedMap, Any] | None


def reorder(
    mapping: CommentedMap,
    rank: Callable[[Any], Any],
    col: int,
    parent: Parent = None,
) -> None:
    """Sort `mapping`'s keys by `rank` (stable), its keys written at column `col`.

    `parent` is the mapping and key that hold `mapping` (None for the document).
    """
    keys = list(mapping)
    wanted = sorted(keys, key=rank)
    if wanted == keys or getattr(mapping, "merge", None):
        return
    if mapping.fa.flow_style():
        _move(mapping, wanted)
        return
    leading, trailing = _detach(mapping, keys, col, parent)
    _move(mapping, wanted)
    _attach(mapping, wanted, leading, col)
    if trailing:
        _append(_trail(mapping, wanted[-1]), trailing)


def open_document(doc: CommentedMap, above: list[CommentToken]) -> None:
    """Set the document's opening comments: `above` first, no blank line on top."""
    own = (doc.ca.comment or [None, None])[1] or []
    lines = _without_leading_blanks(_token_lines([*above, *own]))
    if doc.ca.comment is None:
        doc.ca.comment = [None, None]
    doc.ca.comment[1] = [_pre_token(text, col) for col, text in lines] or None


def _move(mapping: CommentedMap, wanted: list[Any]) -> None:
    for key in wanted:
        mapping.move_to_end(key)


def _detach(
    mapping: CommentedMap, keys: list[Any], col: int, parent: Parent
) -> tuple[dict[Any, list[Line]], list[Line]]:
    """Each key's lines above it, and the lines after the last entry."""
    leading: dict[Any, list[Line]] = {key: [] for key in keys}
    leading[keys[0]] = _opening(mapping, parent)
    trailing: list[Line] = []
    for index, key in enumerate(keys):
        below = _cut(_trail(mapping, key), col)
        if index + 1 < len(keys):
            leading[keys[index + 1]] += below
        else:
            trailing = below
    for key in keys:
        entry = mapping.ca.items.get(key)
        if entry and entry[_PRE]:
            leading[key] += _token_lines(entry[_PRE])
            entry[_PRE] = None
    return leading, trailing


def _opening(mapping: CommentedMap, parent: Parent) -> list[Line]:
    """The lines between the parent's key and the first key of `mapping`."""
    if parent is None:
        return []  # the document's opening comments stay at its top
    owner, name = parent
    entry = owner.ca.items.get(name) or [None] * 4
    own = mapping.ca.comment or [None, None]
    lines: list[Line] = []
    for token in _unique([entry[_MAP_POST], own[0]]):
        eol, below = _split(token)
        lines += below
        token.value = _text(eol, [])
    lines += _token_lines(_unique([*(entry[_VALUE_PRE] or []), *(own[1] or [])]))
    entry[_VALUE_PRE] = None
    if mapping.ca.comment:
        mapping.ca.comment[1] = None
    return lines


def _unique(tokens: list[Any]) -> list[CommentToken]:
    seen: dict[int, CommentToken] = {}
    for token in tokens:
        if isinstance(token, CommentToken):
            seen.setdefault(id(token), token)
    return list(seen.values())


def _attach(
    mapping: CommentedMap,
    wanted: list[Any],
    leading: dict[Any, list[Line]],
    col: int,
) -> None:
    blocks = [_without_leading_blanks(leading[key]) for key in wanted]
    later = [leading[key] for key in list(leading)[1:]]
    separated = 2 * sum(1 for lines in later if lines[:1] == [(0, "")]) > len(later)
    for index, key in enumerate(wanted):
        lines = blocks[index]
        if index and separated:
            lines = [(0, ""), *lines]
        if lines:
            entry = mapping.ca.items.setdefault(key, [None] * 4)
            entry[_PRE] = [_pre_token(text, col) for _, text in lines]


def _without_leading_blanks(lines: list[Line]) -> list[Line]:
    start = 0
    while start < len(lines) and not lines[start][1]:
        start += 1
    return lines[start:]


def _pre_token(text: str, col: int) -> CommentToken:
    return CommentToken(text + "\n", CommentMark(col if text else 0))


@dataclass(frozen=True)
class _Trail:
    """Where the lines after an entry hang: the comment slot of its deepest last
    scalar, then the end comments of the block collections around it."""

    owner: CommentedMap | CommentedSeq
    last: Any
    """The key or index, in `owner`, of the deepest last scalar."""
    ends: list[CommentedMap | CommentedSeq]
    """Innermost first, as their lines follow each other in the text."""

    @property
    def index(self) -> int:
        """The slot of the comment after the scalar, in its `ca.items` entry."""
        return _SEQ_POST if isinstance(self.owner, CommentedSeq) else _MAP_POST

    def token(self) -> CommentToken | None:
        """The comment after the scalar; looked up, never created (ruamel reads
        an empty entry as "no comment" and would drop a shared node's comment).

        None for an anchored value: ruamel hangs its comment on every place
        that refers to it, so it cannot tell which room the lines follow.
        """
        if _anchored(self.owner[self.last]):
            return None
        entry = self.owner.ca.items.get(self.last)
        token = entry[self.index] if entry else None
        return token if isinstance(token, CommentToken) else None


def _trail(mapping: CommentedMap, key: Any) -> _Trail:
    container: CommentedMap | CommentedSeq = mapping
    ends: list[CommentedMap | CommentedSeq] = []
    last, node = key, mapping[key]
    while _is_block(node) and not _anchored(node):
        ends.insert(0, node)
        container = node
        last = len(node) - 1 if isinstance(node, CommentedSeq) else list(node)[-1]
        node = node[last]
    return _Trail(container, last, ends)


def _anchored(node: Any) -> bool:
    # Written once and referred to elsewhere: its comments would travel too.
    anchor = node.yaml_anchor() if hasattr(node, "yaml_anchor") else None
    return anchor is not None and anchor.value is not None


def _is_block(node: Any) -> bool:
    # A flow collection is written on its line: its comment is its parent's.
    collection = isinstance(node, CommentedMap | CommentedSeq)
    return collection and bool(node) and not node.fa.flow_style()


def _cut(trail: _Trail, col: int) -> list[Line]:
    """Detach the lines below the entry, keeping those indented deeper than `col`."""
    lines = _below(trail)
    keep = 0
    for number, (column, text) in enumerate(lines):
        if text and column > col:
            keep = number + 1
    _put(trail, lines[:keep])
    return lines[keep:]


def _append(trail: _Trail, lines: list[Line]) -> None:
    _put(trail, _below(trail) + lines)


def _below(trail: _Trail) -> list[Line]:
    """Take the lines below an entry from wherever ruamel hung them."""
    token = trail.token()
    lines: list[Line] = []
    if token is not None:
        eol, lines = _split(token)
        # Changed in place: the same token may also hang on the node it follows.
        token.value = _text(eol, [])
    for node in trail.ends:
        lines += _token_lines(node.ca.end or [])
        node.ca.end = []
    return lines


def _put(trail: _Trail, lines: list[Line]) -> None:
    """Hang `lines` after the entry: at the end of its innermost block collection.

    Not on its last scalar: that may be an alias, or an anchored value written
    elsewhere, and ruamel would lose a comment hung there.
    """
    if not lines:
        return
    if trail.ends:
        inner = trail.ends[0]
        if inner.ca.comment is None:
            inner.ca.comment = [None, None]  # ruamel writes no end comment without
        inner.ca.end = [_pre_token(text, col) for col, text in lines]
        return
    token = trail.token()
    if token is not None:
        token.value = _text(_split(token)[0], lines)
    else:
        entry = trail.owner.ca.items.setdefault(trail.last, [None] * 4)
        entry[trail.index] = CommentToken(_text("", lines), CommentMark(0))


def _split(token: CommentToken) -> tuple[str, list[Line]]:
    """An end-of-line comment ('' when none) and the lines below it."""
    first, *rest = _raw_lines(token.value)
    return first.strip(), [_line(raw) for raw in rest]


def _token_lines(tokens: list[Any]) -> list[Line]:
    """The lines of "before" comments, one or more lines per token."""
    lines: list[Line] = []
    for token in tokens:
        first, *rest = _raw_lines(token.value)
        text = first.strip()
        lines.append((token.column if text else 0, text))
        lines += [_line(raw) for raw in rest]
    return lines


def _raw_lines(value: str) -> list[str]:
    lines = value.split("\n")
    return lines[:-1] if len(lines) > 1 and lines[-1] == "" else lines


def _line(raw: str) -> Line:
    text = raw.strip()
    return (len(raw) - len(raw.lstrip(" ")) if text else 0, text)


def _text(eol: str, lines: list[Line]) -> str:
    return eol + "\n" + "".join(" " * col + text + "\n" for col, text in lines)
