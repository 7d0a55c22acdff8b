"""`validate` and the shipped schema agree on every single-file case.

Editors and check-jsonschema apply schemas/rooms.schema.json to the file as
YAML 1.2 reads it; `validate` reads YAML 1.1. On a file both read alike they
must give the same verdict, and a file the two YAML versions read differently
is refused by `validate` with both readings, whatever the schema says of
either: the same file must never pass in the editor and fail in CI, or the
reverse. Each case is one room file, self-contained (its users are its own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from yaml12 import load12

from provisioner.config import check
from provisioner.config.scaffold import EXAMPLE_TEXT

SHIPPED = Path(__file__).parent.parent / "schemas" / "rooms.schema.json"
USERS = "users:\n  alice: {role: plus}\n  bob: {role: basic}\n"
PAIR = "    participants: [{user_id: alice}, {user_id: bob}]\n"


def room(*lines: str) -> str:
    """A file with the users and one room `r` holding `lines` and the pair."""
    return USERS + "rooms:\n  r:\n" + "".join(f"    {line}\n" for line in lines) + PAIR


def uncommented(text: str) -> str:
    """`init`'s example room file with its example lines uncommented (and the
    empty `rooms: {}` it starts with left out)."""
    lines = text.format(schema="../schemas/rooms.schema.json").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# defaults"))
    head = [line for line in lines[:start] if not line.startswith("rooms:")]
    return "\n".join([*head, *(line[2:] for line in lines[start:])]) + "\n"


VALID = {
    "empty": "",
    "comments only": "# nothing here yet\n",
    "init's example": EXAMPLE_TEXT.format(schema="../schemas/rooms.schema.json"),
    "init's example, uncommented": uncommented(EXAMPLE_TEXT),
    "users only": USERS,
    "a plain room": room(),
    "booleans as 1.2 spells them": room("recording: True", "live: FALSE"),
    "quoted words": room("description: 'no'", 'call_type: "audio_video"'),
    "a quoted date": room("description: '2024-05-01'"),
    "a hex number": room("duration: 0x258"),
    "a number with a plus": room("duration: +600"),
    "every field": room(
        "description: Weekly stand-up",
        "duration: 3600",
        "direct_call: true",
        "initiator_alias: alice",
        "recording: true",
        "recording_type: manual",
        "prevent_destroy: true",
    ),
}
INVALID = {
    "a list": "- a\n- b\n",
    "a scalar": "hello\n",
    "rooms with nothing": "rooms:\n",
    "an unknown key": room("recordng: true"),
    "a quoted boolean": room("recording: 'yes'"),
    "a quoted number": room("duration: '600'"),
    "a number out of range": room("duration: 10"),
    "an unknown call type": room("call_type: video"),
    "a number for text": room("description: 12"),
    "a float for an integer": room("duration: 600.5"),
    "a bad room name": USERS + "rooms:\n  Bad_Name:\n" + PAIR,
    "one participant": USERS + "rooms:\n  r:\n    participants: [{user_id: alice}]\n",
    "no participants": USERS + "rooms:\n  r: {description: x}\n",
}
AMBIGUOUS = {
    "recording: yes": room("recording: yes"),
    "recording: on": room("recording: on"),
    "recording: No": room("recording: No"),
    "description: no": room("description: no"),
    "description: y": room("description: y"),
    "description: 2024-05-01": room("description: 2024-05-01"),
    "description: 1_000": room("description: 1_000"),
    "duration: 0600": room("duration: 0600"),
    "duration: 08": room("duration: 08"),
    "duration: 1:30": room("duration: 1:30"),
    "duration: 1e3": room("duration: 1e3"),
    "a user named n": "users:\n  alice: {role: plus}\n  n: {role: basic}\n",
}


def validated(folder: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    """validate's problems for a project whose only room file holds `text`."""
    (folder / "rooms").mkdir()
    (folder / "rooms" / "a.yaml").write_text(text)
    monkeypatch.chdir(folder)
    return [problem.message for problem in check(Path(".")).problems]


def schema_accepts(value: Any) -> bool:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return bool(jsonschema.Draft202012Validator(shipped).is_valid(value))


def ambiguity(messages: list[str]) -> list[str]:
    return [m for m in messages if "YAML 1.1 reads" in m and "YAML 1.2 as" in m]


@pytest.mark.parametrize(
    ("text", "valid"),
    [pytest.param(text, True, id=name) for name, text in VALID.items()]
    + [pytest.param(text, False, id=name) for name, text in INVALID.items()],
)
def test_validate_and_the_shipped_schema_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, valid: bool
) -> None:
    problems = validated(tmp_path, monkeypatch, text)
    assert (not problems) == valid, problems
    assert ambiguity(problems) == []
    assert schema_accepts(load12(text)) == valid  # editors, check-jsonschema
    assert schema_accepts(yaml.safe_load(text)) == valid  # any YAML 1.1 tool


@pytest.mark.parametrize("text", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_a_file_the_yaml_versions_read_differently_is_refused_by_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    problems = validated(tmp_path, monkeypatch, text)
    assert ambiguity(problems), problems


def test_the_cases_cover_both_ways_a_meaning_can_split() -> None:
    """Among the refused files, some the schema passes only as 1.1 reads them,
    some only as 1.2 does: `validate` is the one reader that says so."""
    verdicts = {
        name: (schema_accepts(yaml.safe_load(t)), schema_accepts(load12(t)))
        for name, t in AMBIGUOUS.items()
    }
    assert verdicts["recording: yes"] == (True, False)
    assert verdicts["description: no"] == (False, True)
    assert verdicts["duration: 1e3"] == (False, True)
    assert verdicts["duration: 1:30"] == (True, False)


@pytest.mark.parametrize("text", ["", "# every key is optional\n"])
def test_an_empty_settings_file_is_valid_for_validate_and_its_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    (tmp_path / "provisioner.yaml").write_text(text)
    assert validated(tmp_path, monkeypatch, "") == []
    settings = SHIPPED.with_name("provisioner.schema.json")
    shipped = json.loads(settings.read_text(encoding="utf-8"))
    assert jsonschema.Draft202012Validator(shipped).is_valid(load12(text))
