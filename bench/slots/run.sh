#!/usr/bin/env bash
# Slot search benchmark: suggestInterviewSlots for 10 participants with 500
# busy intervals each over 30 days, against the release binary.
#
#   bash bench/slots/run.sh
#
# Runs on SQLite and, when BENCH_PG_URL names a PostgreSQL server (e.g.
# postgres://postgres@127.0.0.1:5432), on PostgreSQL in a database of its own
# that is dropped afterwards. One JSON line per backend on stdout.
#
# Environment (optional): BENCH_REQUESTS (300).
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
    --requests "${BENCH_REQUESTS:-300}" --pg-url "${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
done
