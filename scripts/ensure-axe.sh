#!/usr/bin/env bash
# The accessibility checks inject axe-core (npm, version pinned in tests/e2e/package.json and
# its lock file) into the page. Install it when missing; a failure here fails the browser tests.
set -eu
cd "$(dirname "$0")/../tests/e2e"
if [ -f node_modules/axe-core/axe.min.js ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is needed to install axe-core for the browser tests (apt-get install npm)" >&2
  exit 1
fi
echo "Installing axe-core for the browser tests..."
npm ci --no-audit --no-fund --loglevel=error
