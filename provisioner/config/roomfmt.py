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

The YAML is rewritten through ruamel.yaml's round-trip mode (`roundtrip`),
never by editing text. ruamel keeps a comment attached to the node before it,
which is right for an end-of-line comment but wrong for the comment lines above
a key: they would stay behind when the key moves. `roomcomments` detaches those
lines before a mapping is reordered and attaches them to the key they precede.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from ruamel.yaml.comments import CommentedMap

from provisioner import rules
from provisioner.config import files, load, roomcomments, roundtrip, yamlio
from provisioner.errors import ConfigError, ProvisionerError

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
INDENT: Final = roundtrip.INDENT

Rank = Callable[[Any], tuple[int, str]]
_SAFE_LOADER: Final[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        # As diff(1) writes a last line that has no line break, so patch(1) reads it.
        missing = "\n\\ No newline at end of file\n"
        return "".join(
            line if line.endswith("\n") else line + missing for line in lines
        )


def room_files(paths: Iterable[Path], root: Path = Path(".")) -> list[Path]:
    """The files to format: those under `paths`, or the settings' rooms folder.

    Like `validate`, it skips the settings file and hidden files and folders,
    and refuses what cannot be read or lies outside the project folder.
    """
    given = list(paths)
    if not given:
        settings = load.load_settings(root)
        found, problems = load._room_files(settings, ())
        if problems:
            raise ConfigError(problems)
        return found
    for path in given:
        if not path.exists():
            raise ProvisionerError(f"{path}: no such file or folder")
    # Never a file outside the project: fmt would rewrite it.
    walked = files.given_files(root, given, load.display_path)
    if walked.problems:
        raise ConfigError(walked.problems)
    settings_file = files.real(root / load.SETTINGS_FILE)
    return [path for path in walked.files if files.real(path) != settings_file]


def format_file(path: Path, display: str) -> Formatted:
    """Read `path` and format it; ConfigError names the YAML problem that stops it."""
    doc = yamlio.load(path, display)
    if doc.problems:
        raise ConfigError([min(doc.problems)])
    try:
        before = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProvisionerError(f"{display}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProvisionerError(f"{display}: fmt reads UTF-8 text only") from None
    return Formatted(path, display, before, format_text(before, display))


def format_text(text: str, display: str = "<text>") -> str:
    """`text` in the canonical layout; ConfigError when ruamel cannot read it."""
    if not text.strip():
        return text
    data, tokens = roundtrip.read(text, display)
    if not isinstance(data, CommentedMap):
        return text  # not a room file's shape: validate says so, fmt leaves it
    roomcomments.open_document(data, roundtrip.opening_comments(tokens))
    arrange(data)
    formatted = roundtrip.write(data)
    _check_kept(display, roundtrip.comments(tokens), text, formatted)
    return formatted


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


def _check_kept(display: str, comments: Counter[str], before: str, after: str) -> None:
    """Refuse (never write) a result that would change data or comments."""
    try:
        same = _data(before) == _data(after)
    except yaml.YAMLError:
        same = False  # ruamel wrote something YAML cannot read back
    if same and comments == roundtrip.comment_lines(after):
        return
    what = "the comments" if same else "the data"
    raise ProvisionerError(
        f"{display}: formatting would change {what}; the file is left as it is "
        "(please report this as a bug, with the file)"
    )


def _data(text: str) -> Any:
    # libyaml's safe loader when installed: what `yaml.safe_load` reads, faster.
    return yaml.load(text, Loader=_SAFE_LOADER)


def write(formatted: Formatted) -> None:
    """Replace the file with its formatted text: a temporary file, then a rename.

    The file keeps its mode; a symbolic link keeps pointing where it did.
    """
    target = formatted.path.resolve()
    try:
        mode = target.stat().st_mode & 0o7777
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise ProvisionerError(
            f"{formatted.display}: cannot write ({exc.strerror})"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(formatted.after)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ProvisionerError(
            f"{formatted.display}: cannot write ({exc.strerror})"
        ) from None
