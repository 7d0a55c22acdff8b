"""PURE renderers of a Plan: text (a terminal), json (machines), markdown (a PR),
gitlab (the Terraform report GitLab's merge-request widget reads).

A Plan has no field that could hold a join URL, so no renderer can print one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from provisioner.plan import Plan
from provisioner.render.data import render_json
from provisioner.render.gitlab import render_gitlab
from provisioner.render.markdown import render_markdown
from provisioner.render.text import render_text

FORMATS: Final = ("text", "json", "markdown", "gitlab")


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """`plan` in format `fmt` (one of FORMATS); `color` only affects text."""
    renderers: dict[str, Callable[[Plan], str]] = {
        "text": lambda p: render_text(p, color=color),
        "json": render_json,
        "markdown": render_markdown,
        "gitlab": render_gitlab,
    }
    return renderers[fmt](plan)
