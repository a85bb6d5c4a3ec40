"""Every Lua script names the keys it touches in KEYS, never builds one from ARGV."""

from __future__ import annotations

import re

import pytest

from roundhouse.core import disk, health_cache, scripts, slots

SCRIPTS = {
    "CREATE": scripts.CREATE,
    "EMIT": scripts.EMIT,
    "ACQUIRE": slots.ACQUIRE,
    "JOIN": slots.JOIN,
    "RESERVE": disk._RESERVE,
    "RELEASE": health_cache._RELEASE,
}
#: the first argument of every redis.call: a key
CALL = re.compile(r"redis\.call\('\w+',\s*([^,)]+)")
#: a key is KEYS[n], or the slots script's lookup table filled from KEYS
KEY = re.compile(r"KEYS\[\d+\]|job\[j\]")


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_key_a_script_touches_comes_from_keys(name: str) -> None:
    keys = CALL.findall(SCRIPTS[name])
    assert keys and [k for k in keys if not KEY.fullmatch(k.strip())] == []
    assert ".." not in "".join(keys)  # no key spliced together inside the script


def test_the_checker_catches_a_key_built_from_argv() -> None:
    bad = "redis.call('HGET', ARGV[3] .. owner, 'state')"
    assert [k for k in CALL.findall(bad) if not KEY.fullmatch(k.strip())] == ["ARGV[3] .. owner"]
