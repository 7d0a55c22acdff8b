"""Loaded settings, estate and state -> the plan `plan` shows and `apply` runs.

Pure glue around `diff()`: adds the warnings that depend on settings, the
inputs fingerprint and the options a saved plan keeps. `plan` and `apply`
both call it, so they cannot disagree about what a plan is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from provisioner.model import Estate, Settings
from provisioner.plan.changes import (
    OFFLINE_NO_KEY,
    OFFLINE_NO_REFRESH,
    Action,
    Plan,
    PlanOptions,
)
from provisioner.plan.diff import diff, sandbox_warnings
from provisioner.plan.importing import ReadBack
from provisioner.plan.request import NO_REQUEST, Request
from provisioner.plan.safety import ListedRoom, Policy
from provisioner.plan.savedplan import inputs_fingerprint
from provisioner.state.document import State


def build_plan(
    settings: Settings,
    estate: Estate,
    state: State,
    request: Request = NO_REQUEST,
    *,
    drift: Mapping[str, str] | None = None,
    warnings: Collection[str] = (),
    users_gone: Collection[str] = (),
    read_back: Mapping[str, ReadBack] | None = None,
    offline: str | None = None,
) -> Plan:
    """The plan for `estate` against `state`; safety is checked separately.

    `users_gone` (managed users refresh found missing) are planned as creates;
    `read_back`: the rooms of `import:` entries as read (None: apply verifies
    them); `offline` says why refresh was off (`offline_reason`), None when on.
    """
    plan = diff(
        estate.rooms,
        estate.users,
        _without_users(state, users_gone),
        replace=request.replace,
        targets=request.targets,
        drift=drift,
        prune_users=settings.prune_users,
        on_replace=settings.on_replace,
        entries=estate.entries,
        read_back=read_back,
    )
    warnings = (*warnings, *_sandbox(settings, estate, plan))
    warnings = (*warnings, *_recreated_users(plan, users_gone))
    return dataclasses.replace(
        plan,
        warnings=(*plan.warnings, *warnings),
        inputs=_inputs(settings, estate, plan),
        options=PlanOptions(**{**vars(request.request()), **_planned(plan.options)}),
        refreshed=offline is None,
        offline_reason=offline or "",
    )


def _inputs(settings: Settings, estate: Estate, plan: Plan) -> str:
    return inputs_fingerprint(
        estate.rooms,
        estate.users,
        relevant(settings),
        _desired_prints(plan),
        estate.entries,
    )


def _sandbox(settings: Settings, estate: Estate, plan: Plan) -> tuple[str, ...]:
    """Against the sandbox: the kept rooms that ask for recording it never does."""
    if settings.api_environment != "sandbox":
        return ()
    kept = {c.name for c in plan.rooms if c.action is not Action.DELETE}
    return sandbox_warnings({n: s for n, s in estate.rooms.items() if n in kept})


def offline_reason(request: Request, has_key: bool) -> str | None:
    """Why refresh is off, or None when it is on.

    On by default exactly when KALEYRA_API_KEY is set (DESIGN, "Refresh");
    `--refresh/--no-refresh` decides otherwise.
    """
    if request.refresh is False:
        return OFFLINE_NO_REFRESH
    if request.refresh is None and not has_key:
        return OFFLINE_NO_KEY
    return None


def _planned(options: PlanOptions) -> dict[str, Any]:
    """What the diff decided of the options (the rest is the request's)."""
    return {
        "targets": options.targets,
        "replace": options.replace,
        "prune_users": options.prune_users,
    }


def _without_users(state: State, gone: Collection[str]) -> State:
    """A view of `state` (sharing its records) that has forgotten `gone` users."""
    if not gone:
        return state
    kept = {u: r for u, r in state.users.items() if u not in gone}
    return dataclasses.replace(state, users=kept)


def _recreated_users(plan: Plan, gone: Collection[str]) -> list[str]:
    return [
        f"user {c.user_id} was deleted outside the provisioner; apply creates it again"
        for c in plan.users
        if c.action is Action.CREATE and c.user_id in gone
    ]


def _desired_prints(plan: Plan) -> dict[str, str]:
    """The desired rooms' fingerprints the diff already computed."""
    return {
        c.name: c.fingerprint
        for c in plan.rooms
        if c.fingerprint and c.action is not Action.DELETE
    }


def relevant(settings: Settings) -> dict[str, Any]:
    """The settings a plan depends on (part of its inputs fingerprint)."""
    return {
        "api_environment": settings.api_environment,
        "api_region": settings.api_region,
        "api_url": settings.api_url,
        "on_replace": settings.on_replace,
        "max_delete_percent": settings.max_delete_percent,
        "max_replace_percent": settings.max_replace_percent,
        "max_drift_percent": settings.max_drift_percent,
        "prune_users": settings.prune_users,
    }


def policy(
    settings: Settings,
    request: Request,
    running: Collection[str] = (),
    *,
    gone: Collection[str] = (),
    on_api: Collection[ListedRoom] = (),
) -> Policy:
    """The safety policy for a plan made with `request`, and what refresh found:
    rooms `running` a call, rooms `gone`, live rooms `on_api` the state lacks."""
    return Policy(
        **vars(request.request()),
        max_delete_percent=settings.max_delete_percent,
        max_replace_percent=settings.max_replace_percent,
        max_drift_percent=settings.max_drift_percent,
        running=frozenset(running),
        gone=frozenset(gone),
        on_api=tuple(on_api),
    )
