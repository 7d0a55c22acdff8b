"""Item 1: two files that mean the same room give the same canonical request.

Key order, participant order, spelled-out defaults and YAML anchors change
nothing; a change of meaning changes the fingerprint (and so replaces).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml

from provisioner import rules
from provisioner.model import canonical_request, fingerprint, room_spec

TERSE = """
rooms:
  standup:
    duration: 3600
    participants:
      - user_id: alice
        is_admin: true
      - user_id: bob
        tools: {chat: true, whiteboard: {wb_pen: true}}
"""

REORDERED_AND_SPELLED_OUT = """
rooms:
  standup:
    participants:
      - tools:
          whiteboard: {wb_pen: true, wb_text: false}
          screen_sharing: false
          chat: true
        is_admin: false
        user_id: bob
      - is_admin: true
        user_id: alice
        tools:
          chat: true
          screen_sharing: true
          file_upload: true
          snapshot: true
          live_edit: true
          live_pointer: true
          present_to_everyone: true
          whiteboard: true
    recording_type: automatic
    description: standup
    live: false
    direct_call: false
    call_type: audio_video
    recording: false
    duration: 3600
"""

ANCHORED = """
people:
  admin: &admin {user_id: alice, is_admin: true}
  chat_only: &chat_only {chat: true, whiteboard: {wb_pen: true}}
hour: &hour 3600
rooms:
  standup:
    duration: *hour
    participants:
      - *admin
      - {user_id: bob, tools: *chat_only}
"""


def spec_of(text: str) -> Any:
    return room_spec("standup", yaml.safe_load(text)["rooms"]["standup"])


def expected_request() -> dict[str, Any]:
    """The canonical request DESIGN.md's rules give for TERSE, written out."""
    everything = {**dict.fromkeys(rules.TOOLS, True)}
    everything["whiteboard"] = dict.fromkeys(rules.WHITEBOARD_TOOLS, True)
    chat_only = {**dict.fromkeys(rules.TOOLS, False), "chat": True}
    chat_only["whiteboard"] = {
        **dict.fromkeys(rules.WHITEBOARD_TOOLS, False),
        "wb_pen": True,
    }
    return {
        "call_type": "audio_video",
        "description": "standup",
        "directCall": False,
        "duration": 3600,
        "live": False,
        "participants": [
            {"is_admin": True, "tools": everything, "user_id": "alice"},
            {"is_admin": False, "tools": chat_only, "user_id": "bob"},
        ],
        "recording": False,
        "recording_type": "automatic",
    }


def test_the_canonical_request_follows_the_documented_rules() -> None:
    spec = spec_of(TERSE)
    assert spec.request == expected_request()
    text = json.dumps(expected_request(), sort_keys=True, separators=(",", ":"))
    assert spec.fingerprint == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_key_order_participant_order_and_spelled_out_defaults_change_nothing() -> None:
    assert spec_of(REORDERED_AND_SPELLED_OUT).fingerprint == spec_of(TERSE).fingerprint


def test_yaml_anchors_change_nothing() -> None:
    assert spec_of(ANCHORED).fingerprint == spec_of(TERSE).fingerprint


def test_the_canonical_request_has_sorted_keys_at_every_level() -> None:
    request = spec_of(REORDERED_AND_SPELLED_OUT).request
    assert list(request) == sorted(request)
    for participant in request["participants"]:
        assert list(participant) == sorted(participant)
        assert list(participant["tools"]) == sorted(participant["tools"])


def test_a_change_of_meaning_changes_the_fingerprint() -> None:
    base = spec_of(TERSE).fingerprint
    changed = TERSE.replace("wb_pen: true", "wb_pen: false")
    assert spec_of(changed).fingerprint != base
    assert fingerprint({**expected_request(), "live": True}) != base


def test_an_integer_written_as_a_float_is_sent_as_an_integer() -> None:
    people = [{"user_id": "alice"}, {"user_id": "bob"}]
    as_float = canonical_request("r", {"duration": 3600.0, "participants": people})
    as_int = canonical_request("r", {"duration": 3600, "participants": people})
    assert as_float == as_int
    assert type(as_float["duration"]) is int
