"""llama.cpp as a local LLM: the engine (a venv Roundhouse builds, or an external llama-server),
the command line that serves one GGUF, the memory check before loading, and the GGUF files
downloaded on a host as its model list. Import from the submodules."""
