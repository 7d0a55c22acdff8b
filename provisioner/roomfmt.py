"""Room files in one canonical layout, every comment kept (`provisioner fmt`).

The layout: top-level keys in the order defaults, users, external_users, moved,
import, removed, rooms; rooms sorted by name; each room's keys (and the
defaults' and each user's) in the order of the rules (participants last);
participants exactly as written. Keys the rules do not know follow the known
ones in the order written. Indentation is two spaces, sequences indented
under their key. A mapping already in order keeps its layout untouched.

Invariants, each checked before anything is written:
- the data is the same: the file read before and after formatting compares
  equal, so formatting never changes what `plan` sees;
- no comment is lost: the comment lines of the file before are all there after;
- formatting is idempotent.

The YAML is rewritten through ruamel.yaml's round-trip mode, never by editing
text. ruamel keeps a comment attached to the node before it, which is right
for an end-of-line comment but wrong for the comment lines above a key: they
would stay behind when the key moves. `provisioner.roomcomments` detaches those
lines before a mapping is reordered and attaches them to the key they precede.
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.composer import Composer
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import MappingEndEvent, SequenceEndEvent
from ruamel.yaml.tokens import CommentToken, DocumentStartToken

from provisioner import config, roomcomments, rules, yamlio
from provisioner.errors import ConfigError, Problem, ProvisionerError

TOP_ORDER: Final = (
    "defaults",
    "users",
    "external_users",
    "moved",
    "import",
    "removed",
    "rooms",
)
ROOM_ORDER: Final = (
    *(field.name for field in rules.ROOM_FIELDS + rules.PROVISIONER_ROOM_FIELDS),
    "participants",
)
USER_ORDER: Final = tuple(field.name for field in rules.USER_FIELDS)
INDENT: Final = 2

Rank = Callable[[Any], tuple[int, str]]


@dataclass(frozen=True)
class Formatted:
    """One file before and after formatting."""

    path: Path
    display: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        """Whether formatting changes the file."""
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff from the file as it is to the file formatted."""
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=self.display,
            tofile=self.display,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def room_files(paths: Iterable[Path], root: Path = Path(".")) -> list[Path]:
    """The files to format: those under `paths`, or the settings' rooms folder.

    Like `validate`, it skips the settings file and hidden files and folders.
    """
    given = list(paths)
    if not given:
        settings = config.load_settings(root)
        found, problems = config._room_files(settings, ())
        if problems:
            raise ConfigError(problems)
        return found
    files: dict[Path, Path] = {}
    for path in given:
        if not path.exists():
            raise ProvisionerError(f"{path}: no such file or folder")
        for file in config._yaml_files(path) if path.is_dir() else [path]:
            files.setdefault(file.resolve(), file)
    files.pop((root / config.SETTINGS_FILE).resolve(), None)
    return sorted(files.values())


def format_file(path: Path, display: str) -> Formatted:
    """Read `path` and format it; ConfigError names the YAML problem that stops it."""
    doc = yamlio.load(path, display)
    if doc.problems:
        raise ConfigError([min(doc.problems)])
    try:
        before = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionerError(f"{display}: cannot read ({exc})") from None
    return Formatted(path, display, before, format_text(before, display))


def format_text(text: str, display: str = "<text>") -> str:
    """`text` in the canonical layout; ConfigError when ruamel cannot read it."""
    if not text.strip():
        return text
    engine = _engine()
    try:
        tokens = list(engine.scan(text))
        data = engine.load(text)
    except YAMLError as exc:
        raise ConfigError([_problem(display, exc)]) from None
    if not isinstance(data, CommentedMap):
        return text  # not a room file's shape: validate says so, fmt leaves it
    roomcomments.open_document(data, _opening(tokens))
    arrange(data)
    stream = io.StringIO()
    engine.dump(data, stream)
    formatted = stream.getvalue()
    _check_kept(display, _comments(tokens), text, formatted)
    return formatted


def _opening(tokens: list[Any]) -> list[CommentToken]:
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


def arrange(doc: CommentedMap) -> None:
    """Put a room file's mappings in canonical order, outermost first."""
    roomcomments.reorder(doc, _ranked(TOP_ORDER), 0)
    rooms = doc.get("rooms")
    if isinstance(rooms, CommentedMap):
        roomcomments.reorder(rooms, _by_name, INDENT, (doc, "rooms"))
        _arrange_values(rooms, ROOM_ORDER)
    defaults = doc.get("defaults")
    if isinstance(defaults, CommentedMap):
        roomcomments.reorder(defaults, _ranked(ROOM_ORDER), INDENT, (doc, "defaults"))
    users = doc.get("users")
    if isinstance(users, CommentedMap):
        _arrange_values(users, USER_ORDER)


def _arrange_values(mapping: CommentedMap, order: tuple[str, ...]) -> None:
    for key, value in mapping.items():
        if isinstance(value, CommentedMap):
            parent = (mapping, key)
            roomcomments.reorder(value, _ranked(order), 2 * INDENT, parent)


def _ranked(order: tuple[str, ...]) -> Rank:
    def rank(key: Any) -> tuple[int, str]:
        # Unknown keys after the known ones; sorted() keeps their order.
        return (order.index(key) if key in order else len(order), "")

    return rank


def _by_name(key: Any) -> tuple[int, str]:
    return (0 if isinstance(key, str) else 1, str(key))


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


def _engine() -> YAML:
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


def _check_kept(display: str, comments: Counter[str], before: str, after: str) -> None:
    """Refuse (never write) a result that would change data or comments."""
    try:
        same = yaml.safe_load(before) == yaml.safe_load(after)
    except yaml.YAMLError:
        same = False  # ruamel wrote something YAML cannot read back
    if same and comments == comment_lines(after):
        return
    what = "the comments" if same else "the data"
    raise ProvisionerError(
        f"{display}: formatting would change {what}; the file is left as it is "
        "(please report this as a bug, with the file)"
    )


def comment_lines(text: str) -> Counter[str]:
    """Every comment line of a YAML text (as YAML's scanner reads it), stripped."""
    return _comments(list(_engine().scan(text)))


def _comments(tokens: list[Any]) -> Counter[str]:
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


def write(formatted: Formatted) -> None:
    """Replace the file with its formatted text: a temporary file, then a rename.

    The file keeps its mode; a symbolic link keeps pointing where it did.
    """
    target = formatted.path.resolve()
    try:
        mode = target.stat().st_mode & 0o7777
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise ProvisionerError(f"{formatted.display}: cannot write ({exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(formatted.after)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ProvisionerError(f"{formatted.display}: cannot write ({exc})") from None
