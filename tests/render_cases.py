"""Plans for renderer tests: one with every kind of change, one with none."""

from __future__ import annotations

from plan_builders import by_name, record, room, state, user, users_by_id

from provisioner.plan import Plan
from provisioner.plan.diff import diff
from provisioner.state.document import PendingCreate, RetiringRoom

TRICKY = "Stand-up | <b>bold</b> @team `tick` *star* [x](y) #12 \x1b[31mred\u202e"


def every_change() -> Plan:
    """delete, replace, create, drift-forget, flag, users, retiring, pending."""
    current = state(
        [
            room("gone", ["carol", "dave"]),
            room("standup", duration=3600),
            room("same"),
            ("flagged", record(room("flagged"), prevent_destroy=False)),
            room("vanished"),
        ],
        users=[user("alice"), user("bob", "basic"), user("old")],
    )
    current.retiring["room_prev00000"] = RetiringRoom(
        "room_prev00000", "standup", "disable", "t"
    )
    current.pending["fresh"] = PendingCreate("fresh", {}, "sha256:x", "t")
    desired = by_name(
        room("standup", duration=1800, description=TRICKY),
        room("fresh", recording=True),
        room("same"),
        room("flagged", prevent_destroy=True),
    )
    users = users_by_id(user("alice"), user("bob"), user("carol", "basic"))
    return diff(
        desired,
        users,
        current,
        drift={"vanished": "deleted outside the provisioner"},
    )


def no_change() -> Plan:
    spec = room("same")
    return diff(
        by_name(spec), users_by_id(user("alice")), state([spec], [user("alice")])
    )
