#!/usr/bin/env bash
# Write-contention benchmark: single sendEmail calls per second on SQLite,
# one client and 8 at once, while a bulk send of 10,000 is delivered through
# Postfix's smtp-sink, with every answer that is not a success counted.
#
#   bash bench/write_contention/run.sh                 # this checkout
#   bash bench/write_contention/run.sh before=/path/a after=/path/b
#
# Without arguments it builds this checkout's release binary and measures it;
# with LABEL=PATH arguments it measures those binaries, rounds interleaved
# (round 1 of each, then round 2 …), and prints the ratio of the second to
# the first. Installs Postfix's tools (Debian, "No configuration": only the
# smtp-sink binary is used, the mail daemon is never started) when missing.
# Everything runs on 127.0.0.1 with its own temporary data folders. Prints
# Markdown on stdout, progress on stderr.
#
# Environment (optional): BENCH_ROUNDS (3), BENCH_MESSAGES (10000),
# BENCH_WINDOW (10, seconds), BENCH_CLIENTS (8), BENCH_JSON (a file for
# every measurement).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! command -v smtp-sink >/dev/null; then
  echo "[bench] installing Postfix's smtp-sink" >&2
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
bins=()
if [ "$#" -eq 0 ]; then
  (cd "$ROOT" && cargo build --release -j2 -q)
  bins=(--bin "$(git -C "$ROOT" rev-parse --short HEAD)=${CARGO_TARGET_DIR:-$ROOT/target}/release/recruitmail")
else
  for spec in "$@"; do bins+=(--bin "$spec"); done
fi
exec python3 "$HERE/bench.py" "${bins[@]}" \
  --rounds "${BENCH_ROUNDS:-3}" --messages "${BENCH_MESSAGES:-10000}" \
  --window "${BENCH_WINDOW:-10}" --clients "${BENCH_CLIENTS:-8}" \
  ${BENCH_JSON:+--json "$BENCH_JSON"}
