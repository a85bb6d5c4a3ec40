"""`roundhouse pull`, `install` and `uninstall`: models into and out of Ollama and LM Studio."""

from __future__ import annotations

import argparse
from urllib.parse import quote

from roundhouse.cli import attach
from roundhouse.cli.context import Ctx, add_common, add_follow_flags, command
from roundhouse.cli.errors import OK, Usage

TARGETS = ("ollama", "lmstudio")
INSTALL_TARGETS = (*TARGETS, "llamacpp")  # llama.cpp serves the file where it lies


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pull", help="pull a model into Ollama, with live progress")
    add_common(p)
    p.add_argument("model", help="e.g. llama3.2 or qwen2.5:0.5b")
    p.add_argument("--provider", default="ollama", help="where to pull it (default ollama)")
    add_follow_flags(p)
    p.set_defaults(func=pull)

    p = sub.add_parser("install", help="download a GGUF from the Hugging Face Hub and import it")
    add_common(p)
    p.add_argument("repo", help="e.g. bartowski/Llama-3.2-1B-Instruct-GGUF")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--quant", help="quantization, e.g. Q4_K_M")
    which.add_argument("--file", help="an exact .gguf file in the repo")
    p.add_argument(
        "--to", default="ollama", help="targets, comma-separated: ollama,lmstudio,llamacpp"
    )
    p.add_argument("--name", help="the model's name in Ollama (default: derived from the repo)")
    add_follow_flags(p)
    p.set_defaults(func=install)

    p = sub.add_parser("uninstall", help="remove a model from Ollama or LM Studio")
    add_common(p)
    p.add_argument("model")
    p.add_argument("--provider", default="ollama", choices=TARGETS)
    add_follow_flags(p)
    p.set_defaults(func=uninstall)


@command
def pull(ctx: Ctx, args: argparse.Namespace) -> int:
    body = {"provider": args.provider, "model": args.model}
    job = ctx.client.post("/api/providers/models/download", body, feature="model pulls")
    return attach.start(ctx, args, job)


def targets(raw: str) -> list[str]:
    chosen = [t.strip() for t in raw.split(",") if t.strip()]
    bad = [t for t in chosen if t not in INSTALL_TARGETS]
    if bad or not chosen:
        raise Usage(
            f"Unknown target(s): {', '.join(bad) or '(none)'}.",
            "Use --to ollama, lmstudio or llamacpp, or several: --to ollama,lmstudio.",
        )
    return chosen


@command
def install(ctx: Ctx, args: argparse.Namespace) -> int:
    body: dict = {"repo_id": args.repo, "targets": targets(args.to)}
    if args.name:
        body["ollama_name"] = args.name
    if args.file:
        body["file"] = args.file
    elif args.quant:
        body["quant"] = args.quant
    job = ctx.client.post("/api/providers/models/install", body, feature="GGUF installs")
    return attach.start(ctx, args, job)


@command
def uninstall(ctx: Ctx, args: argparse.Namespace) -> int:
    path = f"/api/providers/models/{args.provider}/{quote(args.model, safe=':/')}"
    answer = ctx.client.delete(path, feature=f"uninstalling {args.provider} models")
    if isinstance(answer, dict) and answer.get("events_url"):
        return attach.start(ctx, args, answer)
    if ctx.json:
        ctx.emit(answer)
    else:
        ctx.say(str((answer or {}).get("message") or f"Removed {args.model} from {args.provider}."))
    return OK
