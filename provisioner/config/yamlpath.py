"""Paths into a YAML node tree: `rooms.standup.participants[1].tools.chat`.

A path is a tuple of mapping keys and sequence indexes, the same shape as a
jsonschema error path, so a schema error can be traced back to its node.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, SequenceNode

PathKey = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_path(path: PathKey) -> str:
    """`('rooms', 'a', 'participants', 1)` -> `rooms.a.participants[1]`."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _PLAIN_KEY.fullmatch(step):
            parts.append(f".{step}" if parts else step)
        else:
            parts.append(f"[{step!r}]")
    return "".join(parts)


def walk(root: Node | None, path: PathKey, *, key: bool = False) -> Node | None:
    """The node at `path` (its key node when `key`), or the deepest one found."""
    node = root
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, MappingNode):
            pair = _find(node, str(step), set())
            if pair is None:
                return node
            node = pair[0] if last and key else pair[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return node
            node = node.value[step]
        else:
            return node
    return node


def _find(node: MappingNode, key: str, seen: set[int]) -> tuple[Node, Node] | None:
    """The first pair for `key`, looking into `<<` merges after explicit keys."""
    seen.add(id(node))
    merges: list[Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            merges.append(value_node)
        elif key_node.value == key:
            return key_node, value_node
    for merge in merges:
        sources = merge.value if isinstance(merge, SequenceNode) else [merge]
        for source in sources:
            if isinstance(source, MappingNode) and id(source) not in seen:
                pair = _find(source, key, seen)
                if pair is not None:
                    return pair
    return None


def path_of(root: Node | None, target: Node) -> PathKey:
    """The first path (in document order) that reaches `target`."""
    stack: list[tuple[Node, PathKey]] = [(root, ())] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            children = [(v, (*path, str(k.value))) for k, v in node.value]
        elif isinstance(node, SequenceNode):
            children = [(v, (*path, i)) for i, v in enumerate(node.value)]
        else:
            continue
        stack.extend(reversed(children))
    return ()
