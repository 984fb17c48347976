#!/usr/bin/env bash
# Bulk-send benchmark: recruitmail's sendEmail to 10,000 candidates through
# Postfix's smtp-sink, against smtp-source's ceiling on the same sink, then
# 2,000 messages scheduled for the same second.
#
#   bash bench/bulk_send/run.sh
#
# Installs Postfix's tools (Debian, "No configuration": only the smtp-sink and
# smtp-source binaries are used, the mail daemon is never started) when
# missing and builds the release binary. Everything runs on 127.0.0.1 with
# its own temporary data folder. Prints one JSON line of results on stdout.
#
# Environment (optional): BENCH_MESSAGES (10000), BENCH_SCHEDULED (2000),
# BENCH_CONCURRENCY (8, used by both senders).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! command -v smtp-sink >/dev/null; then
  echo "[bench] installing Postfix's smtp-sink and smtp-source" >&2
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
(cd "$ROOT" && cargo build --release -j2 -q)
exec python3 "$HERE/bench.py" --bin "$ROOT/target/release/recruitmail" \
  --messages "${BENCH_MESSAGES:-10000}" --scheduled "${BENCH_SCHEDULED:-2000}" \
  --concurrency "${BENCH_CONCURRENCY:-8}"
