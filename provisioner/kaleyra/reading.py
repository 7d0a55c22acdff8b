"""The tolerant reader: one field of an answer, in every spelling the API uses.

What we send is exact; what we read is generous, because the published v1
reference answers differently from our contract on several points (see
``kaleyra-api.md``, section "What the published reference shows", quoted as
*the reference* below). Each point is read here, in one place, so the day the
real API settles one, one function changes. Errors name the key, never the
value: a value may be a join link.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class ShapeError(ValueError):
    """A success answer lacks the documented shape (names keys, never values)."""


# The reference: "`record` is the integer 1/0 in the create and room/info
# examples; only the room list example shows booleans. Elsewhere the reference
# even sends "record": "0" and "record": "false" as text."
_TRUE_TEXT = frozenset({"1", "true"})
_FALSE_TEXT = frozenset({"0", "false"})


def flag(obj: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A boolean: true/false, 1/0, "1"/"0", "true"/"false"; absent or null
    is ``default``."""
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in _TRUE_TEXT | _FALSE_TEXT:
        return value.strip().lower() in _TRUE_TEXT
    raise ShapeError(f"{key}: expected a boolean (true/false or 1/0)")


def optional_flag(obj: Mapping[str, Any], key: str) -> bool | None:
    """A boolean the answer may leave out: None when absent or null."""
    return None if obj.get(key) is None else flag(obj, key)


# The reference shows `duration` as an integer; JSON does not tell 3600 from
# 3600.0, and a reference that writes "record": "0" may write "3600" too.
def count(obj: Mapping[str, Any], key: str) -> int:
    """An integer: an int, an integral float or numeric text; absent or null
    is 0 (for ``duration``: unlimited)."""
    value = obj.get(key)
    if value is None:
        return 0
    number = _number(value)
    if number is None:
        raise ShapeError(f"{key}: expected an integer")
    return number


def optional_count(obj: Mapping[str, Any], key: str) -> int | None:
    """An integer the answer may leave out: None when absent, null or unreadable."""
    value = obj.get(key)
    return None if value is None else _number(value)


def _number(value: object) -> int | None:
    if isinstance(value, str):
        value = _numeric_text(value.strip())
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _numeric_text(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def text(obj: Mapping[str, Any], key: str) -> str:
    """A string the answer must hold."""
    value = obj.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"{key}: expected a string")
    return value


# The reference: "`description` may be `null` in the list." Absent and null
# mean the same, "no value", for every optional field.
def optional_text(obj: Mapping[str, Any], key: str) -> str | None:
    """A string the answer may leave out or send as null."""
    return None if obj.get(key) is None else text(obj, key)


def items(obj: Mapping[str, Any], key: str) -> list[Any]:
    """A list; absent or null is empty (a disabled room's ``user_urls``)."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{key}: expected a list")
    return value


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    """An object. Keys we do not read (``dialInfo``, ``durationUsed``, ...) are
    ignored everywhere: the reference adds some, and the API may add more."""
    if not isinstance(value, Mapping):
        raise ShapeError(f"{where}: expected an object")
    return value


def member(body: Any, key: str) -> Mapping[str, Any]:
    """The object under ``key`` of the answer (``{"room": {...}}``)."""
    return mapping(mapping(body, "body").get(key), key)
