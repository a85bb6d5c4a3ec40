"""What the CLI prints itself: its version, the jobs table, and server hints in its own words."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from roundhouse.cli import fmt
from roundhouse.cli.errors import ApiError
from roundhouse.cli.hints import for_terminal
from roundhouse.cli.main import main


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"roundhouse {version('roundhouse')}"


def test_jobs_table_has_a_header_and_aligned_columns_with_an_age() -> None:
    now = 1_000_000.0
    jobs = [
        {"id": "a" * 32, "kind": "ollama.pull", "state": "running", "stage": "download",
         "progress": 0.5, "done": 1_000_000_000, "total": 2_000_000_000, "created_at": now - 75},
        {"id": "b" * 32, "kind": "demo.count", "state": "failed", "error": "boom",
         "message": "counting", "created_at": now - 3 * 86400},
        {"id": "c" * 32, "kind": "demo.count", "state": "queued", "created_at": now - 4},
    ]  # fmt: skip
    header, *rows = fmt.job_table(jobs, now)
    assert header.split() == ["ID", "KIND", "STATE", "PROGRESS", "AGE", "MESSAGE"]
    age_at = header.index("AGE")
    assert [row[age_at:].split()[0] for row in rows] == ["1m", "3d", "4s"]
    assert rows[0].startswith("a" * 32 + "  ollama.pull  running/download")
    assert "50% 1.0 GB/2.0 GB" in rows[0] and rows[1].endswith("boom")
    assert all(row[32:34] == "  " and row[34] != " " for row in rows)  # ids aligned


@pytest.mark.parametrize(
    "server,terminal",
    [
        ("List jobs with GET /api/jobs; finished jobs are kept for 7 days.",
         "List jobs with `roundhouse jobs`; finished jobs are kept for 7 days."),
        ("See GET /api/providers/models/status.", "See `roundhouse models`."),
        ("Pick a chat model for the LLM role (GET /api/providers/llm/models).",
         "Pick a chat model for the LLM role (`roundhouse models`)."),
        ("GET /api/jobs/abc shows it", "GET /api/jobs/abc shows it"),  # no command for it
        (None, None),
    ],
)  # fmt: skip
def test_server_hints_name_commands_in_a_terminal(server: str | None, terminal: str | None):
    assert for_terminal(server) == terminal


def test_a_failed_jobs_hint_is_in_terminal_words() -> None:
    job = {"id": "j1", "kind": "demo", "state": "failed", "error": "x", "hint": "GET /api/jobs"}
    assert fmt.summary(job)[-1] == "  hint: `roundhouse jobs`"


def test_an_api_error_shows_the_hint_in_terminal_words() -> None:
    e = ApiError(404, {"error": "not_found", "message": "No job", "hint": "See GET /api/jobs."})
    assert e.hint == "See `roundhouse jobs`." and e.to_dict()["hint"] == e.hint
