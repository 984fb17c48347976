#!/usr/bin/env bash
# recruitmail behind a real nginx (deploy/nginx/recruitmail.conf): document
# links checked by recruitmail, bytes sent by nginx. Needs nginx and curl.
# Usage: tests/nginx/run.sh path/to/recruitmail
set -euo pipefail
if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/recruitmail-binary" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/check.py" "$1"
