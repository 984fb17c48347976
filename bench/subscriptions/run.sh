#!/usr/bin/env bash
# Subscription fan-out benchmark: 1,000 WebSocket subscribers to one bulk
# send's progress (emailBatch), on PostgreSQL, with the progress events
# committed by another writer so that they reach the server through
# LISTEN/NOTIFY. See bench.py for what is measured.
#
#   bash bench/subscriptions/run.sh
#
# Builds the release binary and a virtual environment with the pinned
# `websockets` client in $TARGET/bench-python. Needs psql and a PostgreSQL
# server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres,
# where a database of its own is created and dropped). Everything runs on
# 127.0.0.1. Prints Markdown and a JSON line on stdout, progress on stderr.
#
# Environment (optional): BENCH_SUBSCRIBERS (1000), BENCH_MESSAGES (1000),
# BENCH_UPDATES (100), BENCH_INTERVAL (0.1 seconds between updates).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/bench-python"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q websockets==15.0.1
fi
(cd "$ROOT" && cargo build --release -j2 -q)
# Each subscriber holds a socket on both sides.
ulimit -n "$(ulimit -Hn)"
exec "$VENV/bin/python" "$HERE/bench.py" --bin "$TARGET/release/recruitmail" \
  --database-url "${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
  --subscribers "${BENCH_SUBSCRIBERS:-1000}" --messages "${BENCH_MESSAGES:-1000}" \
  --updates "${BENCH_UPDATES:-100}" --interval "${BENCH_INTERVAL:-0.1}"
