"""Strict YAML: safe loading, duplicate keys refused, bounded aliases, node positions.

libyaml composes the node tree when it is installed (the pure-Python composer
otherwise); values are then built here rather than by PyYAML's constructor so
that duplicate keys, alias expansion and YAML 1.1 number surprises are caught.
Positions of deep nodes are only needed when something is wrong, so a document
keeps its text and composes it again on demand instead of holding every node.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from provisioner.config.yamlbuild import (
    MAX_ALIAS_NODES,
    STR_TAG,
    AliasBombError,
    Builder,
)
from provisioner.config.yamlpath import PathKey, format_path, path_of, walk
from provisioner.errors import Problem

MAX_FILE_BYTES = 1024 * 1024
TAB_MESSAGE = "YAML syntax: a tab character; YAML indents with spaces only"

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_REMEMBERED_TAGS = 200_000


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, memoising implicit tag resolution (a hot spot in libyaml)."""

    _tags: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) > _MAX_REMEMBERED_TAGS:
                self._tags.clear()
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


@dataclass(frozen=True)
class Spot:
    """Where a node starts, and how a plain scalar was written when YAML read it
    as something other than text (for hints such as: quote it)."""

    line: int
    col: int
    written: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class Document:
    """One YAML file: its value, its loading problems, and node positions."""

    file: Path
    display: str
    value: Any
    problems: tuple[Problem, ...] = ()
    keys: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)
    text: bytes = field(default=b"", repr=False)
    _nodes: dict[str, Node | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def spot(self, path: PathKey, *, key: bool = False) -> Spot:
        """Where the node at `path` starts (its key when `key`), best effort."""
        if key and path in self.keys:
            return Spot(*self.keys[path])
        found = walk(self._root(), path, key=key)
        if found is None:
            return Spot(1, 1)
        written, quoted = None, False
        if isinstance(found, ScalarNode) and not key:
            quoted = bool(found.style)
            if not quoted and found.tag != STR_TAG:
                written = str(found.value)
        mark = found.start_mark
        return Spot(mark.line + 1, mark.column + 1, written, quoted)

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        """A problem at the node at `path`, its message prefixed with that path."""
        spot = self.spot(path, key=key)
        where = format_path(path)
        text = f"{where}: {message}" if where else message
        return Problem(self.display, spot.line, spot.col, text)

    def _root(self) -> Node | None:
        if "root" not in self._nodes:
            with paused_gc():
                self._nodes["root"] = _compose(self.text)
        return self._nodes["root"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector: building large trees of acyclic values
    otherwise spends most of its time in collections that free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(file: Path, display: str) -> Document:
    """Read and build one YAML file; every problem is in `.problems`."""
    text, trouble = _read(file)
    if trouble:
        return Document(file, display, None, (Problem(display, 1, 1, trouble),))
    try:
        with paused_gc():
            root = _compose(text)
            builder = Builder()
            value = builder.build(root) if root is not None else None
    except yaml.YAMLError as exc:
        return Document(file, display, None, (_syntax_problem(display, text, exc),))
    except AliasBombError as exc:
        message = (
            f"aliases expand to more than {MAX_ALIAS_NODES} nodes; "
            "refusing to expand them (an alias bomb?)"
        )
        return Document(
            file, display, None, (_node_problem(display, exc.node, message),)
        )
    except RecursionError:
        message = "nested too deeply to read"
        return Document(file, display, None, (Problem(display, 1, 1, message),))
    problems = tuple(
        _node_problem(display, node, message, path_of(root, owner))
        for node, owner, message in builder.issues
    )
    return Document(file, display, value, problems, _key_index(root), text)


def _read(file: Path) -> tuple[bytes, str]:
    try:
        with file.open("rb") as stream:
            text = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return b"", f"cannot read the file: {exc.strerror or exc}"
    if len(text) > MAX_FILE_BYTES:
        return b"", "file is larger than 1 MiB; split it into several files"
    return text, ""


def _compose(text: bytes) -> Node | None:
    node: Node | None = yaml.compose(text, Loader=_Loader)
    return node


def _syntax_problem(display: str, text: bytes, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if _char_at(text, line, col) == "\t":
            # The parser's words ("found character that cannot start any
            # token") do not say that the character is an invisible tab.
            return Problem(display, line, col, TAB_MESSAGE)
        return Problem(display, line, col, _syntax_message(exc))
    if isinstance(exc, yaml.reader.ReaderError):
        head = text[: exc.position]
        line = head.count(b"\n") + 1
        col = len(head) - (head.rfind(b"\n") + 1) + 1
        return Problem(display, line, col, f"not readable as text: {exc.reason}")
    return Problem(display, 1, 1, f"YAML: {exc}".replace("\n", " "))


def _char_at(text: bytes, line: int, col: int) -> str:
    lines = text.decode("utf-8", "replace").split("\n")
    here = lines[line - 1] if line <= len(lines) else ""
    return here[col - 1 : col]


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    if exc.problem == "but found another document":
        return "one YAML document per file: a second one starts here"
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        context_line = exc.context_mark.line + 1 if exc.context_mark else 0
        message += f" ({exc.context}, line {context_line})"
    return f"YAML syntax: {message}"


def _node_problem(
    display: str, node: Node, message: str, path: PathKey = ()
) -> Problem:
    where = format_path(path)
    text = f"{where}: {message}" if where else message
    mark = node.start_mark
    return Problem(display, mark.line + 1, mark.column + 1, text)


def _key_index(root: Node | None) -> dict[PathKey, tuple[int, int]]:
    """Positions of the keys of the first two levels (room and user names)."""
    index: dict[PathKey, tuple[int, int]] = {}
    if not isinstance(root, MappingNode):
        return index
    for key, value in root.value:
        top = (str(key.value),)
        index.setdefault(top, (key.start_mark.line + 1, key.start_mark.column + 1))
        if isinstance(value, MappingNode):
            for inner, _ in value.value:
                mark = inner.start_mark
                index.setdefault(
                    (*top, str(inner.value)), (mark.line + 1, mark.column + 1)
                )
    return index
