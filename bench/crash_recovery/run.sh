#!/usr/bin/env bash
# Crash-recovery benchmark: two serve instances deliver a 1,000-message bulk
# send; one is killed with SIGKILL mid-send; the time until the survivor has
# delivered the last message, on SQLite and on PostgreSQL.
#
#   bash bench/crash_recovery/run.sh
#
# Builds the release binary; PostgreSQL at 127.0.0.1:5432 (BENCH_PG_URL).
# Prints Markdown rows on stdout, progress on stderr. BENCH_ROUNDS (3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build --release -j2 -q)
echo "| backend | recovery (median) | ÷ 40 s target | faster than the 600 s lease | duplicates (median, each round) | lost | recovery, each round (s) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for backend in sqlite postgres; do
  python3 "$HERE/bench.py" --bin "$TARGET/release/recruitmail" --backend "$backend" \
    --pg-url "${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}" \
    --rounds "${BENCH_ROUNDS:-3}"
done
