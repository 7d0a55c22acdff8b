"""The CI files `provisioner init --ci` writes, shipped as package data.

The texts live in `provisioner/templates/` (so an installed tool has them)
and are the very files shipped in `examples/` and shown in the README (a test
compares them); this table says where each one goes in the new repository.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

NONE: Final = "none"
DESTINATIONS: Final[dict[str, dict[str, str]]] = {
    "github": {
        f"github/rooms-{name}.yml": f".github/workflows/rooms-{name}.yml"
        for name in ("pr", "plan", "apply")
    },
    "gitlab": {"gitlab/gitlab-ci.yml": ".gitlab-ci.yml"},
}
CHOICES: Final = (*DESTINATIONS, NONE)


def ci_files(ci: str) -> dict[str, str]:
    """Each file's path in the repository -> its text, for the CI named `ci`."""
    templates = resources.files("provisioner") / "templates"
    return {
        target: (templates / source).read_text(encoding="utf-8")
        for source, target in DESTINATIONS.get(ci, {}).items()
    }
