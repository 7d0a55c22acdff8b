"""One meaning per file: plain scalars that YAML 1.1 and YAML 1.2 read differently.

The files are read as YAML 1.1 (PyYAML); editors and JSON Schema validators
(yaml-language-server, check-jsonschema) read YAML 1.2. A plain scalar the two
read differently would mean one thing in the editor and another in CI:
`recording: yes` is true here and the text "yes" there, `duration: 0600` is
384 here and 600 there. Each one is an error whose message gives both
readings and how to write the value so that every reader agrees.

Covered: the YAML 1.1 booleans `y/n/yes/no/on/off` (lower, Capitalised or
UPPER; PyYAML reads `y` and `n` as text, the 1.1 spec and other readers as
booleans), numbers with a leading zero (octal in 1.1), `0o` octal, base-60
(`1:30`), binary, underscores, exponents without a dot or sign (`1e3`), signed
or exponent floats without a leading digit (`-.5`), dates and timestamps, and
the 1.1 `=` value key. A quoted scalar is text in every version: the fix.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Final

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_TAG: Final = "tag:yaml.org,2002:"
AMBIGUOUS: Final = "tag:provisioner:ambiguous,"
"""Prefix marking a plain scalar's resolved (YAML 1.1) tag as read otherwise by 1.2."""

MAYBE: Final = frozenset("0123456789+-.yYnNoO=")
"""First characters of every ambiguous plain scalar: the cheap test comes first."""

# The YAML 1.2 core schema (spec 1.2.2, 10.3.2), in the order it resolves.
_CORE: Final = (
    ("null", re.compile(r"null|Null|NULL|~|")),
    ("bool", re.compile(r"true|True|TRUE|false|False|FALSE")),
    ("int", re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")),
    (
        "float",
        re.compile(
            r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        ),
    ),
)
_TRUE_11: Final = re.compile(r"y|Y|yes|Yes|YES|on|On|ON")
_FALSE_11: Final = re.compile(r"n|N|no|No|NO|off|Off|OFF")
_LEADING_ZERO: Final = re.compile(r"[-+]?0[0-9_]+")
_KINDS_11: Final = {
    _TAG + name: name for name in ("null", "bool", "int", "float", "str")
} | {_TAG + "timestamp": "date", _TAG + "value": "value"}


def kind_12(text: str) -> str:
    """What YAML 1.2's core schema reads a plain scalar as."""
    for kind, pattern in _CORE:
        if pattern.fullmatch(text):
            return kind
    return "str"


def marked(text: str, tag: str) -> str:
    """`tag` (YAML 1.1's), marked AMBIGUOUS when YAML 1.2 reads `text` otherwise."""
    if not text or text[0] not in MAYBE:
        return tag
    kind = _KINDS_11.get(tag)
    if kind is None:
        return tag  # a merge key `<<`, or a tag we refuse anyway
    if kind != kind_12(text) or _bool_11(text) is not None:
        return AMBIGUOUS + tag
    if kind == "int" and _LEADING_ZERO.fullmatch(text):
        return AMBIGUOUS + tag  # octal in 1.1, decimal in 1.2
    return tag


def reads_as_text(text: str) -> bool:
    """Whether `text`, written plain, is this very text to YAML 1.1 and 1.2 alike.

    For writers of YAML (dump): whatever fails this must be quoted.
    """
    tag: str = _RESOLVER_11.resolve(ScalarNode, text, (True, False))
    return marked(text, tag) == _TAG + "str"


_RESOLVER_11: Final[Any] = Resolver()  # PyYAML's, untyped


def _bool_11(text: str) -> bool | None:
    if _TRUE_11.fullmatch(text):
        return True
    if _FALSE_11.fullmatch(text):
        return False
    return None


def value_12(text: str) -> Any:
    """The value YAML 1.2 reads a plain scalar as (None for null, and as text)."""
    kind = kind_12(text)
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        return int(text[2:] if base != 10 else text, base)
    if kind == "float":
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return None if kind == "null" else text


def explain(text: str, tag: str, value_11: Any, *, key: bool = False) -> str:
    """The message for an ambiguous plain scalar: both readings, and the fix."""
    kind_11 = _KINDS_11.get(tag, "str")
    as_bool = _bool_11(text)
    if as_bool is not None:
        # What YAML 1.1 means, even where PyYAML reads `y` or `n` as text.
        kind_11, value_11 = "bool", as_bool
    read_11 = _words(kind_11, value_11, _form_11(text))
    read_12 = _words(kind_12(text), value_12(text), "")
    fix = f'quote it ("{text}")'
    instead = _numbers(value_11, value_12(text)) if as_bool is None else read_11
    if instead and not key:
        fix = f"write {instead}, or {fix} for text"
    return f"YAML 1.1 reads {text} as {read_11}, YAML 1.2 as {read_12}; {fix}"


def _form_11(text: str) -> str:
    """How YAML 1.1 names the number `text` spells: octal, base-60, or plain."""
    if ":" in text:
        return "base-60 "
    if _LEADING_ZERO.fullmatch(text):
        return "octal "
    return ""


def _words(kind: str, value: Any, form: str) -> str:
    if kind in ("str", "value"):
        return "text" if kind == "str" else "a special value (!!value)"
    if kind == "null":
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "date":
        return "a date and time" if isinstance(value, datetime.datetime) else "a date"
    return f"the {form}number {_number(value)}"


def _number(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _numbers(*values: Any) -> str:
    """The numbers among `values`, as they could be written instead."""
    found = []
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = _number(value)
            if written not in found:
                found.append(written)
    return " or ".join(found)
