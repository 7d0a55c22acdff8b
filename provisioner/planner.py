"""Loaded settings, estate and state -> the plan `plan` shows and `apply` runs.

Pure glue around `diff()`: adds the warnings that depend on settings, the
inputs fingerprint and the options a saved plan keeps. `plan` and `apply`
both call it, so they cannot disagree about what a plan is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.config import Estate, Settings
from provisioner.diff import diff, sandbox_warnings
from provisioner.plan import Action, Plan
from provisioner.planfile import inputs_fingerprint
from provisioner.safety import Policy
from provisioner.state.document import State


@dataclass(frozen=True)
class PlanRequest:
    """What the command line asked for."""

    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    allow_deletes: bool = False
    allow_replace: bool = False
    force: bool = False


def build_plan(
    settings: Settings,
    estate: Estate,
    state: State,
    request: PlanRequest = PlanRequest(),
    *,
    drift: Mapping[str, str] | None = None,
    warnings: Collection[str] = (),
) -> Plan:
    """The plan for `estate` against `state`; safety is checked separately."""
    plan = diff(
        estate.rooms,
        estate.users,
        state,
        replace=request.replace,
        targets=request.targets,
        drift=drift,
        prune_users=settings.prune_users,
        on_replace=settings.on_replace,
    )
    if settings.api_environment == "sandbox":
        kept = {c.name for c in plan.rooms if c.action is not Action.DELETE}
        rooms = {n: spec for n, spec in estate.rooms.items() if n in kept}
        warnings = (*warnings, *sandbox_warnings(rooms))
    return dataclasses.replace(
        plan,
        warnings=(*plan.warnings, *warnings),
        inputs=inputs_fingerprint(
            estate.rooms, estate.users, relevant(settings), _desired_prints(plan)
        ),
        options=dataclasses.replace(
            plan.options,
            allow_deletes=request.allow_deletes,
            allow_replace=request.allow_replace,
            force=request.force,
        ),
    )


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
    settings: Settings, request: PlanRequest, running: Collection[str] = ()
) -> Policy:
    """The safety policy for a plan made with `request`."""
    return Policy(
        max_delete_percent=settings.max_delete_percent,
        allow_deletes=request.allow_deletes,
        allow_replace=request.allow_replace,
        force=request.force,
        running=frozenset(running),
    )
