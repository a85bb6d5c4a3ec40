"""What can go wrong from the terminal's side, each with the exit code a script can test."""

from __future__ import annotations

from typing import Any

from roundhouse.cli.hints import for_terminal

#: Exit codes (documented in README.md).
OK, FAILED, USAGE, CANCELLED, UNREACHABLE = 0, 1, 2, 3, 4
#: Ctrl-C while following: the job keeps running (the shell's convention for SIGINT).
DETACHED = 130


class CliError(Exception):
    """A failure to print as `message` + `hint`, ending the command with `exit_code`."""

    exit_code = FAILED

    def __init__(
        self, message: str, hint: str | None = None, body: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message, self.hint, self.body = message, hint, dict(body or {})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.body.get("error", "error"), "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        out.update({k: v for k, v in self.body.items() if k not in out})
        out["exit_code"] = self.exit_code
        return out


class Unreachable(CliError):
    """Nothing answers at the server's address."""

    exit_code = UNREACHABLE


class Usage(CliError):
    """The command line (or the input it carried) was wrong; the server changed nothing."""

    exit_code = USAGE


class ApiError(CliError):
    """The server answered with an error; its message and hint are shown with API calls that
    have a command worded as that command."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        message = str(body.get("message") or f"The server answered HTTP {status}.")
        super().__init__(for_terminal(message) or message, for_terminal(body.get("hint")), body)
        self.status = status
        if status == 400:
            self.exit_code = USAGE


class Unsupported(CliError):
    """The server has no such endpoint: an older (or partial) Roundhouse."""
