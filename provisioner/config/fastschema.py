"""A JSON Schema compiled into plain Python predicates: validate's fast path.

jsonschema explains errors well but walks 10,000 rooms in seconds; these
closures answer only "valid or not", in a fraction of that. Only when the
answer is no does jsonschema run, to say why. The compiler covers the keywords
our generated schemas use and refuses any other, and a property test holds it
to jsonschema's verdict, so the two cannot drift apart silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default"}
)
_KEYWORDS = _ANNOTATIONS | {
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "required",
    "propertyNames",
    "items",
    "minItems",
    "maxItems",
    "pattern",
    "minimum",
    "maximum",
    "enum",
    "const",
    "not",
    "if",
    "then",
    "else",
}


class UnsupportedSchemaError(ValueError):
    """The schema uses a keyword this compiler does not know."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "number": _is_number,
    "null": lambda value: value is None,
}


@functools.cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as JSON Schema means it: a final `$` is the very end of the text.

    In Python `$` also matches before a trailing newline, so `'alice\\n'` would
    pass `^[A-Za-z0-9._-]{1,128}$`.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    first, *rest = checks
    then = _all(rest)
    return lambda value: first(value) and then(value)


def compile_schema(root: Mapping[str, Any]) -> Check:
    """A predicate that is true exactly when jsonschema finds `root` satisfied."""
    compiled: dict[str, Check] = {}
    compiling: set[str] = set()
    definitions = root.get("$defs", {})

    def ref(target: str) -> Check:
        name = target.removeprefix("#/$defs/")
        if name not in definitions:
            raise UnsupportedSchemaError(f"unsupported $ref {target}")
        if name in compiling:  # a recursive schema: look it up when called
            return lambda value: compiled[name](value)
        if name not in compiled:
            compiling.add(name)
            compiled[name] = _compile(definitions[name], ref)
            compiling.discard(name)
        return compiled[name]

    return _compile(root, ref)


def _compile(schema: Any, ref: Callable[[str], Check]) -> Check:
    if schema is True:
        return _always
    if schema is False:
        return _never
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise UnsupportedSchemaError(f"unsupported keywords {sorted(unknown)}")
    checks: list[Check] = []
    if "$ref" in schema:
        checks.append(ref(schema["$ref"]))
    if "type" in schema:
        checks.append(_type(schema["type"]))
    checks.extend(_object(schema, ref))
    checks.extend(_array(schema, ref))
    checks.extend(_scalar(schema))
    checks.extend(_logic(schema, ref))
    return _all(checks)


def _logic(schema: Mapping[str, Any], ref: Callable[[str], Check]) -> list[Check]:
    checks: list[Check] = []
    if "not" in schema:
        negated = _compile(schema["not"], ref)
        checks.append(lambda value: not negated(value))
    if "if" in schema:
        condition = _compile(schema["if"], ref)
        then = _compile(schema.get("then", True), ref)
        otherwise = _compile(schema.get("else", True), ref)
        checks.append(
            lambda value: then(value) if condition(value) else otherwise(value)
        )
    return checks


def _type(names: str | list[str]) -> Check:
    if isinstance(names, str):
        return _TYPES[names]
    options = [_TYPES[name] for name in names]
    return lambda value: any(check(value) for check in options)


def _object(schema: Mapping[str, Any], ref: Callable[[str], Check]) -> list[Check]:
    keys = {"properties", "additionalProperties", "required", "propertyNames"}
    if not keys & set(schema):
        return []
    properties = {
        name: _compile(sub, ref) for name, sub in schema.get("properties", {}).items()
    }
    additional = _compile(schema.get("additionalProperties", True), ref)
    required = frozenset(schema.get("required", ()))
    names = (
        _compile(schema["propertyNames"], ref) if "propertyNames" in schema else None
    )
    allowed = frozenset(properties)
    closed = additional is _never

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        if closed and not allowed.issuperset(value):
            return False
        if not required.issubset(value):
            return False
        for key, item in value.items():
            if not properties.get(key, additional)(item):
                return False
            if names is not None and not names(key):
                return False
        return True

    return [check]


def _array(schema: Mapping[str, Any], ref: Callable[[str], Check]) -> list[Check]:
    if not {"items", "minItems", "maxItems"} & set(schema):
        return []
    items = _compile(schema.get("items", True), ref)
    least = schema.get("minItems", 0)
    most = schema.get("maxItems")

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if len(value) < least or (most is not None and len(value) > most):
            return False
        # A plain loop: all(<generator>) costs a generator per list, and this
        # runs for every list of every room.
        for item in value:  # noqa: SIM110
            if not items(item):
                return False
        return True

    return [check]


def _scalar(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "pattern" in schema:
        regex = ecma_regex(schema["pattern"])
        checks.append(
            lambda value: not isinstance(value, str) or regex.search(value) is not None
        )
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda value: not _is_number(value) or not value < low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda value: not _is_number(value) or not value > high)
    if "enum" in schema:
        checks.append(_enum(schema["enum"]))
    if "const" in schema:
        checks.append(_enum([schema["const"]]))
    return checks


def _enum(options: list[Any]) -> Check:
    if not all(isinstance(option, str) for option in options):
        raise UnsupportedSchemaError("enum of non-strings")
    members = frozenset(options)
    return lambda value: isinstance(value, str) and value in members
