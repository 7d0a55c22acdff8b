"""The emulator's refusals: one exception that carries the API error triple.

How a refusal is spelled on the wire (envelope, status) is the dialect's call.
"""

from __future__ import annotations

from provisioner.emulator import contract

Triple = tuple[int, str, str]


class Refused(Exception):
    """The API refuses the request: status, name, code and a message."""

    def __init__(self, triple: Triple, message: str) -> None:
        super().__init__(message)
        self.status, self.name, self.code = triple
        self.message = message


def invalid(field: str, message: str) -> Refused:
    """A 422 for a body field that breaks its type or range."""
    triple = (
        contract.VALIDATION_STATUS,
        contract.VALIDATION_NAME,
        contract.validation_code(field),
    )
    return Refused(triple, message)
