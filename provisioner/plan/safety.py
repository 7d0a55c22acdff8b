"""Safety rules a plan must pass before anyone may apply it.

Pure. Checked at plan time, so an unsafe change fails the pull request rather
than the apply:

- prevent_destroy (lifted by --allow-deletes / --allow-replace);
- rooms whose call is in progress (RUNNING, found by refresh; --force);
- max_delete_percent of the rooms (and, for pruned users, of the users) in the
  state, max_replace_percent for replaces (each one re-issues every link of
  its room) (--allow-deletes / --allow-replace);
- max_drift_percent: refresh finding that share of the rooms gone looks like a
  wrong key or address more than like drift (--allow-drift);
- rooms the plan would create that already exist on the API, unknown to the
  state: a lost or moved state (--allow-duplicates).

The percentages apply when the state held at least MIN_MANAGED rooms (or
users) before the plan. Every refusal names the rooms and the numbers, and the
flag that overrides it; an override that lifted a refusal is kept on the plan
(`Plan.allowed`), so the plan says which allowance let it through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from provisioner import rules
from provisioner.errors import UnsafePlanError
from provisioner.plan.changes import Action, Allowance, Plan, RoomChange
from provisioner.plan.request import ALLOWANCES, Request
from provisioner.state.document import State

MIN_MANAGED: Final = rules.MIN_MANAGED_FOR_LIMITS
"""The percentage limits apply only when the state holds at least this many."""
SHOWN_NAMES: Final = 20


@dataclass(frozen=True)
class ListedRoom:
    """A live room on the API (neither disabled nor CLOSED) the state lacks."""

    room_id: str
    description: str


@dataclass(frozen=True)
class Policy(Request):
    """The request's overrides, with the thresholds from provisioner.yaml.

    What refresh found: `running` names the rooms with a call in progress,
    `gone` those deleted, disabled or closed outside the provisioner, and
    `on_api` the live rooms unknown to the state whose description a planned
    create has (one walk of the room list).
    """

    max_delete_percent: int = rules.DEFAULT_MAX_DELETE_PERCENT
    max_replace_percent: int = rules.DEFAULT_MAX_REPLACE_PERCENT
    max_drift_percent: int = rules.DEFAULT_MAX_DRIFT_PERCENT
    running: frozenset[str] = frozenset()
    gone: frozenset[str] = frozenset()
    on_api: tuple[ListedRoom, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A rule the plan breaks: the override that lifts it, what it would allow,
    and the refusal shown when the override is off."""

    allowance: str
    what: str
    refusal: str


@dataclass(frozen=True)
class Verdict:
    """The refusals left standing, and the overrides that lifted the others."""

    refusals: tuple[str, ...] = ()
    allowed: tuple[Allowance, ...] = ()

    def enforce(self) -> None:
        """Raise UnsafePlanError listing every refusal, one per line."""
        if self.refusals:
            raise UnsafePlanError("\n".join(self.refusals))

    def shown_on(self, plan: Plan) -> Plan:
        """`plan` naming the overrides that let it through."""
        return dataclasses.replace(plan, allowed=self.allowed)


def judge(plan: Plan, state: State, policy: Policy) -> Verdict:
    """Every rule the plan breaks, split by whether the policy overrides it."""
    findings = [
        *_protected(plan, state),
        *_running(plan.rooms, policy.running),
        *_thresholds(plan, state, policy),
        *_drift(plan, state, policy),
        *_duplicates(plan, policy.on_api),
    ]
    return _verdict(findings, policy)


def judge_duplicates(
    plan: Plan, on_api: Sequence[ListedRoom], request: Request
) -> Verdict:
    """The lost-state rule alone: apply runs it on a saved plan, after the
    pending creates are reconciled (the other rules held when it was made)."""
    return _verdict(_duplicates(plan, on_api), request)


def _verdict(findings: Iterable[Finding], request: Request) -> Verdict:
    findings = list(findings)
    return Verdict(
        refusals=tuple(
            f.refusal for f in findings if not request.allowed_by(f.allowance)
        ),
        allowed=tuple(
            Allowance(f.allowance, f.what)
            for f in findings
            if request.allowed_by(f.allowance)
        ),
    )


def check_safety(plan: Plan, state: State, policy: Policy) -> tuple[Allowance, ...]:
    """Raise UnsafePlanError listing every rule the plan breaks; else the
    overrides that let it through."""
    verdict = judge(plan, state, policy)
    verdict.enforce()
    return verdict.allowed


def running_refusals(
    changes: Iterable[RoomChange], running: Collection[str], *, force: bool
) -> list[str]:
    """Replaces and deletes of rooms with a call in progress (apply re-checks)."""
    return [] if force else [f.refusal for f in _running(changes, running)]


def unrecorded_creates(plan: Plan) -> dict[str, str]:
    """Description -> name of each planned create that a lost state would repeat.

    Not a drift re-create (its room is gone), not a create an interrupted apply
    left pending (reconciliation adopts its room first), and never half of a
    replace (a replace is an action of its own).
    """
    return {
        str(c.request.get("description", c.name)): c.name
        for c in plan.rooms
        if c.action is Action.CREATE
        and c.request is not None
        and not c.recreated
        and c.name not in plan.pending
    }


def _running(changes: Iterable[RoomChange], running: Collection[str]) -> list[Finding]:
    busy = [c.name for c in changes if c.destructive and c.name in running]
    if not busy:
        return []
    what = (
        f"replace or delete {_rooms(len(busy))} with a call in progress "
        f"(RUNNING): {names(busy)}"
    )
    return [
        Finding(
            "force",
            what,
            f"refusing to {what}; wait for the call to end or pass --force",
        )
    ]


def _protected(plan: Plan, state: State) -> list[Finding]:
    """prevent_destroy from the files or, as recorded at the last apply, the state.

    The recorded flag counts even for a room still in the files: removing the
    flag and changing the room in one pull request still needs --allow-replace.
    """
    recorded = {n for n, r in state.rooms.items() if r.prevent_destroy}
    findings = []
    for action, allowance in (
        (Action.DELETE, "allow_deletes"),
        (Action.REPLACE, "allow_replace"),
    ):
        hit = [
            c.name
            for c in plan.rooms
            if c.action is action
            and c.destructive
            and (c.prevent_destroy or c.name in recorded)
        ]
        if hit:
            rooms = _rooms(len(hit))
            what = f"{action} {rooms} protected by prevent_destroy: {names(hit)}"
            findings.append(Finding(allowance, what, _refusal(what, allowance)))
    return findings


def _thresholds(plan: Plan, state: State, policy: Policy) -> list[Finding]:
    """max_delete_percent (rooms, pruned users) and max_replace_percent."""
    users = [
        c.user_id for c in plan.users if c.action is Action.DELETE and not c.forget_only
    ]
    rooms, limit = len(state.rooms), policy.max_delete_percent
    found = [
        _over("allow_deletes", "rooms", _destroyed(plan, Action.DELETE), rooms, limit),
        _over("allow_deletes", "users", users, len(state.users), limit),
        _over(
            "allow_replace",
            "rooms",
            _destroyed(plan, Action.REPLACE),
            rooms,
            policy.max_replace_percent,
        ),
    ]
    return [finding for finding in found if finding is not None]


def _destroyed(plan: Plan, action: Action) -> list[str]:
    return [c.name for c in plan.rooms if c.action is action and c.destructive]


def _over(
    allowance: str, kind: str, hit: Sequence[str], managed: int, limit: int
) -> Finding | None:
    """A finding when `hit` is more than `limit` percent of `managed` (from 4)."""
    if not _beyond(len(hit), managed, limit):
        return None
    share = len(hit) * 100 // managed
    verb = "replace" if allowance == "allow_replace" else "delete"
    what = (
        f"{verb} {len(hit)} of {managed} managed {kind} "
        f"({share}%, limit {limit}%): {names(hit)}"
    )
    return Finding(allowance, what, _refusal(what, allowance))


def _drift(plan: Plan, state: State, policy: Policy) -> list[Finding]:
    """So many rooms gone at once looks like another company's key or address."""
    gone = [c.name for c in plan.rooms if c.name in policy.gone]
    managed = len(state.rooms)
    limit = policy.max_drift_percent
    if not _beyond(len(gone), managed, limit):
        return []
    share = f"{len(gone) * 100 // managed}%, limit {limit}%"
    count = f"{len(gone)} of {managed} rooms"
    return [
        Finding(
            "allow_drift",
            f"re-create {count} found gone ({share}): {names(gone)}",
            f"{count} look deleted outside the provisioner; check the key's "
            f"company and api.url, or pass --allow-drift ({share}: {names(gone)})",
        )
    ]


def _duplicates(plan: Plan, on_api: Sequence[ListedRoom]) -> list[Finding]:
    """Creates whose description a live room unknown to the state already has."""
    wanted = unrecorded_creates(plan)
    found: dict[str, list[str]] = {}
    for room in on_api:
        name = wanted.get(room.description)
        if name is not None:
            found.setdefault(name, []).append(room.room_id)
    if not found:
        return []
    listed = names(
        [f"{n} ({', '.join(sorted(ids))})" for n, ids in sorted(found.items())]
    )
    many = len(found) != 1
    exists = (
        f"{len(found)} rooms already exist on the API with these descriptions"
        if many
        else "1 room already exists on the API with this description"
    )
    return [
        Finding(
            "allow_duplicates",
            f"create {_rooms(len(found))} that the API already has: {listed}",
            f"{exists} (was the state moved or lost?): adopt "
            f"{'them' if many else 'it'} with provisioner import, or pass "
            f"--allow-duplicates; on the API: {listed}",
        )
    ]


def _beyond(count: int, managed: int, limit: int) -> bool:
    """More than `limit` percent of `managed`, and the limits apply (from 4)."""
    return managed >= MIN_MANAGED and count * 100 > limit * managed


def _refusal(what: str, allowance: str) -> str:
    return f"refusing to {what}; pass {ALLOWANCES[allowance]}"


def names(items: Sequence[str]) -> str:
    """A comma-separated list, cut after SHOWN_NAMES items."""
    shown = ", ".join(items[:SHOWN_NAMES])
    rest = len(items) - SHOWN_NAMES
    return f"{shown} and {rest} more" if rest > 0 else shown


def _rooms(count: int) -> str:
    return f"{count} room" if count == 1 else f"{count} rooms"
