"""The tolerant reader: every spelling the published reference (or our contract)
gives a field is read the same; anything else names the key, never the value.

kaleyra-api.md, "What the published reference shows" is the source of each
table below.
"""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.kaleyra.models import (
    ShapeError,
    parse_created,
    parse_info,
    parse_page,
    parse_probe,
    parse_user,
)
from provisioner.kaleyra.reading import count, flag, optional_flag

TRUE_SPELLINGS = [True, 1, "1", "true", "True", " TRUE "]
FALSE_SPELLINGS = [False, 0, "0", "false", "False", " false "]
NOT_BOOLEANS = [2, -1, 1.0, 0.5, "yes", "no", "", "2", [], {}]
CREATE_LINK = "https://sandbox.bandyer.com/connect/rest-call-handler/90643787db1e7d3f"
INFO_LINK = "https://acme.bandyer.com/attach/0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def info_body(**fields: Any) -> dict[str, Any]:
    room = {
        "room_id": "room_b571df8d8h3d",
        "call_type": "audio_video",
        "status": "NOT_RUNNING",
        "user_urls": [{"user": "alice", "url": INFO_LINK}],
    }
    return {"room": {**room, **fields}}


def list_body(rooms: int = 1, **fields: Any) -> dict[str, Any]:
    entry = {
        "room_id": "room_b571df8d8h3d",
        "call_type": "audio_video",
        "status": "NOT_RUNNING",
        "creationDate": "2026-11-25T10:15:00.000Z",
    }
    listed = [{**entry, "room_id": f"room_{i:012d}"} for i in range(rooms)]
    return {"rooms": listed, **fields}


def _listed_with(**fields: Any) -> dict[str, Any]:
    body = list_body(1)
    body["rooms"][0].update(fields)
    return body


def user_body(**fields: Any) -> dict[str, Any]:
    return {"user": {"id": "alice", "role": "plus", **fields}}


# -- booleans: true/false, 1/0, "1"/"0", "true"/"false" -----------------------


@pytest.mark.parametrize("value", TRUE_SPELLINGS)
def test_every_spelling_of_true(value: object) -> None:
    assert flag({"k": value}, "k") is True


@pytest.mark.parametrize("value", FALSE_SPELLINGS)
def test_every_spelling_of_false(value: object) -> None:
    assert flag({"k": value}, "k", default=True) is False


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_anything_else_is_not_a_boolean(value: object) -> None:
    with pytest.raises(ShapeError, match=r"^k: expected a boolean"):
        flag({"k": value}, "k")


@pytest.mark.parametrize("obj", [{}, {"k": None}])
@pytest.mark.parametrize("default", [True, False])
def test_absent_or_null_boolean_is_the_default(
    obj: dict[str, Any], default: bool
) -> None:
    assert flag(obj, "k", default) is default
    assert optional_flag(obj, "k") is None


BOOLEAN_FIELDS = [
    ("record", lambda v: parse_info(info_body(record=v)).record),
    ("live", lambda v: parse_info(info_body(live=v)).live),
    ("disabled", lambda v: parse_info(info_body(disabled=v)).disabled),
    ("directCall", lambda v: parse_info(info_body(directCall=v)).direct_call),
    (
        "rooms[].disabled",
        lambda v: parse_page(_listed_with(disabled=v)).rooms[0].disabled,
    ),
    ("can_video", lambda v: parse_user(user_body(can_video=v)).can_video),
    ("has_more", lambda v: parse_page(list_body(1, has_more=v), 0, 100).has_more),
]


@pytest.mark.parametrize(("field", "read"), BOOLEAN_FIELDS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [(v, True) for v in TRUE_SPELLINGS] + [(v, False) for v in FALSE_SPELLINGS],
)
def test_every_boolean_field_takes_every_spelling(
    field: str, read: Any, value: object, expected: bool
) -> None:
    assert read(value) is expected


@pytest.mark.parametrize(
    ("field", "read", "expected"),
    [
        ("record", lambda b: parse_info(b).record, False),
        ("live", lambda b: parse_info(b).live, False),
        ("disabled", lambda b: parse_info(b).disabled, False),
        ("directCall", lambda b: parse_info(b).direct_call, None),
    ],
)
@pytest.mark.parametrize("present", [True, False])
def test_an_absent_or_null_room_flag(
    field: str, read: Any, expected: bool | None, present: bool
) -> None:
    body = info_body(**{field: None}) if present else info_body()
    assert read(body) is expected


@pytest.mark.parametrize("value", [None, "absent"])
def test_can_video_absent_or_null_is_true(value: object) -> None:
    body = user_body() if value == "absent" else user_body(can_video=value)
    assert parse_user(body).can_video is True


@pytest.mark.parametrize("field", ["record", "live", "disabled"])
def test_a_wrong_boolean_names_the_key_not_the_value(field: str) -> None:
    with pytest.raises(ShapeError) as caught:
        parse_info(info_body(**{field: "maybe-secret"}))
    assert str(caught.value) == f"{field}: expected a boolean (true/false or 1/0)"


# -- integers: ints, integral floats, numeric text -----------------------------


@pytest.mark.parametrize(
    "value", [3600, 3600.0, "3600", " 3600 ", "3600.0", "+3600", 3.6e3]
)
def test_every_spelling_of_an_integer(value: object) -> None:
    assert count({"duration": value}, "duration") == 3600
    assert parse_info(info_body(duration=value)).duration == 3600


@pytest.mark.parametrize("obj", [{}, {"duration": None}])
def test_absent_or_null_duration_is_unlimited(obj: dict[str, Any]) -> None:
    assert count(obj, "duration") == 0
    assert parse_info(info_body(**obj)).duration == 0


@pytest.mark.parametrize(
    "value", [3600.5, "1h", "", "nan", "inf", float("inf"), True, False, [], {}]
)
def test_anything_else_is_not_an_integer(value: object) -> None:
    with pytest.raises(ShapeError, match=r"^duration: expected an integer$"):
        parse_info(info_body(duration=value))


@pytest.mark.parametrize("limit", [2, 2.0, "2", " 2 "])
def test_the_served_page_limit_in_every_spelling(limit: object) -> None:
    """A server serving 2 rooms a page when 100 were asked: a full page."""
    assert parse_page(list_body(2, limit=limit), 0, 100).has_more is True
    assert parse_page(list_body(1, limit=limit), 0, 100).has_more is False


# -- null wherever a value is optional -----------------------------------------


def test_null_descriptions_read_as_none_everywhere() -> None:
    assert parse_info(info_body(description=None)).description is None
    listed = parse_page(_listed_with(description=None)).rooms[0]
    assert listed.description is None


def test_null_language_and_user_urls() -> None:
    assert parse_user(user_body(language=None)).language is None
    room = parse_info(info_body(user_urls=None, disabled=1))
    assert (room.urls, room.disabled) == ({}, True)


# -- unknown keys, and the create answer the reference shows -------------------


def test_unknown_keys_are_ignored() -> None:
    extra = {
        "dialInfo": {"number": "+39 02 0000", "pin": "1234"},
        "durationUsed": "17",
        "creationDate": "2026-11-25T10:15:00.000Z",
        "brandNewKey": [1, 2, 3],
    }
    room = parse_info(info_body(**extra, record=1, duration=0))
    assert (room.record, room.duration, room.status) == (True, 0, "NOT_RUNNING")


def test_the_reference_create_answer_without_recording_type() -> None:
    body = {
        "room": {
            "room_id": "room_b571df8d8h3d",
            "record": 1,
            "duration": 3600,
            "directCall": 0,
            "call_type": "audio_video",
            "live": 0,
            "description": None,
            "user_urls": [{"user": "alice", "url": CREATE_LINK, "is_admin": 1}],
        }
    }
    created = parse_created(body)
    assert (created.room_id, created.urls) == (
        "room_b571df8d8h3d",
        {"alice": CREATE_LINK},
    )
    assert "recording_type" not in created.raw


# -- join URLs are opaque -----------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        CREATE_LINK,
        "https://sandbox.bandyer.com/connect/direct-rest-call-handler/abc",
        INFO_LINK,
        "https://acme.bandyer.com/x?dn=Alice",
    ],
)
def test_links_are_kept_whole_whatever_their_path(link: str) -> None:
    room = parse_info(info_body(user_urls=[{"user": "alice", "url": link}]))
    assert room.urls == {"alice": link}
    assert link not in repr(room)


def test_info_links_on_another_path_than_create_links_are_both_read() -> None:
    created = parse_created(
        info_body(user_urls=[{"user": "alice", "url": CREATE_LINK}])
    )
    read_back = parse_info(info_body())
    assert created.urls["alice"] == CREATE_LINK
    assert read_back.urls["alice"] == INFO_LINK


# -- the list: count is this page's, never a total ------------------------------


@pytest.mark.parametrize(
    ("body", "skip", "limit", "more"),
    [
        (list_body(1, count=500), 0, 100, False),  # count is not a total
        (list_body(100, count=100), 0, 100, True),  # a full page: look once more
        (list_body(3, count=3, limit=20), 40, 100, False),  # server's limit, short
        (list_body(20, count=20, limit=20), 40, 100, True),  # server's limit, full
        (list_body(0, count=0), 0, 100, False),  # an empty page ends
        (list_body(1, has_more=1, count=1), 0, 100, True),  # has_more wins
        (list_body(100, has_more="false"), 0, 100, False),  # has_more wins
        (list_body(100, has_more="perhaps"), 0, 100, True),  # unreadable: full page
        (list_body(1, has_more=None), 0, 100, False),  # null: judged by the page
    ],
)
def test_when_another_page_may_follow(
    body: dict[str, Any], skip: int, limit: int, more: bool
) -> None:
    assert parse_page(body, skip, limit).has_more is more


@pytest.mark.parametrize(
    "body", [{}, {"rooms": None}, {"rooms": {}}, [], "<html>", {"error": "x"}]
)
def test_the_probe_needs_a_room_list(body: Any) -> None:
    with pytest.raises(ShapeError):
        parse_probe(body)


def test_the_probe_takes_an_empty_list() -> None:
    assert parse_probe({"rooms": [], "count": 0}).rooms == []
