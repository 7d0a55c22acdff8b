"""The plan as GitLab's Terraform report: the counts its merge-request widget shows.

    {"create": 3, "update": 1, "delete": 2}

GitLab reads exactly these three keys (artifacts:reports:terraform). A replace
makes a new room and retires the old one, so it counts as one create and one
delete, as Terraform's own report counts a replacement. Users count too;
forgetting (a room already gone, a user left alone) touches nothing on the API
and is not counted.
"""

from __future__ import annotations

import json

from provisioner.plan import Plan


def render_gitlab(plan: Plan) -> str:
    """The Terraform-report JSON for `plan`."""
    s = plan.summary()
    counts = {
        "create": s.create + s.replace + s.users_create,
        "update": s.users_update,
        "delete": s.delete + s.replace + s.users_delete,
    }
    return json.dumps(counts) + "\n"
