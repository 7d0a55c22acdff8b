"""PURE: desired users + the state -> user changes (create, update, delete, forget).

Order: deletes, forgets, updates, creates, no-ops, each by user id. A user
removed from the files is deleted only with `prune_users`, otherwise forgotten
(left in Kaleyra, dropped from the state).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from provisioner.model import UserSpec
from provisioner.plan.changes import Action, UserChange
from provisioner.plan.compare import field_changes
from provisioner.state.document import State, UserRecord

_ORDER: Final = {
    (Action.DELETE, False): 0,
    (Action.DELETE, True): 1,
    (Action.UPDATE, False): 2,
    (Action.CREATE, False): 3,
    (Action.NOOP, False): 4,
}


def user_changes(
    desired: Mapping[str, UserSpec],
    state: State,
    *,
    needed: set[str] | None = None,
    prune: bool = False,
) -> tuple[UserChange, ...]:
    """Users to create, update, delete or forget.

    `needed` narrows the plan (targets) to the users the targeted rooms need:
    then no user is removed.
    """
    wanted = set(desired) if needed is None else set(desired) & needed
    changes = [_change(desired[u], state.users.get(u)) for u in wanted]
    if needed is None:
        changes += [
            UserChange(Action.DELETE, u, before=_as_dict(r), forget_only=not prune)
            for u, r in state.users.items()
            if u not in desired
        ]
    return tuple(
        sorted(changes, key=lambda c: (_ORDER[c.action, c.forget_only], c.user_id))
    )


def _change(spec: UserSpec, record: UserRecord | None) -> UserChange:
    after = spec.as_dict()
    if record is None:
        return UserChange(Action.CREATE, spec.user_id, after=after)
    before = _as_dict(record)
    fields = tuple(field_changes(before, after))
    action = Action.UPDATE if fields else Action.NOOP
    return UserChange(action, spec.user_id, before=before, after=after, fields=fields)


def _as_dict(record: UserRecord) -> dict[str, Any]:
    return {
        "user_id": record.user_id,
        "role": record.role,
        "can_video": record.can_video,
        "language": record.language,
    }
