#!/usr/bin/env bash
# The CLI's Ctrl-C test runs `roundhouse` in a real terminal: a tmux pane of a set width.
# Install tmux when missing; under CI a failure here fails the run.
set -u
if command -v tmux >/dev/null 2>&1; then exit 0; fi
echo "Installing tmux for the terminal tests..."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tmux >/dev/null; then
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: could not install tmux; the terminal tests cannot run" >&2
  exit 1
fi
echo "warning: tmux is not installed; the terminal tests will fail until it is" >&2
exit 0
