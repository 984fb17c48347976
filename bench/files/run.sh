#!/usr/bin/env bash
# Document download benchmark: 16 concurrent downloads of a 10 MB PDF through
# signed /files links, with blobs in a local folder and in an S3 bucket
# (moto's server, as the tests use), against curl reading the same file from
# the folder or the bucket directly in the same run (the ceiling).
#
#   bash bench/files/run.sh
#
# Builds the release binary; moto comes from target/test-python (created by
# the first `cargo test`). Everything runs on 127.0.0.1 with its own
# temporary data folder. With nginx installed (apt-get install nginx-light), the
# local folder is measured behind it too (X-Accel-Redirect). Prints Markdown on stdout, progress on stderr.
#
# Environment (optional): BENCH_CONCURRENCY (16), BENCH_ROUNDS (5),
# BENCH_MB (10).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build --release -j2 -q)
# nginx (deploy/nginx/recruitmail.conf) adds the scenario behind it.
nginx=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && nginx=(--nginx)
exec python3 "$HERE/bench.py" --bin "$TARGET/release/recruitmail" "${nginx[@]}" \
  --moto "$TARGET/test-python/bin/moto_server" \
  --concurrency "${BENCH_CONCURRENCY:-16}" --rounds "${BENCH_ROUNDS:-5}" \
  --megabytes "${BENCH_MB:-10}"
