#!/usr/bin/env bash
# Starts a built recruitmail binary on a free loopback port with a throwaway
# data dir, waits for /healthz, and runs the headless-Chromium proofs against
# it: the GraphiQL playground (graphiql.mjs), the candidate's scheduling
# page (schedule.mjs) and their privacy page (privacy.mjs). The server is
# stopped on exit, pass or fail.
#
# Usage: tests/browser/run.sh path/to/recruitmail
# Env:   SCREENSHOT=path.png  optional screenshots: the final page, and
#                             path-completion.png with the completion list
#        INTROSPECTION_OUT=file  saves the introspection query GraphiQL sent
# Needs: node + npm, python3, curl, /usr/bin/chromium (apt-get install chromium).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/recruitmail-binary" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

data_dir="$(mktemp -d)"
log="$data_dir/server.log"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

# The binary does not report the port it bound, so pick a free one first.
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"

# A company and its admin's token, for the subscription the page runs.
token="$(RECRUITMAIL_DATA_DIR="$data_dir" "$bin" bootstrap --company "Browser Test" --admin admin@browser.example 2>>"$log")"

RECRUITMAIL_DATA_DIR="$data_dir" RECRUITMAIL_LISTEN="127.0.0.1:$port" "$bin" >"$log" 2>&1 &
server_pid=$!

ready=""
deadline=$((SECONDS + 30))
while ((SECONDS < deadline)); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "recruitmail exited before becoming ready; its log:" >&2
    cat "$log" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" || true)" == 200 ]]; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "recruitmail did not answer 200 on $url/healthz within 30 s; its log:" >&2
  cat "$log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

cd "$here"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund >&2
fi

status=0
RECRUITMAIL_URL="$url" RECRUITMAIL_TOKEN="$token" node graphiql.mjs || status=$?
RECRUITMAIL_URL="$url" RECRUITMAIL_TOKEN="$token" node schedule.mjs || status=$?
RECRUITMAIL_URL="$url" RECRUITMAIL_TOKEN="$token" node privacy.mjs || status=$?
if [[ $status -ne 0 ]]; then
  echo "recruitmail log:" >&2
  cat "$log" >&2
fi
exit "$status"
