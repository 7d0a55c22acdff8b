"""PURE: the estate and the state -> a Plan. No file, network, clock or environment.

request.py    what the command line asked: the one record plan and apply share
changes.py    the Plan as data: ordered changes, counts, what they cost people
diff.py       desired rooms + state -> room changes (create, replace, delete, no-op)
users.py      desired users + state -> user changes
compare.py    which leaves of two requests differ, as dotted paths
entries.py    the moved, import and removed entries against the state
importing.py  an existing room as room/info shows it, compared with the files
drift.py      what refresh found changed outside the tool, as a report
safety.py     the rules a plan must pass before anyone may apply it
build.py      settings + estate + state + request -> the one plan plan/apply share
savedplan.py  the saved-plan format, its fingerprint and the staleness check

A test imports this package in a fresh interpreter and checks that no module
that touches files, locks or the network (fcntl, yaml, httpx, psycopg) is loaded.
"""

from provisioner.plan.changes import (
    Action,
    Allowance,
    FieldChange,
    FlagChange,
    Plan,
    PlanOptions,
    RetireChange,
    RoomChange,
    Summary,
    UserChange,
)
from provisioner.plan.request import Request

__all__ = [
    "Action",
    "Allowance",
    "FieldChange",
    "FlagChange",
    "Plan",
    "PlanOptions",
    "Request",
    "RetireChange",
    "RoomChange",
    "Summary",
    "UserChange",
]
