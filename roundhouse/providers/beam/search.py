"""Beam search over prompts: the LLM proposes, the image provider renders, vision scores.

Round 1 refines the user's prompt into `candidates` prompts; every later round refines each of
the `beam_width` best prompts of the round before. The result is the best candidate of all
rounds. Work runs on at most `concurrency` threads; all Control calls stay on the calling thread,
so the job layer's control need not be thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from roundhouse.core.errors import AppError, InvalidRequest, ProviderError, Unavailable
from roundhouse.providers.base import Control
from roundhouse.providers.beam.params import Params, validate_params, validate_prompt
from roundhouse.providers.beam.parse import fill, parse_prompts, refine_messages
from roundhouse.providers.beam.screen import Rejected, screen
from roundhouse.providers.beam.tree import ROOT, Node, Result, Round, best, top
from roundhouse.providers.generation.image import ImageClient
from roundhouse.providers.generation.llm import LLM
from roundhouse.providers.generation.vision import VisionClient

Proposal = tuple[list[str], list[Rejected]]  # (usable prompts, dropped ones with reasons)
SaveImage = Callable[[str, bytes], str]  # (candidate id, PNG bytes) -> URL the page can show
POLL_S = 0.05  # how often a waiting round checks for cancel


class BeamClients(Protocol):
    """Any object with the three roles, e.g. generation.Clients."""

    llm: LLM
    image: ImageClient | None
    vision: VisionClient | None


def run(
    prompt: str,
    params: Params | Mapping[str, Any],
    clients: BeamClients,
    control: Control,
    save_image: SaveImage,
) -> Result:
    """Search for a better prompt; raises Cancelled on cancel, ProviderError if a round dies."""
    if not isinstance(params, Params):
        params = validate_params(params)
    if clients.image is None or clients.vision is None:
        raise InvalidRequest("beam search needs an image and a vision provider")
    return _Search(validate_prompt(prompt), params, clients, control, save_image).run()


class _Search:
    def __init__(
        self, prompt: str, params: Params, clients: BeamClients, control: Control, save: SaveImage
    ) -> None:
        self.params, self.clients, self.control, self.save = params, clients, control, save
        self.root = Node(ROOT, None, 0, prompt, kept=True)
        self.nodes: list[Node] = [self.root]
        self.seen = {" ".join(prompt.lower().split())}
        self.failures: dict[str, AppError] = {}
        self.down: dict[str, Unavailable] = {}  # role -> its outage, so a round fails fast
        self.stop = threading.Event()
        self.total = sum(params.planned())
        self.done = 0

    def run(self) -> Result:
        beams, rounds = [self.root], []
        for r in range(1, self.params.depth + 1):
            self.control.check()
            self._report(r, f"round {r}: proposing prompts")
            made = self._round(r, beams)
            beams = top(made, self.params.beam_width)
            for node in beams:
                node.kept = True
            failed = sum(1 for n in made if not n.ok)
            rounds.append(Round(r, len(made), failed, [n.id for n in beams]))
            self.control.event(
                "round", round=r, made=len(made), failed=failed, kept=rounds[-1].kept
            )
            if not beams:
                raise self._round_failed(r, made)
        winner = best(self.nodes)
        assert winner is not None and winner.prompt is not None and winner.score is not None
        self.control.report(stage="done", progress=1.0, message=f"best score {winner.score:.3f}")
        return Result(winner.prompt, winner.image_url, winner.score, winner.id, rounds, self.nodes)

    def _round(self, r: int, beams: list[Node]) -> list[Node]:
        """Propose, render and score every candidate of round r, at most `concurrency` at once."""
        pool = ThreadPoolExecutor(self.params.concurrency, thread_name_prefix="beam")
        pending: dict[Future[Any], tuple[int, Node]] = {
            pool.submit(self._propose, beam): (b, beam) for b, beam in enumerate(beams)
        }
        made: list[Node] = []
        try:
            while pending:
                finished, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in finished:
                    b, node = pending.pop(future)
                    if node.round < r:  # a proposal for beam b came back
                        for child in self._children(r, b, node, future.result()):
                            made.append(child)
                            if child.error:
                                self._finish(r, child)
                            else:
                                pending[pool.submit(self._candidate, child)] = (b, child)
                    else:
                        self._finish(r, future.result())
                self.control.check()
        except BaseException:
            self.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        made.sort(key=_position)  # completion order varies; the tree and tie-breaks must not
        self.nodes.extend(made)
        return made

    def _propose(self, beam: Node) -> Proposal | AppError:
        """Worker: ask the LLM for refinements of one kept prompt, and screen them."""
        if self.stop.is_set() or "llm" in self.down:
            return self.down.get("llm") or ProviderError("beam search", "stopped")
        n, idea = self.params.candidates, beam.prompt or ""
        messages = refine_messages(idea, n)
        try:
            text = self.clients.llm.complete(messages, max_tokens=min(200 * n, 2000))
        except AppError as exc:
            self._note_down(exc)
            return exc
        instruction = "\n".join(m["content"] for m in messages)
        return screen(parse_prompts(text), idea, instruction)

    def _children(self, r: int, b: int, parent: Node, proposed: Proposal | AppError) -> list[Node]:
        """The candidate nodes of one beam: its prompts, or failed slots if the LLM failed.

        Proposals the screen dropped (at most `candidates` of them) become failed nodes after
        the beam's own, so the tree shows what the model wrote and why it was not rendered.
        """
        n = self.params.candidates
        ids = [f"r{r}-b{b}-c{c}" for c in range(n)]
        if isinstance(proposed, AppError):
            for id_ in ids:
                self.failures[id_] = proposed
            return [Node(i, parent.id, r, None, error=proposed.message) for i in ids]
        usable, rejected = proposed
        prompts = fill(usable, parent.prompt or "", n, self.seen)
        nodes = [Node(i, parent.id, r, p) for i, p in zip(ids, prompts, strict=True)]
        self.total += len(rejected[:n])
        return nodes + [
            Node(f"r{r}-b{b}-c{n + k}", parent.id, r, x.text, error=f"rejected: {x.reason}")
            for k, x in enumerate(rejected[:n])
        ]

    def _candidate(self, node: Node) -> Node:
        """Worker: render, save and score one prompt; a provider failure fails only this node."""
        clients, params = self.clients, self.params
        assert clients.image is not None and clients.vision is not None and node.prompt
        try:
            self._guard("image")
            png = clients.image.generate(
                node.prompt, width=params.width, height=params.height, seed=params.seed
            )
            node.image_url = self.save(node.id, png)
            self._guard("vision")
            score = clients.vision.score(png, node.prompt)
        except AppError as exc:
            self._note_down(exc)
            self.failures[node.id] = exc
            node.error = exc.message
            return node
        node.score, node.details = score.value, score.details
        return node

    def _guard(self, role: str) -> None:
        """Skip work that cannot succeed: the job stopped, or the role's service is down."""
        if self.stop.is_set():
            raise ProviderError("beam search", "stopped")
        if role in self.down:
            raise self.down[role]

    def _note_down(self, exc: AppError) -> None:
        if isinstance(exc, Unavailable) and exc.details.get("role"):
            self.down.setdefault(exc.details["role"], exc)

    def _finish(self, r: int, node: Node) -> None:
        self.done += 1
        self.control.event("candidate", **node.event())
        self._report(r, f"round {r}: {self.done}/{self.total} candidates")

    def _report(self, r: int, message: str) -> None:
        progress = min(self.done / self.total, 0.99) if self.total else 0.0
        stage = f"round {r}/{self.params.depth}"
        self.control.report(
            stage=stage, progress=progress, done=self.done, total=self.total, message=message
        )

    def _round_failed(self, r: int, made: list[Node]) -> ProviderError:
        """No candidate of round r survived: blame the outage first, else the first error."""
        errors = [self.failures[n.id] for n in made if n.id in self.failures]
        down = [e for e in errors if isinstance(e, Unavailable)]
        cause = (down or errors or [None])[0]
        if not isinstance(cause, ProviderError):
            return ProviderError("beam search", f"round {r} produced no usable candidate")
        raw = cause.message.removeprefix(f"{cause.provider}: ")
        details = {k: v for k, v in cause.details.items() if k != "provider"}
        return type(cause)(
            cause.provider,
            f"every candidate of round {r} failed: {raw}",
            hint=cause.hint,
            **details,
        )


def _position(node: Node) -> tuple[int, ...]:
    """r2-b1-c0 -> (2, 1, 0)."""
    return tuple(int(part[1:]) for part in node.id.split("-"))
