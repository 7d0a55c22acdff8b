"""The JSON Schemas come from rules.py, are committed current, and the fast path
agrees with jsonschema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import provisioner.cli.config_cmds  # noqa: F401  (registers the commands)
from provisioner import rules
from provisioner.cli import cli
from provisioner.config import schema
from provisioner.config.validation import compile_schema, explainer

REPO = Path(__file__).parent.parent


def subschemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from subschemas(value)


@pytest.mark.parametrize("make", [schema.rooms_schema, schema.settings_schema])
def test_schemas_are_valid_draft_2020_12(make: Any) -> None:
    generated = make()
    assert generated["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(generated)


@pytest.mark.parametrize("make", [schema.rooms_schema, schema.settings_schema])
def test_every_closed_object_refuses_unknown_keys(make: Any) -> None:
    objects = [s for s in subschemas(make()) if s.get("type") == "object"]
    assert len(objects) >= 2
    for subschema in objects:
        extra = subschema.get("additionalProperties")
        if "properties" in subschema:
            assert extra is False
        elif extra is not None:
            assert set(extra) == {"$ref"}  # a map keyed by name, e.g. rooms
        else:
            assert subschema["description"].startswith("A call action")


def test_room_fields_come_from_the_rules() -> None:
    room = schema.rooms_schema()["$defs"]["room"]
    for spec in rules.ROOM_FIELDS + rules.PROVISIONER_ROOM_FIELDS:
        assert room["properties"][spec.name] == schema.field_schema(spec)
        assert room["properties"][spec.name]["description"] == spec.description
    assert room["required"] == ["participants"]
    participants = room["properties"]["participants"]
    assert participants["minItems"] == rules.PARTICIPANTS_MIN
    assert participants["maxItems"] == rules.PARTICIPANTS_MAX


def test_field_schema_carries_type_default_enum_range_and_pattern() -> None:
    duration = schema.field_schema(rules.room_field("duration"))
    assert (duration["type"], duration["minimum"], duration["maximum"]) == (
        "integer",
        60,
        86400,
    )
    assert "default" not in duration
    call_type = schema.field_schema(rules.room_field("call_type"))
    assert call_type["enum"] == ["audio_only", "audio_upgradable", "audio_video"]
    assert call_type["default"] == "audio_video"
    alias = schema.field_schema(rules.room_field("initiator_alias"))
    assert (alias["pattern"], alias["title"]) == (rules.USER_ID_PATTERN, "user id")


def test_provisioner_level_keys_are_marked_as_such() -> None:
    room = schema.rooms_schema()["$defs"]["room"]
    for spec in rules.PROVISIONER_ROOM_FIELDS:
        assert room["properties"][spec.name]["description"].startswith(
            "Provisioner-level:"
        )
        assert f"(never sent to the API): {spec.name}" in room["$comment"]


def test_defaults_take_every_room_field_but_participants() -> None:
    defs = schema.rooms_schema()["$defs"]
    room_keys = set(defs["room"]["properties"])
    assert set(defs["defaults"]["properties"]) == room_keys
    assert defs["defaults"]["properties"]["participants"]["not"] == {}
    assert "required" not in defs["defaults"]


def test_tools_and_whiteboard_come_from_the_rules() -> None:
    tools = schema.rooms_schema()["$defs"]["tools"]
    assert set(tools["properties"]) == {*rules.TOOLS, rules.WHITEBOARD}
    whiteboard = tools["properties"][rules.WHITEBOARD]
    assert whiteboard["type"] == ["boolean", "object"]
    assert set(whiteboard["properties"]) == set(rules.WHITEBOARD_TOOLS)


def test_names_are_constrained_by_the_rule_patterns() -> None:
    properties = schema.rooms_schema()["properties"]
    assert properties["rooms"]["propertyNames"]["pattern"] == rules.ROOM_NAME_PATTERN
    assert properties["users"]["propertyNames"]["pattern"] == rules.USER_ID_PATTERN
    user = schema.rooms_schema()["$defs"]["user"]
    assert user["required"] == ["role"]
    assert user["properties"]["role"]["enum"] == ["basic", rules.PLUS_ROLE]


def test_settings_schema_holds_every_setting() -> None:
    settings_schema = schema.settings_schema()
    top = set(settings_schema["properties"])
    assert top == {spec.name for spec in rules.SETTINGS_FIELDS} | {"api"}
    api = settings_schema["properties"]["api"]
    assert set(api["properties"]) == {spec.name for spec in rules.API_SETTINGS_FIELDS}
    assert api["then"]["properties"]["region"]["enum"] == list(rules.SANDBOX_REGIONS)


def test_render_is_deterministic_sorted_with_a_trailing_newline() -> None:
    text = schema.render(schema.rooms_schema())
    assert text == schema.render(schema.rooms_schema())
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_committed_schema_files_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["schema", "--check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Schemas are up to date.\n"


def test_schema_writes_files_that_then_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Wrote schemas/rooms.schema.json",
        "Wrote schemas/provisioner.schema.json",
    ]
    written = (tmp_path / "schemas" / "rooms.schema.json").read_text()
    assert written == schema.render(schema.rooms_schema())
    assert CliRunner().invoke(cli, ["schema", "--check"]).exit_code == 0


def test_schema_check_fails_on_stale_or_missing_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "rooms.schema.json").write_text("{}\n")
    result = CliRunner().invoke(cli, ["schema", "--check"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "schemas/rooms.schema.json is stale (it differs from the rules); "
        "run `provisioner schema` and commit it",
        "schemas/provisioner.schema.json is missing; "
        "run `provisioner schema` and commit it",
    ]


def test_schema_write_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").write_text("a file where the folder should be")
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: schemas/rooms.schema.json: cannot write")
    assert len(result.stderr.splitlines()) == 1


def test_the_docs_name_every_field_of_the_rules() -> None:
    text = (REPO / "docs" / "room-files.md").read_text()
    fields = (
        rules.ROOM_FIELDS
        + rules.PROVISIONER_ROOM_FIELDS
        + rules.PARTICIPANT_FIELDS
        + rules.USER_FIELDS
        + rules.SETTINGS_FIELDS
    )
    names = [spec.name for spec in fields] + list(rules.TOOLS + rules.WHITEBOARD_TOOLS)
    missing = [name for name in names if f"`{name}`" not in text]
    missing += [
        f"api.{s.name}" for s in rules.API_SETTINGS_FIELDS if s.name not in text
    ]
    assert missing == []


def test_patterns_end_at_the_end_of_the_text_as_in_json_schema() -> None:
    check = compile_schema({"type": "string", "pattern": rules.USER_ID_PATTERN})
    assert check("alice")
    assert not check("alice\n")
    assert not explainer({"pattern": rules.USER_ID_PATTERN}).is_valid("alice\n")
    assert compile_schema({"pattern": "a\\$"})("xa$")


def test_fast_path_follows_recursive_references() -> None:
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}
                },
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    }
    check = compile_schema(tree)
    assert check({"kids": [{"kids": []}, {}]})
    assert not check({"kids": [{"kids": [{"other": 1}]}]})


# Values near the schema's vocabulary, so both verdicts are exercised often.
_KEYS = st.sampled_from(
    [
        "rooms",
        "users",
        "defaults",
        "external_users",
        "participants",
        "user_id",
        "role",
        "tools",
        "whiteboard",
        "wb_pen",
        "chat",
        "duration",
        "call_type",
        "description",
        "recording",
        "language",
        "team-a",
        "Bad Name",
        "alice",
        "is_admin",
        "api",
        "region",
        "environment",
        "max_delete_percent",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 100_000),
    st.floats(allow_nan=True),
    st.sampled_from(["plus", "basic", "en", "no", "eu", "us", "x y", "alice\n"]),
    st.text(max_size=5),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=25,
)


@pytest.mark.parametrize("make", [schema.rooms_schema, schema.settings_schema])
@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(_KEYS, _VALUES, max_size=4))
def test_fast_path_agrees_with_jsonschema(make: Any, value: Any) -> None:
    generated = make()
    expected = explainer(generated).is_valid(value)
    assert compile_schema(generated)(value) is expected
