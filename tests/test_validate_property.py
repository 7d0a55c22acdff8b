"""Whatever the files hold, validate answers 0 or 1 with words, never a traceback."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import provisioner.cli.config_cmds  # noqa: F401  (registers the commands)
from provisioner import rules
from provisioner.cli import cli
from provisioner.config import schema
from provisioner.config.validation import compile_schema, explainer

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Room files that are often valid and often wrong in one place.
_USER_IDS = st.sampled_from(["alice", "bob", "desk", "x y", "no", "", "bob\n", "it's"])
_TOOLS = st.dictionaries(
    st.sampled_from([*rules.TOOLS, rules.WHITEBOARD, "laser"]),
    st.one_of(
        st.booleans(),
        st.dictionaries(st.sampled_from([*rules.WHITEBOARD_TOOLS, "x"]), st.booleans()),
        st.just("yes"),
    ),
    max_size=3,
)
_PARTICIPANT = st.fixed_dictionaries(
    {"user_id": _USER_IDS},
    optional={"is_admin": st.booleans(), "tools": _TOOLS},
)
_ROOM_FIELDS = {
    "description": st.one_of(st.text(max_size=8), st.dates()),
    "duration": st.one_of(st.integers(0, 100_000), st.floats()),
    "call_type": st.sampled_from(["audio_video", "audio_only", "video"]),
    "recording": st.one_of(st.booleans(), st.just("yes")),
    "initiator_alias": _USER_IDS,
    "prevent_destroy": st.booleans(),
    "call_action": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
}
_ROOM = st.fixed_dictionaries(
    {"participants": st.lists(_PARTICIPANT, min_size=1, max_size=4)},
    optional=_ROOM_FIELDS,
)
_USER = st.fixed_dictionaries(
    {"role": st.sampled_from(["plus", "basic", "admin"])},
    optional={"can_video": st.booleans(), "language": st.sampled_from(["en", "xx"])},
)
ROOM_FILES = st.fixed_dictionaries(
    {},
    optional={
        "rooms": st.dictionaries(
            st.sampled_from(["a", "b-1", "Bad", "c\nd"]), _ROOM, max_size=3
        ),
        "users": st.dictionaries(_USER_IDS, _USER, max_size=3),
        "defaults": st.fixed_dictionaries({}, optional=_ROOM_FIELDS),
        "external_users": st.lists(_USER_IDS, max_size=2),
    },
)

# Anything at all that safe_dump can write.
_ANY = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates()
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3
        ),
    ),
    max_leaves=15,
)

# Text that looks like YAML: the characters that matter to its grammar.
_YAMLISH = st.text(
    alphabet=st.sampled_from(
        list("rooms:users- \n\t[]{},&*!|>'\"#?%@`0123456789yesno<")
    ),
    max_size=120,
)


@contextlib.contextmanager
def estate(files: dict[str, str | bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        with contextlib.chdir(root):
            yield root


def validate(files: dict[str, str | bytes]) -> Result:
    with estate(files):
        result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.strip()
    files = tuple(f"{name}:" for name in files)
    for line in result.stdout.splitlines():  # one line per problem, always
        assert line.startswith((*files, "Valid: ")), line
    return result


@FAST
@given(text=_YAMLISH)
def test_yaml_ish_text_never_crashes(text: str) -> None:
    validate({"rooms/a.yaml": text})


@FAST
@given(data=st.binary(max_size=80))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    validate({"rooms/a.yaml": data})


@FAST
@given(value=_ANY)
def test_arbitrary_structures_never_crash(value: Any) -> None:
    validate({"rooms/a.yaml": yaml.safe_dump(value)})


@FAST
@given(value=_ANY)
def test_arbitrary_settings_never_crash(value: Any) -> None:
    validate({"provisioner.yaml": yaml.safe_dump(value), "rooms/a.yaml": ""})


@FAST
@given(first=ROOM_FILES, second=ROOM_FILES)
def test_room_like_estates_never_crash(first: Any, second: Any) -> None:
    validate(
        {"rooms/a.yaml": yaml.safe_dump(first), "rooms/b.yaml": yaml.safe_dump(second)}
    )


@settings(max_examples=300, deadline=None)
@given(value=ROOM_FILES)
def test_fast_path_agrees_with_jsonschema_on_room_files(value: Any) -> None:
    generated = schema.rooms_schema()
    expected = explainer(generated).is_valid(value)
    assert compile_schema(generated)(value) is expected
