"""What a plan says about how it was checked: offline or refreshed, and which
allowance let a refused change through, in every format and in a saved plan."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from plan_builders import by_name, room, state
from render_cases import every_change, no_change

from provisioner.apply.planfile import load_plan, save_plan
from provisioner.errors import PlanFileError
from provisioner.plan import Allowance, Plan, Request
from provisioner.plan.build import offline_reason
from provisioner.plan.changes import OFFLINE_NO_KEY, OFFLINE_NO_REFRESH
from provisioner.plan.diff import diff
from provisioner.plan.request import allowance_phrase
from provisioner.render import render
from provisioner.render.markdown import render_refused

NOT_CHECKED = (
    "not checked: drift, users, plus roles, calls in progress, rooms already on the API"
)
REPLACES = Allowance(
    "allow_replace", "replace 5 of 8 managed rooms (62%, limit 25%): a, b, c, d, e"
)


def offline(plan: Plan, reason: str = OFFLINE_NO_KEY) -> Plan:
    return dataclasses.replace(plan, refreshed=False, offline_reason=reason)


@pytest.mark.parametrize(
    ("refresh", "has_key", "reason"),
    [
        (None, True, None),
        (None, False, OFFLINE_NO_KEY),
        (False, True, OFFLINE_NO_REFRESH),
        (False, False, OFFLINE_NO_REFRESH),
        (True, True, None),
        (True, False, None),  # refresh asked for: the missing key is an error later
    ],
)
def test_why_refresh_is_off(refresh: bool | None, has_key: bool, reason: str) -> None:
    assert offline_reason(Request(refresh=refresh), has_key) == reason


@pytest.mark.parametrize("reason", [OFFLINE_NO_KEY, OFFLINE_NO_REFRESH])
def test_an_offline_text_plan_starts_by_saying_so(reason: str) -> None:
    lines = render(offline(every_change(), reason), "text").splitlines()
    assert lines[:3] == [
        f"offline plan (refresh off: {reason})",
        f"  {NOT_CHECKED}",
        "",
    ]
    assert lines[3].startswith("Warning: ")


def test_a_refreshed_plan_has_no_banner() -> None:
    assert render(no_change(), "text") == "No changes.\n"
    assert not render(no_change(), "markdown").startswith("offline")


@pytest.mark.parametrize("reason", [OFFLINE_NO_KEY, OFFLINE_NO_REFRESH])
def test_an_offline_markdown_plan_starts_by_saying_so(reason: str) -> None:
    text = render(offline(every_change(), reason), "markdown")
    banner, title = text.split("\n\n")[:2]
    assert banner == f"offline plan (refresh off: {reason}) — {NOT_CHECKED}"
    assert title.startswith("## Plan: ")


def test_a_refused_offline_markdown_plan_keeps_the_banner_then_the_refusal() -> None:
    text = render_refused(offline(every_change()), "refusing to do it; pass --x")
    lines = text.splitlines()
    assert lines[0].startswith("offline plan (refresh off: no KALEYRA_API_KEY)")
    assert lines[2].startswith("## Plan: ")
    assert lines[4] == "> [!CAUTION]"


def test_a_reason_we_did_not_write_is_escaped() -> None:
    plan = offline(no_change(), "\x1b[31m<b>@team</b>")
    assert "\x1b" not in render(plan, "text")
    markdown = render(plan, "markdown")
    assert "<b>" not in markdown and "@team" not in markdown


def test_the_json_plan_says_whether_it_was_refreshed() -> None:
    assert json.loads(render(no_change(), "json"))["refreshed"] is True
    assert json.loads(render(no_change(), "json"))["offline_reason"] is None
    data = json.loads(render(offline(no_change(), OFFLINE_NO_REFRESH), "json"))
    assert (data["refreshed"], data["offline_reason"]) == (False, "--no-refresh")


def allowed(plan: Plan, *allowances: Allowance) -> Plan:
    return dataclasses.replace(plan, allowed=allowances)


def test_the_text_plan_names_the_allowance_that_let_it_through() -> None:
    lines = render(allowed(no_change(), REPLACES), "text").splitlines()
    assert lines[0] == (
        "Override: replace 5 of 8 managed rooms (62%, limit 25%): a, b, c, d, e; "
        "allowed by --allow-replace (PROVISIONER_ALLOW_REPLACE)"
    )


def test_the_markdown_plan_names_the_allowance_that_let_it_through() -> None:
    text = render(allowed(every_change(), REPLACES), "markdown")
    head = text.split("### ")[0]
    assert "> [!IMPORTANT]" in head
    assert (
        "> - replace 5 of 8 managed rooms (62%, limit 25%): a, b, c, d, e; "
        "allowed by --allow-replace (PROVISIONER_ALLOW_REPLACE)"
    ) in head


def test_the_json_plan_names_the_allowance_that_let_it_through() -> None:
    drift = Allowance("allow_drift", "re-create 8 of 8 rooms found gone")
    data = json.loads(render(allowed(no_change(), REPLACES, drift), "json"))
    assert data["allowed"] == [
        {
            "flag": "--allow-replace",
            "variable": "PROVISIONER_ALLOW_REPLACE",
            "what": REPLACES.what,
        },
        {
            "flag": "--allow-drift",
            "variable": "PROVISIONER_ALLOW_DRIFT",
            "what": "re-create 8 of 8 rooms found gone",
        },
    ]
    assert json.loads(render(no_change(), "json"))["allowed"] == []


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("allow_deletes", "--allow-deletes (PROVISIONER_ALLOW_DELETES)"),
        ("allow_replace", "--allow-replace (PROVISIONER_ALLOW_REPLACE)"),
        ("allow_duplicates", "--allow-duplicates (PROVISIONER_ALLOW_DUPLICATES)"),
        ("allow_drift", "--allow-drift (PROVISIONER_ALLOW_DRIFT)"),
        ("force", "--force (PROVISIONER_FORCE)"),
    ],
)
def test_every_allowance_is_named_with_its_variable(name: str, phrase: str) -> None:
    assert allowance_phrase(name) == phrase


def test_a_request_lists_the_allowances_in_effect() -> None:
    request = Request(allow_deletes=True, force=True)
    assert request.allowances() == ("--allow-deletes", "--force")


def test_a_saved_plan_keeps_how_it_was_checked(tmp_path: Path) -> None:
    plan = allowed(offline(every_change(), OFFLINE_NO_REFRESH), REPLACES)
    path = tmp_path / "p.json"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert (loaded.refreshed, loaded.offline_reason) == (False, "--no-refresh")
    assert loaded.allowed == (REPLACES,)


def test_a_saved_plan_from_before_these_fields_reads_as_refreshed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    save_plan(diff(by_name(room("r")), {}, state()), path)
    data = json.loads(path.read_text())
    for key in ("refreshed", "offline_reason", "allowed"):
        del data[key]
    path.write_text(json.dumps(data))
    loaded = load_plan(path)
    assert (loaded.refreshed, loaded.allowed) == (True, ())


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("refreshed", "no"),
        ("allowed", [{"name": "allow_everything", "what": "x"}]),
        ("allowed", [{"name": "allow_drift", "what": 3}]),
        ("allowed", ["allow_drift"]),
    ],
)
def test_a_saved_plan_with_a_bad_check_record_is_refused(
    tmp_path: Path, key: str, value: object
) -> None:
    path = tmp_path / "p.json"
    save_plan(diff(by_name(room("r")), {}, state()), path)
    data = json.loads(path.read_text())
    data[key] = value
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError):
        load_plan(path)
