"""REST calls to the Roundhouse API, with errors turned into messages that say what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from roundhouse.cli.config import Target
from roundhouse.cli.errors import ApiError, CliError, Unreachable, Unsupported

#: The API's answer for an unknown route (api/errors.py), as opposed to "no such job".
NO_ROUTE = "No such endpoint."


class Client:
    """One server; every method returns the decoded JSON body or raises a CliError."""

    def __init__(self, target: Target, timeout: float = 30.0) -> None:
        self.target = target
        headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
        self.http = httpx.Client(base_url=target.url, headers=headers, timeout=timeout)

    def get(self, path: str, feature: str = "", **params: Any) -> Any:
        return self.call("GET", path, feature=feature, params=params or None)

    def post(self, path: str, body: dict[str, Any] | None = None, feature: str = "") -> Any:
        return self.call("POST", path, feature=feature, json=body or {})

    def delete(self, path: str, feature: str = "") -> Any:
        return self.call("DELETE", path, feature=feature)

    def call(self, method: str, path: str, feature: str = "", **kwargs: Any) -> Any:
        """One request; `feature` names what a missing endpoint means for the message."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unreachable(
                f"{self.target.url} did not answer within {self.http.timeout.read}s.",
                "Check the server's log; it may be overloaded.",
            ) from exc
        except httpx.TransportError as exc:
            raise unreachable(self.target.url) from exc
        return decode(response, feature)

    def events(self, path: str, body: dict[str, Any], feature: str = "") -> Iterator[dict]:
        """POST and read the answer's Server-Sent Events (`data: {...}` lines) as they come."""
        try:
            with self.http.stream("POST", path, json=body, timeout=None) as response:
                if not response.is_success:
                    response.read()
                    decode(response, feature)
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        yield json.loads(line[5:])
        except httpx.TransportError as exc:
            raise unreachable(self.target.url) from exc

    def close(self) -> None:
        self.http.close()


def unreachable(url: str) -> Unreachable:
    return Unreachable(
        f"Cannot reach Roundhouse at {url}.",
        "Start it with `roundhouse up`, or point the CLI at it with --url or ROUNDHOUSE_URL.",
    )


def decode(response: httpx.Response, feature: str = "") -> Any:
    """The JSON body of a success; a CliError for anything else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success:
        return body
    if not isinstance(body, dict):
        body = {"message": f"The server answered HTTP {response.status_code}."}
    missing_route = response.status_code == 404 and body.get("message") == NO_ROUTE
    if feature and (missing_route or response.status_code == 405):
        raise Unsupported(
            f"This Roundhouse does not support {feature} yet.",
            "Upgrade the server (the CLI talks to its REST API).",
            {"error": "unsupported"},
        )
    if response.status_code == 401:
        body["hint"] = (
            "Pass --token, set ROUNDHOUSE_API_TOKEN, or add token = ... to the config file."
        )
    raise ApiError(response.status_code, body)


__all__ = ["Client", "CliError", "decode", "unreachable"]
