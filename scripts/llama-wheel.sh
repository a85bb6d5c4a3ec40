#!/usr/bin/env bash
# Build llama-cpp-python once as a portable wheel, kept across clones and worktrees.
#
# pip would build it from source on every fresh venv without its wheel cache, and its cache
# ignores CMAKE_ARGS: a wheel once built with -march=native (the default) is reused, and on a
# VM or sandbox that reports AMX/AVX-512 without allowing them it dies with SIGILL. So the
# Makefile installs the dev extra with --find-links to this folder, where the wheel is built
# with GGML_NATIVE=OFF (AVX2/FMA/F16C, any x86-64 of the last decade). ~5 min on 2 cores, once.
set -euo pipefail
pip="$1"
dir="$2"
version="$(grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml | cut -d= -f3)"
if compgen -G "$dir/llama_cpp_python-$version-*.whl" > /dev/null; then
    exit 0
fi
mkdir -p "$dir"
echo "building llama.cpp (llama-cpp-python $version, portable CPU build): ~5 min the first time"
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" "$pip" wheel -q --no-deps --no-cache-dir \
    "llama-cpp-python==$version" -w "$dir"
