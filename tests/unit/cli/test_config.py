"""Where the CLI looks for its server: flags, then environment, then the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.cli.config import DEFAULT_URL, ConfigError, resolve


def write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return {"ROUNDHOUSE_CONFIG": str(path)}


def test_flags_win_over_environment_which_wins_over_the_file(tmp_path: Path) -> None:
    env = write(tmp_path, 'url = "http://file:1"\ntoken = "from-file"\n')
    assert resolve(env=env).url == "http://file:1" and resolve(env=env).token == "from-file"
    env |= {"ROUNDHOUSE_URL": "http://env:2/", "ROUNDHOUSE_API_TOKEN": "from-env"}
    assert resolve(env=env) == resolve(env=env)
    assert (resolve(env=env).url, resolve(env=env).token) == ("http://env:2", "from-env")
    flagged = resolve("flag:3", "from-flag", env=env)
    assert (flagged.url, flagged.token) == ("http://flag:3", "from-flag")


def test_defaults_and_xdg_location(tmp_path: Path) -> None:
    assert resolve(env={"XDG_CONFIG_HOME": str(tmp_path)}).url == DEFAULT_URL
    (tmp_path / "roundhouse").mkdir()
    (tmp_path / "roundhouse" / "config.toml").write_text('url = "https://team:8443"\n')
    target = resolve(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert target.ws_url == "wss://team:8443/ws"


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read"):
        resolve(env=write(tmp_path, "url = \n"))
