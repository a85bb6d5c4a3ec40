"""Errors a user can read, raised anywhere and mapped to HTTP in one place (api/errors.py).

Errors that only exist as HTTP answers (no or wrong API token, too many wrong tokens) live in
api/errors.py; the ones here mean something to a job or a provider too.

AppError                 message (+ hint: what to do about it, + details: data for the UI)
  InvalidRequest         the request is wrong; nothing was changed            -> 400
  Forbidden              not allowed from here (Origin, bind address)         -> 403
  NotFound               no such job / model / service                         -> 404
  Conflict               valid, but the current state says no                  -> 409
  VerificationFailed     a switch's test prompt failed; old state kept         -> 422
  ProviderError          an outside service answered badly                     -> 502
  Unavailable            an outside service is down; start it first            -> 503
JobStopped               not an error: the job was asked to stop
  Cancelled              ... and ends `cancelled`
  Paused                 ... and ends `paused`, keeping its partial data
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error whose message is safe and useful to show to a user."""

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        body.update(self.details)
        return body


class InvalidRequest(AppError):
    code = "invalid_request"


class Forbidden(AppError):
    code = "forbidden"


class NotFound(AppError):
    code = "not_found"


class Conflict(AppError):
    code = "conflict"


class VerificationFailed(AppError):
    code = "verification_failed"


class ProviderError(AppError):
    """An outside service failed; `provider` names it so the message can too."""

    code = "provider_error"

    def __init__(self, provider: str, message: str, *, hint: str | None = None, **details: Any):
        super().__init__(f"{provider}: {message}", hint=hint, provider=provider, **details)
        self.provider = provider


class Unavailable(ProviderError):
    code = "unavailable"


class JobStopped(Exception):
    """Raised inside a running job when the user asked it to stop."""


class Cancelled(JobStopped):
    pass


class Paused(JobStopped):
    pass
