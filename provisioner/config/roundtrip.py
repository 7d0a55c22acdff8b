"""ruamel.yaml's round trip as `provisioner fmt` uses it, with two of its bugs fixed.

Reading keeps every comment on the node tree; writing puts them back. Two
bugs of ruamel (0.18, 0.19) lose or garble a comment in files a person may
well write; `_Composer` and `_Emitter` fix them, and `roomfmt` checks every
result anyway (same data, same comment lines) before it writes a file.
ruamel's own exceptions stop here: a YAML error becomes a ConfigError.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import MappingEndEvent, SequenceEndEvent
from ruamel.yaml.tokens import CommentToken, DocumentStartToken

from provisioner.errors import ConfigError, Problem

INDENT: Final = 2
"""Spaces per nesting level; a list's dash is indented two spaces under its key."""


def read(text: str, display: str) -> tuple[Any, list[Any]]:
    """The node tree of `text` and the scanner's tokens (which hold every comment)."""
    reader = engine()
    try:
        return reader.load(text), list(reader.scan(text))
    except YAMLError as exc:
        raise ConfigError([_problem(display, exc)]) from None


def write(data: Any) -> str:
    """`data` (a tree from `read`) as YAML text."""
    stream = io.StringIO()
    engine().dump(data, stream)
    return stream.getvalue()


class _Emitter(RoundTripEmitter):
    """ruamel's emitter, with the line break after a flow collection's comment.

    After `- {a: 1}  # note` in a list whose key has a comment of its own,
    ruamel forgets that the comment ended the line, and the next block item's
    second key lands on the first key's line (`- b: 1 c: 2`). Closing a flow
    collection with a comment now resets that state, as closing one without a
    comment always did.
    """

    def expect_flow_sequence_item(self) -> None:
        closing = isinstance(self.event, SequenceEndEvent)
        super().expect_flow_sequence_item()
        if closing:
            self.no_newline = False

    def expect_flow_mapping_key(self) -> None:
        closing = isinstance(self.event, MappingEndEvent)
        super().expect_flow_mapping_key()
        if closing:
            self.no_newline = False

    def expect_first_flow_mapping_key(self) -> None:
        closing = isinstance(self.event, MappingEndEvent)  # `{}`
        super().expect_first_flow_mapping_key()
        if closing:
            self.no_newline = False


class _Composer(Composer):
    """ruamel's composer, keeping the comment lines above a flow collection item.

    ruamel replaces the comments of `- {a: 2}  # c2` with its end-of-line
    comment, and a comment line written above that item is lost on reading.
    """

    def compose_sequence_node(self, anchor: Any) -> Any:
        above = _lines_above(self.parser.peek_event())
        return _with_lines_above(super().compose_sequence_node(anchor), above)

    def compose_mapping_node(self, anchor: Any) -> Any:
        above = _lines_above(self.parser.peek_event())
        return _with_lines_above(super().compose_mapping_node(anchor), above)


def _lines_above(event: Any) -> Any:
    comment = getattr(event, "comment", None)
    return comment[1] if comment and len(comment) > 1 else None


def _with_lines_above(node: Any, above: Any) -> Any:
    if above and node.comment is not None and node.comment[1] is None:
        node.comment[1] = above
    return node


def engine() -> YAML:
    """A round-trip reader and writer in the canonical style (two-space indent,
    lists indented under their key), with the fixes above."""
    engine = YAML(typ="rt")
    engine.Composer = _Composer
    engine.Emitter = _Emitter
    engine.indent(mapping=INDENT, sequence=2 * INDENT, offset=INDENT)
    engine.preserve_quotes = True
    engine.width = 4096  # never fold a long description onto a second line
    # `[{user_id: a}]` stays as written, not `[user_id: a]`.
    engine.brace_single_entry_mapping_in_flow_sequence = True
    return engine


def _problem(display: str, exc: YAMLError) -> Problem:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if mark is not None:
            return Problem(display, mark.line + 1, mark.column + 1, message)
    first = str(exc).strip().splitlines() or ["invalid YAML"]
    return Problem(display, 1, 1, first[0])


def opening_comments(tokens: list[Any]) -> list[CommentToken]:
    """The comments above a `---` line: ruamel would drop them.

    One document per file needs no `---`, so fmt writes none and moves them
    to the top of the document.
    """
    return [
        comment
        for token in tokens
        if isinstance(token, DocumentStartToken)
        for comment in _attached(token)
    ]


def comment_lines(text: str) -> Counter[str]:
    """Every comment line of a YAML text (as YAML's scanner reads it), stripped."""
    return comments(list(engine().scan(text)))


def comments(tokens: list[Any]) -> Counter[str]:
    found: Counter[str] = Counter()
    for token in tokens:
        for comment in _attached(token):
            lines = (line.strip() for line in comment.value.split("\n"))
            found.update(line for line in lines if line.startswith("#"))
    return found


def _attached(token: Any) -> list[CommentToken]:
    """The comment tokens ruamel's scanner hangs on `token` (it yields none)."""
    found: list[CommentToken] = []
    for part in getattr(token, "comment", None) or []:
        parts = part if isinstance(part, list) else [part]
        found += [c for c in parts if isinstance(c, CommentToken)]
    return found
