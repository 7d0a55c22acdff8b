"""Command-line options shared by several command families."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?)\s*([smh]?)\s*")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """'30s', '2m', '1h' or plain seconds ('45', '0.5') as seconds."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration (use e.g. 0s, 30s, 2m or plain seconds)"
        )
    return float(match[1]) * _UNIT_SECONDS[match[2]]


class Duration(click.ParamType[float, Any]):
    """A click parameter holding a duration in seconds."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def lock_timeout_option(func: F) -> F:
    """`--lock-timeout DURATION`: how long to wait for the state lock (default 0s)."""
    option = click.option(
        "--lock-timeout",
        "lock_timeout",
        type=Duration(),
        default="0s",
        show_default=True,
        help="How long to wait for the state lock, e.g. 30s or 2m.",
    )
    return option(func)
