#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# cannot work here). Install it when missing; under CI a failure here fails the run.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "Installing Debian's chromium for the browser tests..."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; then
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: could not install chromium; browser tests cannot run" >&2
  exit 1
fi
echo "warning: chromium is not installed; browser tests will be skipped on this machine" >&2
exit 0
