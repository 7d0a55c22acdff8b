"""Schema errors as `file:line:col: message` problems pointing at the YAML node.

Each document is first checked by jsonschema-rs (Draft 2020-12, compiled once,
`pattern` read as ECMA-262 does); only a document that fails is handed to
jsonschema, whose error paths are traced back to the nodes and worded here.
At most one problem is reported per value (a wrong type hides its enum error).
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from provisioner.config.yamlio import Document
from provisioner.config.yamlpath import PathKey, format_path
from provisioner.errors import Problem

if TYPE_CHECKING:
    import jsonschema

_TYPE_WORDS = {
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


@dataclass(frozen=True)
class Finding:
    """A problem still attached to its path (so callers can tell what is broken)."""

    path: PathKey
    problem: Problem


class SchemaCheck:
    """One schema, compiled once: a fast verdict, and jsonschema for the reasons."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._schema = schema
        self._fast = compile_schema(schema)
        self._validator: jsonschema.Draft202012Validator | None = None

    def _explainer(self) -> jsonschema.Draft202012Validator:
        if self._validator is None:
            self._validator = explainer(self._schema)
        return self._validator

    def findings(self, doc: Document) -> list[Finding]:
        """Every schema problem of `doc` (none when the fast path accepts it)."""
        if self._fast(doc.value):
            return []
        raw = self._explainer().iter_errors(doc.value)
        errors = sorted((_Error.of(error) for error in raw), key=_Error.order)
        found: list[Finding] = []
        values_seen: set[PathKey] = set()
        for error in errors:
            for path, keyed in error.subjects():
                if not keyed:
                    if path in values_seen:
                        continue
                    values_seen.add(path)
                found.append(_finding(doc, path, keyed, error))
        return _unique(found)


def compile_schema(schema: Mapping[str, Any]) -> Callable[[Any], bool]:
    """A fast yes/no for `schema`: jsonschema-rs, compiled once.

    A value JSON cannot hold (a YAML date, a non-string key) is a "no": the
    explainer then says what is wrong with it.
    """
    validator = jsonschema_rs.Draft202012Validator(dict(schema))

    def check(value: Any) -> bool:
        try:
            return bool(validator.is_valid(value))
        except ValueError:
            return False

    return check


def ecma_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as JSON Schema means it: a final `$` is the very end of the text.

    In Python `$` also matches before a trailing newline, so `'alice\\n'` would
    pass `^[A-Za-z0-9._-]{1,128}$`.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)  # \d and \w are ASCII in ECMA-262


def explainer(schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    """jsonschema's Draft 2020-12 validator, reading `pattern` as ECMA-262 does."""
    # Imported on first use: a valid estate never needs it, and it is slow to
    # import.
    import jsonschema

    def pattern(
        validator: Any, expected: str, instance: Any, schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, str) and not ecma_regex(expected).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {expected}")

    extended = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, {"pattern": pattern}
    )
    checker: jsonschema.Draft202012Validator = extended(schema)
    return checker


def unshadowed(earlier: Iterable[Problem], later: Iterable[Problem]) -> list[Problem]:
    """`later` without the problems at a spot `earlier` already reports on.

    Loading, schema and cross-file rules run in that order; the first to find
    something wrong with a node explains it best (an octal number read from
    YAML says more than "expected a string, got 511").
    """
    spots = {(problem.path, problem.line, problem.col) for problem in earlier}
    return [p for p in later if (p.path, p.line, p.col) not in spots]


def _unique(found: list[Finding]) -> list[Finding]:
    seen: set[Problem] = set()
    unique = []
    for finding in found:
        if finding.problem not in seen:
            seen.add(finding.problem)
            unique.append(finding)
    return unique


@dataclass(frozen=True)
class _Error:
    """The parts of a jsonschema error that messages use, plainly typed."""

    path: PathKey
    keyword: str
    expected: Any
    value: Any
    schema: Mapping[str, Any]
    on_key_names: bool
    message: str

    @classmethod
    def of(cls, error: jsonschema.ValidationError) -> _Error:
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        return cls(
            path=tuple(error.absolute_path),
            keyword=str(error.validator),
            expected=error.validator_value,
            value=error.instance,
            schema=schema,
            on_key_names="propertyNames" in error.absolute_schema_path,
            message=error.message.splitlines()[0] if error.message else "invalid",
        )

    def order(self) -> tuple[Any, ...]:
        return (tuple(map(str, self.path)), self.keyword != "type", self.keyword)

    def subjects(self) -> Iterator[tuple[PathKey, bool]]:
        """The paths this error is about (`True` when it is about a key)."""
        if self.on_key_names:
            yield (*self.path, str(self.value)), True
        elif self.keyword == "required":
            for name in self.expected:
                if name not in self.value:
                    yield (*self.path, name), True
        elif self.keyword == "additionalProperties":
            known = self.schema.get("properties", {})
            for name in self.value:
                if name not in known:
                    yield (*self.path, str(name)), True
        else:
            yield self.path, False


def _finding(doc: Document, path: PathKey, keyed: bool, error: _Error) -> Finding:
    if error.on_key_names:
        title = error.schema.get("title", "key")
        message = f"{title} {describe(error.value)} must match {error.expected}"
        return _at(doc, path, path[:-1], message, key=True)
    if error.keyword == "required":
        return _at(doc, path[:-1], path[:-1], f"missing required key {path[-1]!r}")
    if keyed:
        message = f"unknown key {path[-1]!r}" + _suggest(path[-1], error.schema)
        return _at(doc, path, path[:-1], message, key=True)
    on_key = error.keyword == "not" and bool(path) and isinstance(path[-1], str)
    return _at(doc, path, path, _value_message(doc, path, error), key=on_key)


def _at(
    doc: Document, path: PathKey, prefix: PathKey, message: str, *, key: bool = False
) -> Finding:
    spot = doc.spot(path, key=key)
    where = format_path(prefix)
    text = f"{where}: {message}" if where else message
    return Finding(path, Problem(doc.display, spot.line, spot.col, text))


def _suggest(name: Any, schema: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(name), list(schema.get("properties", {})), 1)
    return f" (did you mean {close[0]}?)" if close else ""


def _value_message(doc: Document, path: PathKey, error: _Error) -> str:
    kind, schema, value = error.keyword, error.schema, error.value
    if kind == "type":
        message = f"expected {_words(error.expected)}, got {describe(value)}"
        message += _hint(doc, path, error.expected, value)
    elif kind == "enum":
        message = f"expected {_either(error.expected)}, got {describe(value)}"
        message += _hint(doc, path, "string", value)
    elif kind in ("minimum", "maximum"):
        message = f"expected {_range(schema, 'minimum', 'maximum')}, got {value}"
    elif kind in ("minItems", "maxItems"):
        noun = schema.get("title", "items")
        bounds = _range(schema, "minItems", "maxItems")
        message = f"expected {bounds} {noun}, got {len(value)}"
    elif kind == "pattern":
        noun = schema.get("title", "text")
        message = f"expected a {noun} matching {error.expected}"
        message += f", got {describe(value)}"
    elif kind == "not":
        message = str(schema.get("description", "not allowed here"))
    else:
        message = error.message
    # A bare refinement (no type of its own) carries its reason in $comment.
    comment = schema.get("$comment") if "type" not in schema else None
    return f"{message} ({comment})" if comment else message


def _range(schema: Mapping[str, Any], low: str, high: str) -> str:
    if low in schema and high in schema:
        return f"{schema[low]} to {schema[high]}"
    if low in schema:
        return f"at least {schema[low]}"
    return f"at most {schema[high]}"


def _words(types: str | list[str]) -> str:
    names = [types] if isinstance(types, str) else list(types)
    words = [_TYPE_WORDS.get(name, name) for name in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + ", or " + words[-1]


def _either(options: Iterable[Any]) -> str:
    words = [str(option) for option in options]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _hint(doc: Document, path: PathKey, expected: Any, value: Any) -> str:
    """Why YAML 1.1 may have read the value differently from what was meant."""
    expected = [expected] if isinstance(expected, str) else expected
    spot = doc.spot(path)
    if spot.written and "string" in expected:
        read_as = _read_as(value)
        return f' (YAML read {spot.written} as {read_as}; quote it: "{spot.written}")'
    number = _as_number(value)
    if number is None or not {"integer", "number"} & set(expected):
        return ""
    if spot.quoted:
        return f" (quoted, so it is text; write {number} without quotes)"
    return f" (YAML 1.1 reads {value} as text; write {number})"


def _read_as(value: Any) -> str:
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value}"
    return describe(value)


def _as_number(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return str(int(number)) if number.is_integer() else str(number)


def describe(value: Any) -> str:
    """A value as a person would write it in YAML."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)
