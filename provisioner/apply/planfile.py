"""Saved plans on disk: `plan --out FILE` writes one, `apply FILE` reads it back.

The format itself (and its staleness check) is pure and lives in
`provisioner.plan.savedplan`; this module is the edge that touches the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from provisioner.errors import PlanFileError
from provisioner.plan import Plan
from provisioner.plan.savedplan import plan_from_dict, plan_to_dict


def save_plan(plan: Plan, path: Path) -> None:
    """Write `plan` to `path` (replacing it whole: a reader never sees half)."""
    text = json.dumps(plan_to_dict(plan), indent=2, sort_keys=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot write the plan ({exc.strerror})") from None


def load_plan(path: Path) -> Plan:
    """Read a saved plan; PlanFileError when it is missing or not a plan."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PlanFileError(f"{path}: not a provisioner plan (not JSON)") from None
    try:
        return plan_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise PlanFileError(f"{path}: not a usable plan ({detail})") from None
