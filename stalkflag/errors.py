"""One exception hierarchy with stable error codes.

Every error a user can cause (a missing file, an export that breaks the contract, a bad
config) is a :class:`StalkflagError`. The CLI turns it into one clear sentence and an exit
code; no traceback reaches the user. Messages never contain personal data: values from
personal columns are masked before they are put in a message (see :mod:`stalkflag.mask`).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "OutputError",
    "StalkflagError",
    "UnusableInputError",
]


class StalkflagError(Exception):
    """Base class for errors caused by input or configuration, not by a bug.

    Attributes:
        code: A stable, machine-readable code such as ``"F002"``.
        exit_code: The process exit code the CLI uses for this error.
    """

    code = "E000"
    exit_code = 2

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])


class UnusableInputError(StalkflagError):
    """The input file cannot be used at all (not found, empty, not CSV, missing columns)."""

    code = "F000"


class ConfigError(StalkflagError):
    """A configuration file or option is invalid."""

    code = "C000"


class OutputError(StalkflagError):
    """An output could not be written (a read-only folder, a full disk, a folder where a file
    was named). Nothing partial is left behind: outputs are written to a temporary file in the
    same folder and moved into place only when complete."""

    code = "O000"
    exit_code = 3
