"""Where the CLI finds its server: flags, then the environment, then a config file.

The config file is TOML at `$ROUNDHOUSE_CONFIG`, else `$XDG_CONFIG_HOME/roundhouse/config.toml`
(default `~/.config/roundhouse/config.toml`):

    url = "http://10.0.0.5:8000"
    token = "..."
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


class ConfigError(Exception):
    """The config file exists but cannot be used."""


@dataclass(frozen=True)
class Target:
    """The server to talk to and the token to show it."""

    url: str
    token: str = ""

    @property
    def ws_url(self) -> str:
        scheme, rest = self.url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("ROUNDHOUSE_CONFIG"):
        return Path(env["ROUNDHOUSE_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "roundhouse" / "config.toml"


def read_file(path: Path) -> dict[str, str]:
    """The file's url/token (missing file: nothing)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from exc
    return {k: str(data[k]) for k in ("url", "token") if data.get(k)}


def resolve(
    url: str | None = None, token: str | None = None, env: Mapping[str, str] | None = None
) -> Target:
    """Flags win over ROUNDHOUSE_URL / ROUNDHOUSE_API_TOKEN, which win over the file."""
    env = os.environ if env is None else env
    found = read_file(config_path(env))
    chosen_url = url or env.get("ROUNDHOUSE_URL") or found.get("url") or DEFAULT_URL
    chosen_token = token or env.get("ROUNDHOUSE_API_TOKEN") or found.get("token") or ""
    if "://" not in chosen_url:
        chosen_url = "http://" + chosen_url
    return Target(chosen_url.rstrip("/"), chosen_token)
