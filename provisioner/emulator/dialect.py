"""How the emulator spells its answers: our contract, or the reference's examples.

Every difference between the two flavours is a field of ``Dialect`` and is
set here, once; views, the API and the fault middleware consult the dialect
and nothing else names a flavour. A flavour changes how answers are spelled,
never what a request must satisfy: validate.py and store.py apply the same
rules in both.

contract  kaleyra-api.md's tables, with the [ASSUMED] points of contract.py.
docs      kaleyra-api.md, "What the published reference shows": the v1
          reference's examples where they differ from the tables.

The flavours agree on the rest: the list's ``count`` is the number of rooms on
the page and its booleans are booleans, and a room created without a
description shows ``"description": null`` everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from starlette.responses import JSONResponse

from provisioner.emulator import contract as c
from provisioner.emulator.problems import Refused, Triple

# Info links in the reference: another path and a longer token than create's.
ATTACH_LINK_BASE = "https://sandbox.bandyer.com/attach"
ATTACH_TOKEN_HEX_DIGITS = 24


@dataclass(frozen=True)
class Dialect:
    """One flavour's answers; the defaults are the contract's."""

    name: str
    # `record` in the create and info answers as 1/0 (the list keeps booleans).
    record_as_number: bool = False
    create_shows_recording_type: bool = True
    # Keys room/info adds to the contract's (their values are copied per answer).
    info_extras: Mapping[str, Any] = field(default_factory=dict)
    # Room/info links: None = the create links; else other tokens on this base.
    info_link_base: str | None = None
    info_token_hex_digits: int = c.TOKEN_HEX_DIGITS
    # Room/info on a deleted room: CLOSED with no links, instead of unknown.
    deleted_rooms_readable: bool = False
    # Refusals answered with another triple than the contract's.
    retriples: Mapping[Triple, Triple] = field(default_factory=dict)
    flat_errors: bool = False
    retry_after_on_429: bool = c.RETRY_AFTER_ON_429

    def record(self, recording: bool) -> bool | int:
        return int(recording) if self.record_as_number else recording

    def envelope(self, refused: Refused) -> dict[str, Any]:
        _, name, code = self.triple(refused)
        error = {"name": name, "code": code, "message": refused.message}
        return error if self.flat_errors else {"error": error}

    def triple(self, refused: Refused) -> Triple:
        triple = (refused.status, refused.name, refused.code)
        return self.retriples.get(triple, triple)

    def refusal(
        self, refused: Refused, headers: Mapping[str, str] | None = None
    ) -> JSONResponse:
        """The HTTP answer to a refusal, in this dialect."""
        status = self.triple(refused)[0]
        return JSONResponse(
            self.envelope(refused), status_code=status, headers=dict(headers or {})
        )


CONTRACT = Dialect(name="contract")

DOCS = Dialect(
    name="docs",
    # The create and room/info examples show "record": 1.
    record_as_number=True,
    # The create example has no recording_type.
    create_shows_recording_type=False,
    # The room/info example adds dialInfo; its shape is not published [ASSUMED].
    info_extras=MappingProxyType({"dialInfo": {"enabled": False, "numbers": []}}),
    # The room/info example's link is on /attach/, with another token.
    info_link_base=ATTACH_LINK_BASE,
    info_token_hex_digits=ATTACH_TOKEN_HEX_DIGITS,
    # CLOSED is "deleted or ended": a deleted room may still be read.
    deleted_rooms_readable=True,
    # Unknown rooms are undocumented: here a 400 whose code names the room.
    retriples=MappingProxyType(
        {c.ROOM_NOT_FOUND: (400, "invalid_request_error", "room_not_found")}
    ),
    # No envelope is published; the reference's tables list name and code.
    flat_errors=True,
    # No Retry-After is documented.
    retry_after_on_429=False,
)

DIALECTS: Mapping[str, Dialect] = MappingProxyType(
    {dialect.name: dialect for dialect in (CONTRACT, DOCS)}
)
FLAVOURS = tuple(DIALECTS)
DEFAULT_FLAVOUR = CONTRACT.name


def dialect_of(flavour: str) -> Dialect:
    """The dialect named ``flavour``; ``ValueError`` for an unknown one."""
    try:
        return DIALECTS[flavour]
    except KeyError:
        choices = ", ".join(FLAVOURS)
        message = f"flavour: expected one of {choices}, got {flavour!r}"
        raise ValueError(message) from None
