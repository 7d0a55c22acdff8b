"""CLI commands: emulator."""

from __future__ import annotations

from pathlib import Path

import click

from provisioner.emulator.config import DROP_MODES, EmulatorConfig
from provisioner.emulator.dialect import DEFAULT_FLAVOUR, FLAVOURS
from provisioner.emulator.server import serve
from provisioner.errors import ProvisionerError

_RATE = click.FloatRange(0.0, 1.0)
_MS = click.FloatRange(min=0.0)


def _user(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    users = []
    for value in values:
        user_id, sep, role = value.rpartition(":")
        if not sep or not user_id:
            raise click.BadParameter(f"expected ID:ROLE, got {value!r}")
        users.append((user_id, role))
    return tuple(users)


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback address."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--api-key",
    envvar="KALEYRA_API_KEY",
    show_envvar=True,
    help="The key to accept (prefer the environment variable: argv is visible).",
)
@click.option("--latency", type=_MS, default=0.0, help="Delay per request, ms.")
@click.option("--jitter", type=_MS, default=0.0, help="Extra random delay, 0..MS.")
@click.option("--rate-limit", type=_MS, default=0.0, help="Requests/s; 0 = off.")
@click.option("--fail-rate", type=_RATE, default=0.0, help="Share answered 5xx.")
@click.option("--drop-rate", type=_RATE, default=0.0, help="Share of creates lost.")
@click.option(
    "--drop-mode",
    type=click.Choice(DROP_MODES),
    default="error",
    show_default=True,
    help="A lost create answers 500 (error) or hangs up mid-answer (disconnect).",
)
@click.option(
    "--flavour",
    type=click.Choice(FLAVOURS),
    default=DEFAULT_FLAVOUR,
    show_default=True,
    help="Answer as our contract says, or as the published reference's examples.",
)
@click.option(
    "--user",
    "users",
    multiple=True,
    callback=_user,
    metavar="ID:ROLE",
    help="Create this user at start (repeatable), e.g. frontdesk:basic.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the state in this JSON file across restarts.",
)
@click.option("--seed", type=int, help="Make ids, links and faults reproducible.")
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
def emulator(
    host: str,
    port: int,
    api_key: str | None,
    latency: float,
    jitter: float,
    rate_limit: float,
    fail_rate: float,
    drop_rate: float,
    drop_mode: str,
    flavour: str,
    users: tuple[tuple[str, str], ...],
    data: Path | None,
    seed: int | None,
    access_log: bool,
) -> None:
    """Run the local Kaleyra API emulator; prints its URL once it listens."""
    if not api_key:
        raise click.UsageError("no API key: set KALEYRA_API_KEY or pass --api-key")
    try:
        config = EmulatorConfig(
            api_key=api_key,
            latency_ms=latency,
            jitter_ms=jitter,
            rate_limit=rate_limit,
            fail_rate=fail_rate,
            commit_then_drop=drop_rate,
            drop_mode=drop_mode,
            users=users,
            data_path=data,
            seed=seed,
            flavour=flavour,
        )
    except ValueError as exc:
        raise ProvisionerError(f"emulator: {exc}") from None
    serve(
        config,
        host=host,
        port=port,
        on_ready=lambda url: click.echo(url),
        access_log=access_log,
    )
