#!/usr/bin/env bash
# Runs graphql-http's server audits (GraphQL over HTTP) against a built
# recruitmail binary, which audit.mjs starts on a free loopback port with a
# throwaway data dir and stops afterwards.
#
# Usage: tests/http-audit/run.sh path/to/recruitmail
# Needs: node + npm (graphql-http and graphql, pinned in package-lock.json).
# Prints each audit and "N passed, 0 failed"; exits non-zero on any MUST
# failure or SHOULD warning.
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/recruitmail-binary" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund >&2
fi
exec node audit.mjs "$bin"
