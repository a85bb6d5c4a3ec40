"""Turn huggingface_hub exceptions into core.errors a user can act on (with a hint each)."""

from __future__ import annotations

from huggingface_hub import errors as hf

from roundhouse.core.connection_specs import give_key
from roundhouse.core.errors import AppError, Forbidden, NotFound, ProviderError, Unavailable

PROVIDER = "huggingface"


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _server_message(exc: BaseException) -> str:
    return str(getattr(exc, "server_message", None) or exc).splitlines()[0]


def hub_error(
    exc: BaseException,
    *,
    endpoint: str,
    repo_id: str,
    filename: str | None = None,
    revision: str | None = None,
) -> AppError:
    """The AppError for a Hub failure (GatedRepoError is a RepositoryNotFoundError: test first)."""
    page = f"{endpoint.rstrip('/')}/{repo_id}"
    if isinstance(exc, hf.LocalEntryNotFoundError) and exc.__cause__ is not None:
        return hub_error(
            exc.__cause__, endpoint=endpoint, repo_id=repo_id, filename=filename, revision=revision
        )
    if isinstance(exc, hf.GatedRepoError):
        return Forbidden(
            f"{repo_id} is a gated repository: downloads need the token of an approved account",
            hint=f"accept the licence on {page} with your account, then {give_key('huggingface')}",
            repo=repo_id,
        )
    if isinstance(exc, hf.RepositoryNotFoundError):
        return NotFound(
            f"repository {repo_id} was not found on the Hub",
            hint="check the spelling; a private repository also needs a token: "
            + give_key("huggingface"),
            repo=repo_id,
        )
    if isinstance(exc, hf.RevisionNotFoundError):
        return NotFound(
            f"revision {revision!r} does not exist in {repo_id}",
            hint="use a branch name such as main, a tag, or a 40-character commit id",
            repo=repo_id,
        )
    if isinstance(exc, hf.EntryNotFoundError):
        return NotFound(
            f"{filename} is not in {repo_id} at {revision or 'main'}",
            hint=f"see the file list on {page}/tree/{revision or 'main'}",
            repo=repo_id,
            filename=filename,
        )
    if isinstance(exc, hf.DisabledRepoError):
        return Forbidden(f"repository {repo_id} has been disabled on the Hub", repo=repo_id)
    return _http_error(exc, endpoint)


def _http_error(exc: BaseException, endpoint: str) -> AppError:
    """Status and transport failures: 5xx/429/network are Unavailable, the rest ProviderError."""
    status = _status(exc)
    if isinstance(exc, hf.HfHubHTTPError) and status is not None:
        if status == 401 or status == 403:
            return ProviderError(
                PROVIDER,
                f"access denied (HTTP {status}): {_server_message(exc)}",
                hint="the Hugging Face token may be invalid or lack read access: "
                + give_key("huggingface"),
            )
        if status >= 500 or status == 429:
            return Unavailable(
                PROVIDER,
                f"the Hub answered HTTP {status}",
                hint="the Hub is busy or down; retry in a minute",
            )
        return ProviderError(PROVIDER, f"HTTP {status}: {_server_message(exc)}")
    if isinstance(exc, hf.FileMetadataError):
        return ProviderError(
            PROVIDER,
            f"{endpoint} did not answer like a Hugging Face Hub",
            hint="check the HF endpoint setting (HF_ENDPOINT)",
        )
    if isinstance(exc, (hf.HTTPError, ConnectionError, TimeoutError, OSError)):
        return Unavailable(
            PROVIDER,
            f"cannot reach {endpoint}: {type(exc).__name__}: {exc}",
            hint="check the network and the HF endpoint setting (HF_ENDPOINT)",
        )
    return ProviderError(PROVIDER, f"unexpected error: {type(exc).__name__}: {exc}")
