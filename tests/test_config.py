"""Settings and estate loading: defaults, merging, specs, narrowing, warnings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from estatefiles import write

from provisioner import config, rules
from provisioner.config import Settings, load_estate, load_settings
from provisioner.errors import ConfigError, Problem
from provisioner.model import Location, canonical_request

REPO = Path(__file__).parent.parent
USERS = "users:\n  alice: {role: plus}\n  bob: {role: basic, language: it}\n"
PAIR = "    participants: [{user_id: alice}, {user_id: bob}]\n"


def test_settings_default_from_the_rules_without_a_file(estate_dir: Path) -> None:
    settings = load_settings(Path("."))
    defaults = {spec.name: spec.default for spec in rules.SETTINGS_FIELDS}
    assert settings == Settings(
        root=Path("."),
        rooms_dir=Path(".") / defaults["rooms"],
        state=defaults["state"],
        api_environment="sandbox",
        api_region="eu",
        api_url=None,
        on_replace=defaults["on_replace"],
        max_delete_percent=defaults["max_delete_percent"],
        prune_users=defaults["prune_users"],
        file=None,
    )


def test_settings_file_values_are_used(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "provisioner.yaml": "rooms: defs\nstate: postgresql://db/x\n"
            "api: {environment: production, region: us, url: http://127.0.0.1:9}\n"
            "on_replace: delete\nmax_delete_percent: 10\nprune_users: true\n"
        },
    )
    settings = load_settings(estate_dir)
    assert settings.rooms_dir == estate_dir / "defs"
    assert settings.state == "postgresql://db/x"
    assert (settings.api_environment, settings.api_region) == ("production", "us")
    assert settings.api_url == "http://127.0.0.1:9"
    assert (settings.on_replace, settings.max_delete_percent) == ("delete", 10)
    assert settings.prune_users is True
    assert settings.file == estate_dir / "provisioner.yaml"


def test_empty_settings_file_means_defaults(estate_dir: Path) -> None:
    write(estate_dir, {"provisioner.yaml": "# all defaults\n"})
    assert load_settings(Path(".")).state == "rooms.state.json"


def test_invalid_settings_raise_every_problem(estate_dir: Path) -> None:
    write(estate_dir, {"provisioner.yaml": "on_replace: archive\nprune: true\n"})
    with pytest.raises(ConfigError) as caught:
        load_settings(Path("."))
    assert caught.value.problems == [
        Problem(
            "provisioner.yaml",
            1,
            13,
            "on_replace: expected disable or delete, got 'archive'",
        ),
        Problem(
            "provisioner.yaml", 2, 1, "unknown key 'prune' (did you mean prune_users?)"
        ),
    ]


def test_read_settings_keeps_valid_keys_when_others_are_wrong(estate_dir: Path) -> None:
    write(estate_dir, {"provisioner.yaml": "rooms: defs/\nmax_delete_percent: -1\n"})
    settings, problems = config.read_settings(Path("."))
    assert settings.rooms_dir == Path("defs")
    assert settings.max_delete_percent == 25
    assert [p.message for p in problems] == [
        "max_delete_percent: expected 0 to 100, got -1"
    ]


def test_example_estate_is_valid() -> None:
    settings = load_settings(REPO)
    estate = load_estate(settings)
    assert estate.problems == ()
    assert len(estate.files) == 3
    assert 5 <= len(estate.rooms) <= 10
    assert settings.state == "rooms.state.json"


def test_rooms_become_canonical_specs_with_defaults_merged(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/a.yaml": USERS
            + "defaults:\n  recording: true\n  duration: 600\n  prevent_destroy: true\n"
            "  call_action: {ring: 1, extra: 2}\n"
            "rooms:\n  standup:\n    duration: 900\n    call_action: {ring: 2}\n"
            "    participants: [{user_id: bob}, {user_id: alice, is_admin: true}]\n"
        },
    )
    estate = load_estate(load_settings(Path(".")))
    assert estate.problems == ()
    spec = estate.rooms["standup"]
    merged = {
        "recording": True,
        "duration": 900,
        "prevent_destroy": True,
        "call_action": {"ring": 2},
        "participants": [{"user_id": "bob"}, {"user_id": "alice", "is_admin": True}],
    }
    assert spec.request == canonical_request("standup", merged)
    assert spec.request["description"] == "standup"
    assert spec.request["call_action"] == {"ring": 2}  # shallow merge
    assert spec.prevent_destroy is True
    assert spec.location == Location("rooms/a.yaml", 10, 3)


def test_users_and_external_users_are_collected(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/users.yaml": USERS + "external_users: [desk]\n",
            "rooms/sub/b.yml": "rooms:\n  r:\n    participants:\n"
            "      [{user_id: alice}, {user_id: desk}]\n",
        },
    )
    estate = load_estate(load_settings(Path(".")))
    assert estate.problems == ()
    assert set(estate.rooms) == {"r"}
    assert estate.external_users == frozenset({"desk"})
    bob = estate.users["bob"]
    assert (bob.role, bob.can_video, bob.language) == ("basic", True, "it")
    assert bob.location == Location("rooms/users.yaml", 3, 3)
    assert estate.users["alice"].language is None


def test_hidden_folders_and_other_files_are_skipped(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/.git/x.yaml": "broken: [\n",
            "rooms/.hidden.yaml": "broken: [\n",
            "rooms/notes.txt": "broken: [\n",
            "rooms/ok.yaml": "",
        },
    )
    estate = load_estate(load_settings(Path(".")))
    assert estate.problems == ()
    assert estate.files == (Path("rooms/ok.yaml"),)


def test_settings_file_inside_the_rooms_folder_is_not_a_room_file(
    estate_dir: Path,
) -> None:
    write(estate_dir, {"provisioner.yaml": "rooms: .\n", "a.yaml": ""})
    estate = load_estate(load_settings(Path(".")))
    assert estate.files == (Path("a.yaml"),)


def test_missing_rooms_folder_is_a_problem(estate_dir: Path) -> None:
    estate = load_estate(load_settings(Path(".")))
    assert estate.problems == (
        Problem(
            "rooms", 1, 1, "rooms folder not found (set rooms: in provisioner.yaml)"
        ),
    )


def test_rooms_with_problems_get_no_spec(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/a.yaml": USERS
            + "rooms:\n  good:\n"
            + PAIR
            + "  bad:\n    live: maybe\n"
            + PAIR
        },
    )
    estate = load_estate(load_settings(Path(".")))
    assert set(estate.rooms) == {"good"}
    assert [p.message for p in estate.problems] == [
        "rooms.bad.live: expected true or false, got 'maybe'"
    ]


def test_only_narrows_reporting_but_rules_see_every_file(estate_dir: Path) -> None:
    write(
        estate_dir,
        {
            "rooms/users.yaml": USERS + "rooms:\n  x:\n    live: maybe\n" + PAIR,
            "rooms/team/a.yaml": "rooms:\n  z:\n    participants:\n"
            "      [{user_id: alice}, {user_id: carol}]\n",
        },
    )
    settings = load_settings(Path("."))
    everything = load_estate(settings)
    assert [p.path for p in everything.problems] == [
        "rooms/team/a.yaml",
        "rooms/users.yaml",
    ]
    for only in (
        Path("rooms/team/a.yaml"),
        Path("rooms/team"),
        estate_dir / "rooms/team",
    ):
        narrowed = load_estate(settings, [only])
        assert [p.path for p in narrowed.problems] == ["rooms/team/a.yaml"]
        assert "unknown user 'carol'" in narrowed.problems[0].message


def test_a_file_outside_the_rooms_folder_is_checked_with_the_estate(
    estate_dir: Path,
) -> None:
    write(
        estate_dir,
        {
            "rooms/users.yaml": USERS,
            "new.yaml": "rooms:\n  z:\n" + PAIR,
        },
    )
    estate = load_estate(load_settings(Path(".")), [Path("new.yaml")])
    assert estate.problems == ()
    assert set(estate.rooms) == {"z"}


def test_display_paths_are_relative_to_the_current_folder(estate_dir: Path) -> None:
    assert config.display_path(estate_dir / "rooms" / "a.yaml") == "rooms/a.yaml"
    assert config.display_path(Path("/elsewhere/a.yaml")) == "/elsewhere/a.yaml"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_state_tracked_by_git_is_warned_about(estate_dir: Path) -> None:
    settings = load_settings(Path("."))
    assert config.state_tracked_warning(settings) is None  # not a repository
    git(estate_dir, "init", "-q")
    (estate_dir / "rooms.state.json").write_text("{}")
    assert config.state_tracked_warning(settings) is None  # untracked
    git(estate_dir, "add", "-f", "rooms.state.json")
    assert config.state_tracked_warning(settings) == (
        "rooms.state.json is tracked by git, but it holds join links (bearer "
        "secrets): run `git rm --cached rooms.state.json` and add it to .gitignore"
    )
    write(estate_dir, {"rooms/a.yaml": ""})
    checked = config.check(Path("."))
    assert checked.problems == ()
    assert [w.path for w in checked.warnings] == ["rooms.state.json"]


def test_shared_state_is_never_warned_about(estate_dir: Path) -> None:
    write(estate_dir, {"provisioner.yaml": "state: postgresql://db/state\n"})
    assert config.state_tracked_warning(load_settings(Path("."))) is None
