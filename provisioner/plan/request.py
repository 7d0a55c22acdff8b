"""What the command line asks of `plan` and `apply`: one record, declared once.

`cli/options.py` declares each flag once (with its `PROVISIONER_ALLOW_*`
variable); `plan` and `apply` both build this record from them, the plan keeps
it (so a saved plan remembers what was allowed), and the safety policy and the
apply options extend it rather than copying its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

from provisioner.environment import ALLOW_ENV

ALLOWANCES: Final = {
    "allow_replace": "--allow-replace",
    "allow_deletes": "--allow-deletes",
    "allow_duplicates": "--allow-duplicates",
    "allow_drift": "--allow-drift",
    "force": "--force",
}
"""Each override and the flag that sets it (a plan names those in effect)."""


@dataclass(frozen=True)
class Request:
    """Targets, forced replaces, allowances and refresh, as the user asked."""

    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    allow_deletes: bool = False
    allow_replace: bool = False
    allow_duplicates: bool = False
    allow_drift: bool = False
    force: bool = False
    refresh: bool | None = None
    """None: on when KALEYRA_API_KEY is set (DESIGN, "Refresh")."""

    def allowances(self) -> tuple[str, ...]:
        """The flags of the overrides this request turns on, e.g. --allow-deletes."""
        return tuple(flag for name, flag in ALLOWANCES.items() if getattr(self, name))

    def allowed_by(self, name: str) -> bool:
        """Whether the override called `name` (a key of ALLOWANCES) is on."""
        return bool(getattr(self, name))

    def request(self) -> Request:
        """Just the request, from a record that extends it."""
        names = [spec.name for spec in fields(Request)]
        return Request(**{name: getattr(self, name) for name in names})


def allowance_phrase(name: str) -> str:
    """The flag and its variable, e.g. --allow-deletes (PROVISIONER_ALLOW_DELETES)."""
    return f"{ALLOWANCES[name]} ({ALLOW_ENV[name]})"


NO_REQUEST: Final = Request()
"""Plain `plan`: no targets, nothing forced or allowed."""
