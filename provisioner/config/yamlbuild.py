"""YAML nodes -> plain Python values, noting duplicate keys, aliases and surprises.

PyYAML's own constructor keeps the last of two duplicate keys and expands
aliases without limit; this builder refuses both, and flags the YAML 1.1
numbers nobody means (octal `0600`, base-60 `1:30`).
"""

from __future__ import annotations

import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_ALIAS_NODES = 100_000
"""Nodes that aliases may add by re-use: far above honest anchors, far below a bomb."""

_TAG = "tag:yaml.org,2002:"
STR_TAG, MERGE_TAG = _TAG + "str", _TAG + "merge"
MAP_TAG, SEQ_TAG = _TAG + "map", _TAG + "seq"
INT_TAG, FLOAT_TAG = _TAG + "int", _TAG + "float"
_OCTAL = re.compile(r"[-+]?0[0-7_]+")


class AliasBombError(Exception):
    """Aliases would expand past MAX_ALIAS_NODES."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


_CONSTRUCTOR = SafeConstructor()
_MAKERS: dict[str, Any] = {
    _TAG + "null": lambda node: None,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    INT_TAG: _CONSTRUCTOR.construct_yaml_int,
    FLOAT_TAG: _CONSTRUCTOR.construct_yaml_float,
    _TAG + "timestamp": _CONSTRUCTOR.construct_yaml_timestamp,
}


class Builder:
    """Builds plain Python values from nodes, noting every issue on the way."""

    def __init__(self) -> None:
        self.issues: list[tuple[Node, Node, str]] = []
        self.built: dict[int, tuple[Any, int]] = {}
        self.active: set[int] = set()
        self.count = 0
        self.expanded = 0

    def issue(self, node: Node, owner: Node, message: str) -> None:
        self.issues.append((node, owner, message))

    def build(self, node: Node) -> Any:
        if type(node) is ScalarNode:
            return node.value if node.tag == STR_TAG else self.scalar(node)
        ident = id(node)
        done = self.built.get(ident)
        if done is not None:
            return self.reuse(node, *done)
        if ident in self.active:
            self.issue(node, node, "an alias refers to its own parent")
            return None
        self.active.add(ident)
        start = self.count
        value = self.collection(node)
        self.active.discard(ident)
        self.built[ident] = (value, self.count - start + 1)
        return value

    def reuse(self, node: Node, value: Any, size: int) -> Any:
        self.expanded += size
        self.count += size
        if self.expanded > MAX_ALIAS_NODES:
            raise AliasBombError(node)
        return value

    def collection(self, node: Node) -> Any:
        if node.tag not in (MAP_TAG, SEQ_TAG):
            self.issue(node, node, f"unsupported tag {short_tag(node.tag)}")
        # Sizes count entries, so alias re-use can be charged what it adds.
        self.count += len(node.value)
        if type(node) is MappingNode:
            return self.mapping(node)
        return [self.build(item) for item in node.value]

    def mapping(self, node: MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merges.append(value_node)
                continue
            if type(key_node) is not ScalarNode:
                self.issue(key_node, node, "keys must be plain text")
                continue
            key = str(key_node.value)
            if key in result:
                self.duplicate(node, key_node)
                continue
            if type(value_node) is ScalarNode and value_node.tag == STR_TAG:
                result[key] = value_node.value  # the common case, inlined
            else:
                result[key] = self.build(value_node)
        for merge in merges:
            self.merge(node, result, merge)
        return result

    def duplicate(self, node: MappingNode, again: Node) -> None:
        first = next(k for k, _ in node.value if k.value == again.value)
        lines = f"lines {first.start_mark.line + 1} and {again.start_mark.line + 1}"
        self.issue(again, node, f"duplicate key {again.value!r} ({lines})")

    def merge(self, owner: MappingNode, result: dict[str, Any], merge: Node) -> None:
        sources = merge.value if type(merge) is SequenceNode else [merge]
        for source in sources:
            if type(source) is not MappingNode:
                self.issue(source, owner, "<< merges a mapping or a list of mappings")
                continue
            for key, value in self.build(source).items():
                result.setdefault(key, value)

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == STR_TAG:
            return node.value
        maker = _MAKERS.get(tag)
        if maker is None:
            self.issue(node, node, f"unsupported tag {short_tag(tag)}")
            return None
        try:
            value = maker(node)
        except (ValueError, KeyError, TypeError, OverflowError):
            self.issue(node, node, f"cannot read {node.value!r} as {short_tag(tag)}")
            return None
        if tag in (INT_TAG, FLOAT_TAG):
            self.surprise(node, value)
        return value

    def surprise(self, node: ScalarNode, value: Any) -> None:
        written = str(node.value)
        if ":" in written:
            kind = "base-60 number"
        elif tag_is_octal(node):
            kind = "octal number"
        else:
            return
        self.issue(
            node,
            node,
            f"YAML 1.1 reads {written} as the {kind} {value}; "
            f'write {value}, or quote it ("{written}") for text',
        )


def short_tag(tag: str) -> str:
    """`tag:yaml.org,2002:int` -> `!!int`, as it is written in YAML."""
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def tag_is_octal(node: ScalarNode) -> bool:
    """Whether an int scalar is written with a leading zero (octal in YAML 1.1)."""
    return node.tag == INT_TAG and _OCTAL.fullmatch(str(node.value)) is not None
