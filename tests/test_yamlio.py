"""Strict YAML loading: values, positions, and every way a file can be refused."""

from __future__ import annotations

import datetime
import gc
import time
from pathlib import Path

import pytest

from provisioner.config import yamlio
from provisioner.config.yamlbuild import MAX_ALIAS_NODES
from provisioner.config.yamlpath import format_path
from provisioner.errors import Problem


def load(tmp_path: Path, text: str | bytes) -> yamlio.Document:
    path = tmp_path / "a.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return yamlio.load(path, "a.yaml")


def messages(doc: yamlio.Document) -> list[str]:
    return [str(problem) for problem in doc.problems]


def test_plain_values_are_built_as_yaml_1_1_reads_them(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "s: text\nq: 'no'\nb: yes\ni: 42\nh: 0x1F\nu: 1_000\nf: 1.5\nn: ~\n"
        "d: 2024-05-01\nl: [1, two]\nm: {k: v}\n",
    )
    assert doc.problems == ()
    assert doc.value == {
        "s": "text",
        "q": "no",
        "b": True,
        "i": 42,
        "h": 31,
        "u": 1000,
        "f": 1.5,
        "n": None,
        "d": datetime.date(2024, 5, 1),
        "l": [1, "two"],
        "m": {"k": "v"},
    }


def test_keys_are_taken_as_written(tmp_path: Path) -> None:
    doc = load(tmp_path, "no: 1\n2024: 2\non: 3\n")
    assert doc.problems == ()
    assert doc.value == {"no": 1, "2024": 2, "on": 3}


def test_empty_and_comment_only_files_declare_nothing(tmp_path: Path) -> None:
    assert load(tmp_path, "").value is None
    doc = load(tmp_path, "# nothing here yet\n")
    assert (doc.value, doc.problems) == (None, ())


def test_duplicate_key_names_both_lines_and_keeps_the_first(tmp_path: Path) -> None:
    doc = load(tmp_path, "rooms:\n  a:\n    live: true\n    x: 1\n    live: false\n")
    assert doc.value == {"rooms": {"a": {"live": True, "x": 1}}}
    assert messages(doc) == [
        "a.yaml:5:5: rooms.a: duplicate key 'live' (lines 3 and 5)"
    ]


def test_anchors_aliases_and_merge_keys_work(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "base: &base {a: 1, b: 2}\n"
        "both: &both {c: 3}\n"
        "one: {<<: *base, b: 9}\n"
        "two: {<<: [*base, *both], a: 0}\n"
        "list: [*both, *both]\n",
    )
    assert doc.problems == ()
    assert doc.value["one"] == {"b": 9, "a": 1}
    assert doc.value["two"] == {"a": 0, "b": 2, "c": 3}
    assert doc.value["list"] == [{"c": 3}, {"c": 3}]


def test_merge_of_a_scalar_is_a_problem(tmp_path: Path) -> None:
    doc = load(tmp_path, "one: {<<: 5, a: 1}\n")
    assert messages(doc) == [
        "a.yaml:1:11: one: << merges a mapping or a list of mappings"
    ]


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for parent, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{parent}"] * 9) + "]")
    started = time.perf_counter()
    doc = load(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert doc.value is None
    assert messages(doc) == [
        f"a.yaml:5:4: aliases expand to more than {MAX_ALIAS_NODES} nodes; "
        "refusing to expand them (an alias bomb?)"
    ]


def test_many_honest_aliases_are_fine(tmp_path: Path) -> None:
    items = "\n".join("  - *tools" for _ in range(2000))
    doc = load(
        tmp_path, f"tools: &tools {{chat: true, snapshot: false}}\nall:\n{items}\n"
    )
    assert doc.problems == ()
    assert len(doc.value["all"]) == 2000


def test_recursive_alias_is_a_problem(tmp_path: Path) -> None:
    doc = load(tmp_path, "a: &x\n  b: [*x]\n")
    assert messages(doc) == ["a.yaml:1:4: a: an alias refers to its own parent"]


def test_file_over_one_mebibyte_is_refused(tmp_path: Path) -> None:
    doc = load(tmp_path, "#" * (yamlio.MAX_FILE_BYTES + 1))
    assert messages(doc) == [
        "a.yaml:1:1: file is larger than 1 MiB; split it into several files"
    ]
    assert load(tmp_path, "#" * yamlio.MAX_FILE_BYTES).problems == ()


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    doc = yamlio.load(tmp_path, "folder")
    assert messages(doc) == ["folder:1:1: cannot read the file: Is a directory"]


def test_syntax_error_points_at_the_problem(tmp_path: Path) -> None:
    doc = load(tmp_path, "a: 1\nb: : 2\n")
    assert messages(doc) == [
        "a.yaml:2:4: YAML syntax: mapping values are not allowed in this context"
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a:\n\tb: 1\n", "2:1"),
        ("rooms:\n  a:\n    - x\n\t- y\n", "4:1"),
        ("é: 1\nb:\n  c: ü\n\t  d: 1\n", "4:1"),
    ],
)
def test_a_tab_is_named_as_a_tab(tmp_path: Path, text: str, where: str) -> None:
    # The parser only says "found character that cannot start any token",
    # and a tab is invisible in most editors.
    doc = load(tmp_path, text)
    assert messages(doc) == [
        f"a.yaml:{where}: YAML syntax: a tab character; YAML indents with spaces only"
    ]


def test_invalid_utf8_points_at_the_byte(tmp_path: Path) -> None:
    doc = load(tmp_path, b"a: 1\nb: caf\xff\n")
    assert messages(doc) == [
        "a.yaml:2:7: not readable as text: invalid leading UTF-8 octet"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!binary aGk=\n", "a.yaml:1:4: a: unsupported tag !!binary"),
        ("a: !!set {x}\n", "a.yaml:1:4: a: unsupported tag !!set"),
        ("a: !mine 1\n", "a.yaml:1:4: a: unsupported tag !mine"),
        ("a: !!int abc\n", "a.yaml:1:4: a: cannot read 'abc' as !!int"),
        ("a: !!bool maybe\n", "a.yaml:1:4: a: cannot read 'maybe' as !!bool"),
        ("a: 2024-13-45\n", "a.yaml:1:4: a: cannot read '2024-13-45' as !!timestamp"),
        ("? [a]\n: 1\n", "a.yaml:1:3: keys must be plain text"),
    ],
)
def test_only_plain_data_is_accepted(tmp_path: Path, text: str, message: str) -> None:
    assert messages(load(tmp_path, text)) == [message]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("0600", "YAML 1.1 reads 0600 as the octal number 384"),
        ("-017", "YAML 1.1 reads -017 as the octal number -15"),
        ("1:30", "YAML 1.1 reads 1:30 as the base-60 number 90"),
        ("1:30.5", "YAML 1.1 reads 1:30.5 as the base-60 number 90.5"),
    ],
)
def test_surprising_numbers_are_refused(
    tmp_path: Path, written: str, message: str
) -> None:
    [problem] = load(tmp_path, f"duration: {written}\n").problems
    assert (problem.line, problem.col) == (1, 11)
    assert problem.message.startswith(f"duration: {message}; write ")


@pytest.mark.parametrize("written", ["0", "600", "0x1F", "1_000", "'0600'", "0.5"])
def test_ordinary_numbers_pass(tmp_path: Path, written: str) -> None:
    assert load(tmp_path, f"duration: {written}\n").problems == ()


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    doc = load(tmp_path, "[" * 900 + "]" * 900 + "\n")
    assert messages(doc) == ["a.yaml:1:1: nested too deeply to read"]


def test_spot_of_keys_values_and_scalars_as_written(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "rooms:\n  a:\n    participants:\n      - user_id: no\n"
        "      - {user_id: 'no'}\n",
    )
    assert doc.spot(("rooms", "a"), key=True) == yamlio.Spot(2, 3)
    assert doc.spot(("rooms", "a")) == yamlio.Spot(3, 5)
    plain = doc.spot(("rooms", "a", "participants", 0, "user_id"))
    assert plain == yamlio.Spot(4, 18, written="no")
    quoted = doc.spot(("rooms", "a", "participants", 1, "user_id"))
    assert quoted == yamlio.Spot(5, 19, quoted=True)


def test_spot_looks_through_merge_keys_and_stops_at_what_exists(
    tmp_path: Path,
) -> None:
    doc = load(tmp_path, "base: &b {x: 1}\nroom:\n  <<: *b\n  y: 2\n")
    assert doc.spot(("room", "x")) == yamlio.Spot(1, 14, written="1")
    assert doc.spot(("room", "missing", "deeper")) == yamlio.Spot(3, 3)
    assert doc.spot(("room", "y", 5)) == yamlio.Spot(4, 6, written="2")


def test_problem_is_prefixed_with_the_path(tmp_path: Path) -> None:
    doc = load(tmp_path, "rooms:\n  a: {live: 1}\n")
    assert doc.problem(("rooms", "a", "live"), "bad") == Problem(
        "a.yaml", 2, 13, "rooms.a.live: bad"
    )
    assert doc.problem((), "top") == Problem("a.yaml", 1, 1, "top")


def test_format_path_quotes_keys_that_are_not_plain() -> None:
    assert format_path(("rooms", "a-1", "participants", 2, "user_id")) == (
        "rooms.a-1.participants[2].user_id"
    )
    assert format_path(("users", "j.doe")) == "users['j.doe']"
    assert format_path(()) == ""


def test_paused_gc_restores_the_collector() -> None:
    assert gc.isenabled()
    with yamlio.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
