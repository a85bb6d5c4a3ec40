"""`roundhouse beam "a fox in the snow" --width 3 --depth 2`: run a beam search, live."""

from __future__ import annotations

import argparse

from roundhouse.cli import attach
from roundhouse.cli.context import Ctx, add_common, add_follow_flags, command
from roundhouse.cli.errors import Usage


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("beam", help="refine a prompt by beam search (LLM, image, vision)")
    add_common(p)
    p.add_argument("prompt")
    p.add_argument("--width", type=int, help="beam width: prompts kept each round")
    p.add_argument("--depth", type=int, help="rounds")
    p.add_argument("--candidates", type=int, help="refinements proposed per kept prompt")
    p.add_argument("--size", help="image size WxH, e.g. 512x512")
    p.add_argument("--seed", type=int)
    add_follow_flags(p)
    p.set_defaults(func=beam)


@command
def beam(ctx: Ctx, args: argparse.Namespace) -> int:
    body: dict = {"prompt": args.prompt}
    for field, value in (
        ("beam_width", args.width),
        ("depth", args.depth),
        ("candidates", args.candidates),
        ("seed", args.seed),
    ):
        if value is not None:
            body[field] = value
    if args.size:
        try:
            body["width"], body["height"] = (int(v) for v in args.size.lower().split("x"))
        except ValueError as exc:
            raise Usage(f"--size {args.size!r} is not WxH.", "For example --size 512x512.") from exc
    job = ctx.client.post("/api/beam-search", body, feature="beam search")
    code = attach.start(ctx, args, job)
    if code == 0 and not ctx.json and not args.detach:
        _best(ctx, job["id"])
    return code


def _best(ctx: Ctx, job_id: str) -> None:
    """The winning prompt, if the result names one."""
    result = ctx.client.get(f"/api/jobs/{job_id}").get("result") or {}
    best = result.get("best") if isinstance(result, dict) else None
    if isinstance(best, dict):
        ctx.say(f"best prompt (score {best.get('score')}): {best.get('prompt')}")
        if best.get("image_url") or best.get("image"):
            ctx.say(f"image: {ctx.target.url}{best.get('image_url') or best.get('image')}")
