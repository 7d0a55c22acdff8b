"""What every apply operation shares: client, writer, ledger, stop flag."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Final

from provisioner import environment, rules
from provisioner.apply.ledger import Ledger
from provisioner.apply.patience import PatientClient
from provisioner.apply.writer import StateWriter
from provisioner.environment import RECONCILE_DELAY_ENV
from provisioner.plan.request import Request
from provisioner.state.document import RoomRecord

DEFAULT_RECONCILE_DELAY: Final = 1.0


def reconcile_delay_from_env() -> float:
    """Seconds to wait before looking for the room of a lost create answer."""
    text = environment.value(RECONCILE_DELAY_ENV)
    try:
        return max(0.0, float(text)) if text else DEFAULT_RECONCILE_DELAY
    except ValueError:
        return DEFAULT_RECONCILE_DELAY


@dataclass(frozen=True)
class ApplyOptions(Request):
    """The request, and how the apply runs (the flags that are not about planning).

    `force` (from the request) also governs the RUNNING check made just before
    each replace or delete.
    """

    parallelism: int = 8
    continue_on_error: bool = False
    expect_checksum: str | None = None
    """The reviewed plan's checksum: any other plan is refused before a change."""
    reconcile_delay: float = DEFAULT_RECONCILE_DELAY
    # A create whose answer is lost is looked for, then tried again; after this
    # many lost answers in a row it is left pending for the next run.
    max_unknown: int = 3
    # After a stop signal, in-flight operations get this long to finish.
    grace: float = 8.0


class Stopper:
    """Whether new operations may start: cleared by a failure or a signal."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.signal: str | None = None

    @property
    def stopped(self) -> bool:
        return self.reason is not None

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason


@dataclass
class Context:
    """The shared pieces of one apply run."""

    client: PatientClient
    writer: StateWriter
    ledger: Ledger
    options: ApplyOptions
    on_replace: str = rules.DEFAULT_ON_REPLACE
    stopper: Stopper = field(default_factory=Stopper)
    # Rooms adopted by reconciliation this run, by name: their planned create
    # is already satisfied.
    adopted: dict[str, RoomRecord] = field(default_factory=dict)
    # Tasks running an operation now: cancelled when a stop's grace runs out.
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)
