#!/usr/bin/env bash
# Retention benchmark: one `recruitmail retention run` over 100,000
# candidates (20,000 due) with messages and documents, on PostgreSQL.
#
#   bash bench/retention/run.sh
#
# Builds the release binary, then for each of BENCH_RUNS (3) repetitions
# creates a database on BENCH_PG_URL (postgres://postgres@127.0.0.1:5432),
# seeds it in bulk (bench/retention/seed.sql), runs retention once and
# drops it. Prints medians and every run as JSON on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build --release -j2 -q)
exec python3 "$HERE/bench.py" --bin "$TARGET/release/recruitmail" \
  --pg-url "${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}" \
  --candidates "${BENCH_CANDIDATES:-100000}" --runs "${BENCH_RUNS:-3}"
