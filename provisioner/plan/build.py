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
from provisioner.plan.changes import Action, Plan, PlanOptions
from provisioner.plan.diff import diff, sandbox_warnings
from provisioner.plan.importing import ReadBack
from provisioner.plan.request import NO_REQUEST, Request
from provisioner.plan.safety import Policy
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
) -> Plan:
    """The plan for `estate` against `state`; safety is checked separately.

    `users_gone` are managed users refresh found missing on the API: they are
    planned as creates, as if the state had never recorded them. `read_back`:
    the rooms of `import:` entries as read (None: apply verifies them).
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
    if settings.api_environment == "sandbox":
        kept = {c.name for c in plan.rooms if c.action is not Action.DELETE}
        rooms = {n: spec for n, spec in estate.rooms.items() if n in kept}
        warnings = (*warnings, *sandbox_warnings(rooms))
    warnings = (*warnings, *_recreated_users(plan, users_gone))
    return dataclasses.replace(
        plan,
        warnings=(*plan.warnings, *warnings),
        inputs=_inputs(settings, estate, plan),
        options=PlanOptions(**{**vars(request.request()), **_planned(plan.options)}),
    )


def _inputs(settings: Settings, estate: Estate, plan: Plan) -> str:
    return inputs_fingerprint(
        estate.rooms,
        estate.users,
        relevant(settings),
        _desired_prints(plan),
        estate.entries,
    )


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
        "prune_users": settings.prune_users,
    }


def policy(
    settings: Settings, request: Request, running: Collection[str] = ()
) -> Policy:
    """The safety policy for a plan made with `request`."""
    return Policy(
        **vars(request.request()),
        max_delete_percent=settings.max_delete_percent,
        running=frozenset(running),
    )
