"""A YAML 1.2 reader for tests: PyYAML with the 1.2 core schema's resolvers.

Editors (yaml-language-server) and check-jsonschema read room files as YAML
1.2; PyYAML reads YAML 1.1. `load12` reads a text as the former do, so tests
can compare the two readings and check the shipped schema as they apply it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_TAG = "tag:yaml.org,2002:"


class Yaml12Loader(yaml.SafeLoader):
    """The safe loader with the YAML 1.2 core schema (spec 1.2.2, 10.3.2)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML's shape)


_RESOLVERS = (
    ("null", r"null|Null|NULL|~|", "nN~"),
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+.0123456789",
    ),
)
for name, pattern, first in _RESOLVERS:
    Yaml12Loader.add_implicit_resolver(
        _TAG + name, re.compile(rf"^(?:{pattern})$"), [*first, ""]
    )


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


Yaml12Loader.add_constructor(_TAG + "int", _int)


def load12(text: str) -> Any:
    """`text` as a YAML 1.2 reader sees it."""
    return yaml.load(text, Loader=Yaml12Loader)
