"""How an emulator is set up: the accepted key, seed users, data file, faults."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from provisioner.emulator.dialect import DEFAULT_FLAVOUR, dialect_of

DROP_MODES = ("error", "disconnect")


@dataclass(frozen=True)
class Faults:
    """Per-request fault knobs; all off by default.

    - ``latency_ms`` + uniform(0, ``jitter_ms``): delay before each API answer.
    - ``rate_limit``: requests per second (token bucket, burst = one second's
      worth); over it the answer is 429 with ``Retry-After``. 0 = no limit.
    - ``fail_rate``: share of API requests answered 503 or 500 (nothing done).
    - ``commit_then_drop``: share of room creates whose room IS created but
      whose answer is lost: a 500 (``drop_mode="error"``) or the connection
      closed mid-answer (``drop_mode="disconnect"``).
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: float = 0.0
    fail_rate: float = 0.0
    commit_then_drop: float = 0.0
    drop_mode: str = "error"

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms", "rate_limit"):
            _check_number(name, getattr(self, name), upper=None)
        for name in ("fail_rate", "commit_then_drop"):
            _check_number(name, getattr(self, name), upper=1.0)
        if self.drop_mode not in DROP_MODES:
            raise ValueError(f"drop_mode: expected one of {', '.join(DROP_MODES)}")

    def updated(self, changes: Mapping[str, object]) -> Faults:
        """A copy with ``changes`` applied; ``ValueError`` on an unknown knob."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault setting {unknown[0]!r}")
        return replace(self, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _check_number(name: str, value: object, upper: float | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number")
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        limit = f"0 to {upper:g}" if upper is not None else "a number >= 0"
        raise ValueError(f"{name}: expected {limit}, got {value}")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator starts from.

    ``users`` are ``(user_id, role)`` pairs created at start and after every
    reset. ``data_path``, when set, keeps the state in that JSON file (written
    after every change) so it survives a restart. ``seed`` makes ids, links and
    random faults reproducible. ``flavour`` picks how answers are spelled:
    ``contract`` or ``docs`` (see dialect.py).
    """

    api_key: str = field(repr=False)
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: float = 0.0
    fail_rate: float = 0.0
    commit_then_drop: float = 0.0
    drop_mode: str = "error"
    users: tuple[tuple[str, str], ...] = ()
    data_path: Path | None = None
    seed: int | None = None
    flavour: str = DEFAULT_FLAVOUR

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("the emulator needs an API key to accept")
        dialect_of(self.flavour)  # validates the name
        self.faults()  # validates the knobs

    def faults(self) -> Faults:
        return Faults(
            latency_ms=self.latency_ms,
            jitter_ms=self.jitter_ms,
            rate_limit=self.rate_limit,
            fail_rate=self.fail_rate,
            commit_then_drop=self.commit_then_drop,
            drop_mode=self.drop_mode,
        )
