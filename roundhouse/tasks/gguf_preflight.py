"""Before a byte is fetched: is every install target's service answering?

The API asks it for the host it runs on (a chosen-but-down target is a 503 with how to start
it; a down target that only came from the defaults is left out, with a note), and the job's
`check` stage asks again on the host that will import, so nothing is downloaded into a target
that cannot take it.
"""

from __future__ import annotations

from typing import Any

from roundhouse.core.connection_specs import fix_url
from roundhouse.core.errors import Unavailable
from roundhouse.core.settings import Settings
from roundhouse.providers import health
from roundhouse.providers.services.specs import openai_models_url

TITLES = {"ollama": "Ollama", "lmstudio": "LM Studio"}
START = {
    "ollama": "start it (`ollama serve`, or `roundhouse services start ollama`)",
    "lmstudio": "start its server (`lms server start`, or `roundhouse services start lmstudio`)",
}


def _target(s: Settings, name: str) -> health.Target | None:
    if name == "ollama":
        return health.Target("ollama", "ollama", s.ollama_base_url.rstrip("/") + "/api/version")
    if name == "lmstudio":
        return health.Target("lmstudio", "lmstudio", openai_models_url(s.lmstudio_base_url))
    return None  # a target this check does not know is left to the import to judge


def down(s: Settings, targets: list[str]) -> dict[str, str]:
    """Target -> why it is not usable ("not running (connection refused) at URL")."""
    checks = {t: x for t in targets if (x := _target(s, t)) is not None}
    verdicts = health.check_all(list(checks.values()), timeout_s=s.health_timeout_s)
    return {
        t: f"{verdicts[t]['error']} at {verdicts[t]['url']}"
        for t in checks
        if not verdicts[t]["ok"]
    }


def refusal(reasons: dict[str, str]) -> Unavailable:
    names = " and ".join(TITLES.get(t, t) for t in reasons)
    how = "; ".join(f"{TITLES.get(t, t)}: {START.get(t, 'start it')}" for t in reasons)
    first = next(iter(reasons))
    return Unavailable(
        first,
        f"{names} not available, nothing was downloaded: "
        + "; ".join(f"{TITLES.get(t, t)} {why}" for t, why in reasons.items()),
        hint=f"{how}; or {fix_url(first)}; or choose other targets.",
        targets_down=reasons,
    )


def choose(s: Settings, targets: list[str], explicit: bool) -> tuple[list[str], dict[str, str]]:
    """(targets to use, dropped target -> reason). Chosen targets must all be up; defaults that
    are down are dropped as long as one remains."""
    reasons = down(s, targets)
    if not reasons:
        return targets, {}
    kept = [t for t in targets if t not in reasons]
    if explicit or not kept:
        raise refusal(reasons)
    return kept, reasons


def note(dropped: dict[str, str]) -> str:
    return "; ".join(f"{TITLES.get(t, t)} left out: {why}" for t, why in dropped.items())


def require(s: Settings, targets: list[str]) -> None:
    """The job's check: every target must answer before the download starts."""
    reasons = down(s, targets)
    if reasons:
        raise refusal(reasons)


def partial(repo_id: str, found: dict[str, str], failed: dict[str, str], paths: list[Any]) -> str:
    """One message naming what succeeded and what did not, and where the file is kept."""
    done = "; ".join(f"in {TITLES.get(t, t)} as {m}" for t, m in found.items())
    bad = "; ".join(f"{TITLES.get(t, t)}: {why}" for t, why in failed.items())
    kept = ", ".join(str(p) for p in paths)
    return f"Installed {repo_id} {done}; {bad}; file kept at {kept}"
