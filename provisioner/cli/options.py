"""Command-line options shared by several command families."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar, cast

import click

from provisioner.environment import ALLOW_ENV
from provisioner.plan.request import ALLOWANCES, Request

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


def request_options(func: F) -> F:
    """The flags `plan` and `apply` share, given to the command as `request`.

    Each allowance also comes from its PROVISIONER_ALLOW_* variable (`1`), so
    a CI job can set one from a pull-request label.
    """

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _REQUEST_FIELDS}
        values["targets"] = tuple(values["targets"])
        values["replace"] = tuple(values["replace"])
        return func(*args, request=Request(**values), **kwargs)

    for option in reversed(_REQUEST_OPTIONS):
        command = option(command)
    return cast(F, command)


def _allowance(name: str, help_text: str) -> Callable[[F], F]:
    flag = ALLOWANCES[name]
    return click.option(
        flag,
        name,
        is_flag=True,
        envvar=ALLOW_ENV[name],
        show_envvar=True,
        help=help_text,
    )


_REQUEST_OPTIONS: Final = (
    click.option(
        "--refresh/--no-refresh",
        default=None,
        help="Read rooms and users back from the API first.  [default: on when "
        "KALEYRA_API_KEY is set]",
    ),
    click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="NAME",
        help="Only rooms matching this glob (repeatable).",
    ),
    click.option(
        "--replace",
        multiple=True,
        metavar="NAME",
        help="Force a new room with new links, e.g. when links leaked (repeatable).",
    ),
    _allowance(
        "allow_deletes",
        "Allow deleting prevent_destroy rooms and more than max_delete_percent.",
    ),
    _allowance(
        "allow_replace",
        "Allow replacing prevent_destroy rooms and more than max_replace_percent.",
    ),
    _allowance(
        "allow_duplicates",
        "Allow creating rooms whose description a room on the API already has.",
    ),
    _allowance(
        "allow_drift",
        "Allow re-creating more than max_drift_percent rooms found gone.",
    ),
    _allowance("force", "Allow replacing or deleting rooms with a call in progress."),
)
_REQUEST_FIELDS: Final = (
    "refresh",
    "targets",
    "replace",
    *ALLOWANCES,
)


def format_option(choices: Sequence[str], help_text: str) -> Callable[[F], F]:
    """`--format` as every command declares it: `fmt`, text by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help_text,
    )
