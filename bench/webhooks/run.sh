#!/usr/bin/env bash
# Webhook benchmark: createCandidate mutations over HTTP at a steady rate;
# each commits a candidate.created event, which the release binary delivers
# to a signature-checking receiver on a loopback port.
#
#   bash bench/webhooks/run.sh
#
# Builds the release binary, then runs the load on SQLite and, when
# BENCH_PG_URL names a PostgreSQL server (e.g.
# postgres://postgres@127.0.0.1:5432), on PostgreSQL in a database of its own
# that is dropped afterwards. Prints one JSON line per backend on stdout,
# progress on stderr.
#
# Environment (optional): BENCH_RATE (200 mutations/s), BENCH_SECONDS (60),
# BENCH_CONNECTIONS (16 keep-alive connections of the load generator).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

(cd "$ROOT" && cargo build --release -j2 -q)
backends=(sqlite)
if [ -n "${BENCH_PG_URL:-}" ]; then
  backends+=(postgres)
fi
for backend in "${backends[@]}"; do
  python3 "$HERE/bench.py" --bin "$TARGET/release/recruitmail" --backend "$backend" \
    --rate "${BENCH_RATE:-200}" --seconds "${BENCH_SECONDS:-60}" \
    --connections "${BENCH_CONNECTIONS:-16}" \
    --pg-url "${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
done
