"""`roundhouse jobs [ID...] [--follow] [--state S] [--clear]` and `cancel|pause|resume <job>`."""

from __future__ import annotations

import argparse
import time

from roundhouse.cli import attach, fmt
from roundhouse.cli.context import Ctx, add_common, command
from roundhouse.cli.errors import OK, Usage

STATES = ("queued", "running", "paused", "succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="list jobs, show some, or follow them live")
    add_common(p)
    p.add_argument("ids", nargs="*", metavar="ID", help="jobs to show or follow")
    p.add_argument("-f", "--follow", action="store_true", help="live progress until they end")
    p.add_argument("--state", choices=STATES, help="only jobs in this state")
    p.add_argument("--kind", help="only jobs of this kind (e.g. ollama.pull)")
    p.add_argument("--limit", type=int, default=20, help="how many (newest first)")
    p.add_argument("--cancel-on-interrupt", action="store_true", help="Ctrl-C cancels them")
    p.add_argument(
        "--clear",
        action="store_true",
        help="remove finished jobs (succeeded, failed, cancelled) and their records",
    )
    p.set_defaults(func=jobs)
    for verb, text in (
        ("cancel", "cancel a job"),
        ("pause", "pause a download (keeps its partial data)"),
        ("resume", "resume a paused job"),
    ):
        q = sub.add_parser(verb, help=text)
        add_common(q)
        q.add_argument("ids", nargs="+", metavar="ID")
        if verb == "resume":
            q.add_argument("-f", "--follow", action="store_true", help="follow it after resuming")
        q.set_defaults(func=stop_or_resume, verb=verb)


@command
def jobs(ctx: Ctx, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise Usage("--limit must be at least 1.")
    if args.clear:
        if args.ids or args.follow or args.state or args.kind:
            raise Usage(
                "--clear takes no ids, --follow, --state or --kind: it clears every finished job."
            )
        answer = ctx.client.post("/api/jobs/clear", {})
        ctx.emit(answer) if ctx.json else ctx.say(_cleared(answer["cleared"]))
        return OK
    if args.follow:
        ids = args.ids or _active(ctx, args)
        if not ids:
            ctx.emit([]) if ctx.json else ctx.say("No queued or running jobs to follow.")
            return OK
        return attach.follow(ctx, ids, cancel_on_interrupt=args.cancel_on_interrupt, stream=True)
    if args.ids:
        found = [ctx.client.get(f"/api/jobs/{i}") for i in args.ids]
        ctx.emit(found[0] if len(found) == 1 else found) if ctx.json else _show_jobs(ctx, found)
        return attach.exit_code(found) if all(j["state"] in fmt.TERMINAL for j in found) else OK
    page = ctx.client.get("/api/jobs", state=args.state, kind=args.kind, limit=args.limit)
    if ctx.json:
        ctx.emit(page)
    elif not page["jobs"]:
        ctx.say("No jobs." if not (args.state or args.kind) else "No jobs match.")
    else:
        _show_jobs(ctx, page["jobs"])
    return OK


def _cleared(n: int) -> str:
    return (
        "No finished jobs to clear."
        if not n
        else f"Cleared {n} finished job{'s' if n != 1 else ''}."
    )


def _active(ctx: Ctx, args: argparse.Namespace) -> list[str]:
    states = [args.state] if args.state else list(ACTIVE)
    ids: list[str] = []
    for state in states:
        page = ctx.client.get("/api/jobs", state=state, kind=args.kind, limit=500)
        ids += [j["id"] for j in page["jobs"]]
    return ids


def _show_jobs(ctx: Ctx, found: list[dict]) -> None:
    for line in fmt.job_table(found, time.time()):
        ctx.say(line)


@command
def stop_or_resume(ctx: Ctx, args: argparse.Namespace) -> int:
    answers = [ctx.client.post(f"/api/jobs/{job_id}/{args.verb}") for job_id in args.ids]
    if args.verb == "resume" and getattr(args, "follow", False):
        return attach.follow(ctx, args.ids)
    if ctx.json:
        ctx.emit(answers[0] if len(answers) == 1 else answers)
        return OK
    for job in answers:
        state = job.get("state")
        asked = {"cancel": "cancelling", "pause": "pausing"}.get(args.verb, "resuming")
        note = f" ({asked}: it stops within a second)" if state == "running" else ""
        ctx.say(f"{job['id']}: {state}{note}")
    return OK
