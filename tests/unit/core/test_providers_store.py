"""ProviderStore: one-round-trip snapshot, all-or-none switches, versions, complete history."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from roundhouse.core.active_providers import Choice, ProviderStore, env_values
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings


@pytest.fixture
def store(fake_redis) -> ProviderStore:  # type: ignore[no-untyped-def]
    return ProviderStore(fake_redis, Keys("rh:"), Settings(llm_provider="ollama"))


class Counting(redis.Redis):
    """A client that counts the commands it sends (a pipeline's execute counts once)."""

    sent = 0

    def execute_command(self, *args, **options):  # type: ignore[no-untyped-def]
        Counting.sent += 1
        return super().execute_command(*args, **options)


def test_defaults_come_from_settings_and_redis_overrides(store: ProviderStore) -> None:
    assert store.current()["llm"] == {
        "provider": "ollama",
        "model": "llama3.2",
        "base_url": "http://127.0.0.1:11434",
    }
    state = store.switch({"llm": Choice("lmstudio", "qwen")}, by="t")
    assert state["llm"] == {"provider": "lmstudio", "model": "qwen"} and state["version"] == 1
    assert store.current()["llm"]["base_url"] == "http://127.0.0.1:1234"


def test_a_multi_role_switch_is_one_version_and_one_history_entry(store: ProviderStore) -> None:
    store.switch(
        {
            "llm": Choice("openai", "gpt-4o"),
            "image": Choice("flux", "f"),
            "vision": Choice("local", "clip"),
        },
        by="a",
        verification={"ok": True},
    )
    state = store.state()
    assert state["version"] == 1 and state["image"]["provider"] == "flux"
    [entry] = store.history()
    assert set(entry["to"]) == {"llm", "image", "vision"} and entry["verification"] == {"ok": True}
    assert entry["from"]["llm"]["provider"] == "ollama" and entry["by"] == "a"


def test_a_switch_that_fails_mid_way_applies_nothing(store: ProviderStore) -> None:
    bad = {"llm": Choice("openai", "gpt-4o"), "image": Choice("flux", None)}  # type: ignore[arg-type]
    with pytest.raises(redis.DataError):
        store.switch(bad)
    assert store.state()["version"] == 0 and store.state()["llm"]["provider"] == "ollama"
    assert store.history() == []


def test_the_snapshot_is_one_round_trip(module_redis: str) -> None:
    client = Counting.from_url(module_redis, decode_responses=True)
    store = ProviderStore(client, Keys(f"rt{uuid.uuid4().hex[:6]}:"), Settings())
    store.switch({"llm": Choice("ollama", "llama3.2")})
    before = Counting.sent
    snap = store.current()
    assert Counting.sent - before == 1 and snap["version"] == 1


def test_env_values_name_the_original_settings() -> None:
    assert env_values("llm", Choice("ollama", "m")) == {"LLM_PROVIDER": "ollama", "LLM_MODEL": "m"}
    assert env_values("image", Choice("flux", "s")) == {"IMAGE_PROVIDER": "flux", "FLUX_MODEL": "s"}
    assert env_values("vision", Choice("local", "clip")) == {"VISION_PROVIDER": "local"}


def test_concurrent_switches_are_never_torn(module_redis: str) -> None:
    """Writers set all three roles to one label; readers must never see two labels at once."""
    keys = Keys(f"torn{uuid.uuid4().hex[:6]}:")
    settings = Settings()
    writers, per_writer = 6, 40
    torn: list[dict] = []
    returned: list[tuple[int, str]] = []
    stop = threading.Event()

    def write(w: int) -> None:
        store = ProviderStore(connect(module_redis), keys, settings)
        for i in range(per_writer):
            label = f"w{w}-{i}"
            state = store.switch(
                {
                    "llm": Choice("ollama", label),
                    "image": Choice("flux", label),
                    "vision": Choice("gpt-vision", label),
                },
                by=f"writer{w}",
            )
            returned.append((state["version"], state["llm"]["model"]))

    def read() -> None:
        store = ProviderStore(connect(module_redis), keys, settings)
        while not stop.is_set():
            snap = store.current()
            if snap["version"] and len({snap[r]["model"] for r in ("llm", "image", "vision")}) > 1:
                torn.append(snap)

    readers = [threading.Thread(target=read) for _ in range(3)]
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in readers + threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    store = ProviderStore(connect(module_redis), keys, settings)
    total = writers * per_writer
    assert torn == [] and store.state()["version"] == total
    history = store.history(count=total + 10)
    history.sort(key=lambda e: e["version"])
    assert [e["version"] for e in history] == list(range(1, total + 1))
    for earlier, later in zip(history, history[1:], strict=False):
        assert later["from"] == earlier["to"]  # each switch saw the one before it
    written = {(e["version"], e["to"]["llm"]["model"]) for e in history}
    assert sorted(returned) == sorted(written)  # each caller got back its own switch
