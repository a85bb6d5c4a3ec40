"""A fake Ollama server faithful to research/ollama-lmstudio.md (byte shapes, pull behaviour).

`with FakeOllama() as srv: srv.url`, or as a process: `python -m tests.fakes.ollama --port N`.
"""

from __future__ import annotations

from tests.fakes.ollama.server import FakeOllama
from tests.fakes.ollama.state import Layer, RemoteModel, make_remote

__all__ = ["FakeOllama", "Layer", "RemoteModel", "make_remote"]
