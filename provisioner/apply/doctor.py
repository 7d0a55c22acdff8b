"""`provisioner doctor`: read-only checks to run before a first apply.

Each check is one line: settings, the key (never shown), the base URL answering
as the Kaleyra API, the key accepted, the answers' shapes (user list, room
list, room/info of one managed room) and the external users. Nothing is
written, to the API or to the state. A check whose precondition failed is
skipped with the reason, so one cause gives one ✗.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from provisioner import environment
from provisioner.apply.connect import api_key, client_for
from provisioner.config import load_estate, read_settings
from provisioner.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    NotFoundError,
    ProvisionerError,
    WrongAddressError,
)
from provisioner.kaleyra import ApiKey, KaleyraClient, base_url_for
from provisioner.model import Estate, Settings
from provisioner.state import backend_for


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    hint: str = ""


class Report:
    """The checks so far; the run stops at the first failure others depend on."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str, hint: str = "") -> bool:
        self.checks.append(Check(name, ok, detail, hint))
        return ok

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def run_doctor(root: Path) -> Report:
    """Every check, in order; API failures are ✗ lines, not exceptions."""
    report = Report()
    settings = _settings(root, report)
    if settings is None:
        return report
    estate = _estate(settings, report)
    key = _key(report)
    url = _url(settings, report)
    if key is None or url is None:
        return report
    asyncio.run(_online(settings, key, estate, report))
    return report


def _settings(root: Path, report: Report) -> Settings | None:
    settings, problems = read_settings(root)
    where = str(settings.file) if settings.file else "defaults (no provisioner.yaml)"
    if problems:
        report.add("settings", False, f"{len(problems)} problem(s): {problems[0]}")
        return None
    report.add("settings", True, where)
    return settings


def _estate(settings: Settings, report: Report) -> Estate | None:
    try:
        estate = load_estate(settings)
    except ProvisionerError as exc:
        report.add("room files", False, str(exc), "run provisioner validate")
        return None
    if estate.problems:
        report.add(
            "room files",
            False,
            f"{len(estate.problems)} problem(s), first: {estate.problems[0]}",
            "run provisioner validate",
        )
        return None
    rooms, files = len(estate.rooms), len(estate.files)
    report.add("room files", True, f"{rooms} rooms in {files} files")
    return estate


def _key(report: Report) -> ApiKey | None:
    try:
        key = api_key()
    except ProvisionerError as exc:
        report.add("API key", False, str(exc), f"check {environment.KEY_ENV}")
        return None
    if key is None:
        report.add(
            "API key", False, "not set", f"export {environment.KEY_ENV}=ak_test_..."
        )
        return None
    report.add("API key", True, f"{environment.KEY_ENV} is set (not shown)")
    return key


def _url(settings: Settings, report: Report) -> str | None:
    try:
        url = base_url_for(
            settings.api_environment, settings.api_region, settings.api_url
        )
    except ProvisionerError as exc:
        report.add("base URL", False, str(exc), "check api.url and KALEYRA_API_URL")
        return None
    source = environment.URL_ENV if environment.api_url() else "settings"
    report.add("base URL", True, f"{url} (from {source})")
    return url


async def _online(
    settings: Settings, key: ApiKey, estate: Estate | None, report: Report
) -> None:
    async with client_for(settings, key) as client:
        if not await _address(client, report):
            return
        await _shapes(client, settings, report)
        if estate is not None:
            await _externals(client, estate, report)


async def _address(client: KaleyraClient, report: Report) -> bool:
    try:
        await client.probe()
    except WrongAddressError as exc:
        return report.add("API answers", False, str(exc), "check api.url")
    except ConnectionFailed as exc:
        return report.add("API answers", False, str(exc), "is the address right?")
    except AuthError as exc:
        report.add("API answers", True, "the Kaleyra API answered")
        return report.add("key accepted", False, str(exc), "a key of this region?")
    except ApiError as exc:
        return report.add("API answers", False, str(exc))
    report.add("API answers", True, "the Kaleyra API answered at this address")
    return report.add("key accepted", True, "a read with the key succeeded")


async def _shapes(client: KaleyraClient, settings: Settings, report: Report) -> None:
    reads: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("user list", client.list_users),
        ("room list", lambda: client.list_rooms(0, 1)),
    ]
    room_id = _one_managed_room(settings)
    if room_id is not None:
        reads.append((f"room/info of {room_id}", lambda: client.room_info(room_id)))
    for name, read in reads:
        try:
            await read()
        except NotFoundError:
            report.add(f"{name} shape", True, "gone (drift: see provisioner drift)")
        except ApiError as exc:
            report.add(f"{name} shape", False, str(exc))
        else:
            report.add(f"{name} shape", True, "understood")


def _one_managed_room(settings: Settings) -> str | None:
    try:
        state = backend_for(settings).read(links=False)
    except ProvisionerError:
        return None
    return next((record.room_id for _, record in sorted(state.rooms.items())), None)


async def _externals(client: KaleyraClient, estate: Estate, report: Report) -> None:
    missing: list[str] = []
    for user_id in sorted(estate.external_users):
        try:
            await client.get_user(user_id)
        except NotFoundError:
            missing.append(user_id)
        except ApiError as exc:
            report.add("external users", False, str(exc))
            return
    if missing:
        report.add(
            "external users",
            False,
            f"not in Kaleyra: {', '.join(missing)}",
            "create them, or fix external_users",
        )
        return
    count = len(estate.external_users)
    report.add("external users", True, f"{count} found in Kaleyra")
