"""llama.cpp jobs: `llamacpp.setup` builds the engine; `llamacpp.switch` loads a GGUF, verifies
it with the test prompt and only then makes it the LLM (every worker sees the switch).

Both run on the host's queue: the engine's virtualenv, the GGUF and the server are that
machine's. The switch owns the service's start dedup key, so the services grid shows it as the
start in progress, and a stop cancels it.
"""

from __future__ import annotations

from typing import Any

from roundhouse.core import envfile
from roundhouse.core.active_providers import Choice, env_values
from roundhouse.core.errors import AppError, Conflict, VerificationFailed
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.providers.generation import build_llm, probe_llm
from roundhouse.providers.llamacpp import engine
from roundhouse.providers.llamacpp import setup as engine_setup
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.jobs import services
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.llamacpp import NAME, SETUP, SWITCH


@handles(SETUP)
def setup(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Build llama-cpp-python[server] into <data dir>/llamacpp/venv (skipped when it is there)."""
    s = ctx.settings()
    if s.llamacpp_command.strip():
        raise Conflict(
            "ROUNDHOUSE_LLAMACPP_COMMAND names an external llama-server: nothing to set up",
            hint="Unset it to use the engine Roundhouse builds",
        )
    if engine.venv_has_server(engine.venv_dir(s.data_dir)) and not job["params"].get("force"):
        message = f"llama.cpp is already set up in {engine.venv_dir(s.data_dir)}"
        control.report(stage="ready", progress=1.0, message=message)
        return {"venv": str(engine.venv_dir(s.data_dir)), "message": message, "skipped": True}
    out = engine_setup.install(
        s.data_dir, s.llamacpp_package, s.llamacpp_pip_args, control, s.llamacpp_cmake_args
    )
    services.store(ctx).announce(s.hostname, NAME, {"state": "stopped", "message": out["message"]})
    return out


class _Loading:
    """The start's own stages (launching, waiting for health) shown as one: "loading model"."""

    def __init__(self, control: Control) -> None:
        self.control = control

    def report(self, *, stage: str | None = None, progress: float | None = None, **kw: Any) -> None:
        shown = None if progress is None else round(0.1 + 0.6 * progress, 3)
        self.control.report(stage="loading model", progress=shown, step=stage, **kw)

    def check(self) -> None:
        self.control.check()

    def event(self, type_: str, **data: Any) -> None:
        self.control.event(type_, **data)


def verify(ctx: WorkerContext, model: str, control: Control) -> dict[str, Any]:
    """The switch's test prompt (10 tokens at most) to the server just loaded."""
    s = ctx.settings()
    control.report(stage="verifying", progress=0.75, message=f"sending the test prompt to {model}")
    llm = build_llm({"llm": {"provider": NAME, "model": model, "base_url": s.llamacpp_base_url}})
    try:
        probe = probe_llm(llm, deadline_s=max(30.0, s.verify_timeout_s))
    except AppError as exc:
        raise VerificationFailed(
            f"The test prompt to llama.cpp ({model}) failed: {exc.message}",
            hint=exc.hint or "Nothing was switched; look at the service's log tail.",
            verification={"ok": False, "error": exc.message},
        ) from exc
    finally:
        llm.close()
    said = f"llama.cpp ({model}) answered {probe['answer']!r} in {probe['latency_ms']} ms"
    return {"ok": True, **probe, "message": said}


@handles(SWITCH)
def switch(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Serve the GGUF (start, or restart on it), verify it answers, then switch every role."""
    s, p = ctx.settings(), job["params"]
    start: Job = {**job, "params": {"service": NAME, "model": p["model"]}}
    served = services.start(ctx, start, _Loading(control))
    name = (served.get("model") or {}).get("name") or p["name"]
    verification = verify(ctx, name, control) if p.get("verify", True) else None
    changes = {role: Choice(**c) for role, c in p["changes"].items()}
    changes["llm"] = Choice(NAME, name)
    store = ctx.stores.providers(s)
    if p.get("persist"):
        values = {k: v for role, c in changes.items() for k, v in env_values(role, c).items()}
        with envfile.locked(s.env_file):
            state = store.switch(changes, by=p["by"], verification=verification)
            envfile.write_locked(s.env_file, values)
    else:
        state = store.switch(changes, by=p["by"], verification=verification)
    said = verification["message"] if verification else f"llama.cpp serves {name}"
    message = f"LLM switched to llama.cpp / {name} (version {state['version']}): {said}"
    control.report(stage="switched", progress=1.0, message=message)
    return {
        **state,
        "verification": verification,
        "persisted": bool(p.get("persist")),
        "service": served,
        "message": message,
    }
