#!/usr/bin/env bash
# GraphQL read benchmark: recruitmail against PostGraphile v4 on the same
# PostgreSQL database, then recruitmail alone on SQLite.
#
#   bash bench/graphql_read/run.sh > results.md
#
# Installs wrk (Debian) and PostGraphile (npm ci here) when missing, builds the
# release binary, creates and seeds its own databases (PostgreSQL database
# rm_bench, dropped at the end; SQLite in a temporary folder), starts and stops
# its own servers, all on 127.0.0.1. Progress goes to stderr, the Markdown
# results to stdout, raw wrk outputs to bench/out/graphql_read-<time>/.
#
# Environment (all optional):
#   BENCH_PG_URL    PostgreSQL server without database name
#                   (default postgres://postgres@127.0.0.1:5432)
#   BENCH_RUNS      interleaved repetitions (default 3; medians are reported)
#   BENCH_DURATION  seconds per measurement (default 15)
#   BENCH_WARMUP    seconds of unrecorded warm-up per target (default 5)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUNS="${BENCH_RUNS:-3}"
DURATION="${BENCH_DURATION:-15}"
WARMUP="${BENCH_WARMUP:-5}"
POOL=20
PG_BASE="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
DB_NAME=rm_bench
# Both servers talk to PostgreSQL in clear over loopback: node-postgres
# (PostGraphile) does not ask for TLS, while sqlx's default sslmode=prefer
# would encrypt every statement to a server that offers TLS.
DB_URL="$PG_BASE/$DB_NAME?sslmode=disable"
BIN="$ROOT/target/release/recruitmail"
HELPER="$HERE/bench.py"

OUR_QUERY='{ candidates(first: 50) { edges { node { id firstName lastName applications { id status position { name category { name } } } } } } }'
PEER_QUERY='{ allCandidates(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id firstName lastName applicationsByCandidateId { nodes { id status positionByPositionId { name recruitingCategoryByCategoryId { name } } } } } } }'
TYPENAME_QUERY='{ __typename }'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Settings of the caller's shell must not leak into the servers.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(RECRUITMAIL_|DATABASE_URL$)' || true)

PIDS=()
TMP=""
DB_CREATED=0
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$DB_CREATED" = 1 ]; then
    log "dropping database $DB_NAME"
    psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_server() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  PIDS=("${kept[@]+"${kept[@]}"}")
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_until() { # description seconds command...
  local what="$1" seconds="$2" i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not come up within $seconds s"
}

alive() { # pid name logfile
  kill -0 "$1" 2>/dev/null || {
    tail -n 30 "$3" >&2 || true
    die "$2 exited; its log is above"
  }
}

peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

post() { # url body-file auth-header output-file
  local args=(-sS --max-time 30 -o "$4" -w '%{http_code}' -X POST
    -H 'Content-Type: application/json' --data-binary "@$2")
  if [ -n "$3" ]; then args+=(-H "Authorization: $3"); fi
  local code
  code="$(curl "${args[@]}" "$1")"
  [ "$code" = 200 ] || die "POST $1 answered HTTP $code: $(head -c 500 "$4")"
}

# ------------------------------------------------------------------ tools ---
for tool in python3 curl node npm cargo; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
  log "installing wrk (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
if ! command -v psql >/dev/null; then
  log "installing psql (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >&2
fi
if [ ! -d "$HERE/node_modules" ]; then
  log "installing PostGraphile (npm ci)"
  (cd "$HERE" && npm ci --no-audit --no-fund >&2)
fi
POSTGRAPHILE="$HERE/node_modules/.bin/postgraphile"
log "building recruitmail (cargo build --release -j2)"
(cd "$ROOT" && cargo build --release -j2 >&2)
[ -x "$BIN" ] || die "$BIN is missing after the build"
psql "$PG_BASE/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1 ||
  die "PostgreSQL does not answer at $PG_BASE (set BENCH_PG_URL)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/rm-bench.XXXXXX")"
OUT="$ROOT/bench/out/graphql_read-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
log "raw outputs in $OUT"

body() { # query file
  python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$1" >"$2"
}
body "$OUR_QUERY" "$TMP/ours.json"
body "$PEER_QUERY" "$TMP/peer.json"
body "$TYPENAME_QUERY" "$TMP/typename.json"

commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain -- . ':!bench' 2>/dev/null)" ]; then
  commit="$commit (plus uncommitted changes)"
fi
M_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
M_CPUS="$(nproc)"
M_CPU_MODEL="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
M_MEM="$(awk '/^MemTotal:/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
M_KERNEL="Linux $(uname -r)"
M_COMMIT="$commit"
M_RUSTC="$(rustc --version)"
M_PG="PostgreSQL $(psql "$PG_BASE/postgres" -Atqc 'SHOW server_version')"
M_POSTGRAPHILE="$("$POSTGRAPHILE" --version)"
M_NODE="$(node --version)"
M_WRK="$({ wrk --version 2>&1 || true; } | awk 'NR == 1 { print "wrk " $2 }')"  # exits 1
export M_DATE M_CPUS M_CPU_MODEL M_MEM M_KERNEL M_COMMIT M_RUSTC M_PG M_POSTGRAPHILE M_NODE M_WRK
export M_POOL="$POOL" M_RUNS="$RUNS" M_DURATION="$DURATION" M_WARMUP="$WARMUP"
export M_OUR_QUERY="$OUR_QUERY" M_PEER_QUERY="$PEER_QUERY"
python3 - "$OUT/meta.json" <<'EOF'
import json, os, sys
keys = {"date": "M_DATE", "cpus": "M_CPUS", "cpu_model": "M_CPU_MODEL", "mem": "M_MEM",
        "kernel": "M_KERNEL", "commit": "M_COMMIT", "rustc": "M_RUSTC", "postgres": "M_PG",
        "postgraphile": "M_POSTGRAPHILE", "node": "M_NODE", "wrk": "M_WRK", "pool": "M_POOL",
        "runs": "M_RUNS", "duration": "M_DURATION", "warmup": "M_WARMUP",
        "our_query": "M_OUR_QUERY", "peer_query": "M_PEER_QUERY"}
with open(sys.argv[1], "w") as f:
    json.dump({k: os.environ[v] for k, v in keys.items()}, f, indent=1)
EOF

declare -A URL BODY AUTH
measure() { # db target conns run [warmup]
  local db="$1" target="$2" conns="$3" run="$4" warm="${5:-}" threads=2 name
  [ "$conns" -gt 1 ] || threads=1
  local duration="$DURATION" extra=() pids=(--pid "recruitmail=$RM_PID")
  name="$db-$target-c$conns-run$run"
  if [ -n "$warm" ]; then
    duration="$WARMUP" extra=(--warmup) name="$db-$target-warmup"
  fi
  if [ -n "${PEER_PID:-}" ]; then pids+=(--pid "postgraphile=$PEER_PID"); fi
  python3 "$HELPER" wrk --db "$db" --target "$target" --url "${URL[$target]}" \
    --body "${BODY[$target]}" --auth "${AUTH[$target]}" --conns "$conns" \
    --threads "$threads" --duration "$duration" --run "$run" --script "$HERE/post.lua" \
    --raw "$OUT/$name.txt" --records "$OUT/records.jsonl" "${pids[@]}" "${extra[@]+"${extra[@]}"}"
}

measure_all() { # db targets...
  local db="$1" target conns run
  shift
  log "$db: warm-up, $WARMUP s per target at 32 connections"
  for target in "$@"; do measure "$db" "$target" 32 0 warmup; done
  for ((run = 1; run <= RUNS; run++)); do
    log "$db: run $run of $RUNS"
    for conns in 1 32; do
      for target in "$@"; do measure "$db" "$target" "$conns" "$run"; done
    done
  done
}

verify_ours() { # db suffix -> prints the first names
  post "${URL[recruitmail]}" "$TMP/ours.json" "${AUTH[recruitmail]}" "$OUT/$1-verify-ours-$2.json"
  python3 "$HELPER" check ours "$OUT/$1-verify-ours-$2.json"
  post "${URL[typename]}" "$TMP/typename.json" "${AUTH[typename]}" "$OUT/$1-verify-typename-$2.json"
  grep -q '"__typename":"Query"' "$OUT/$1-verify-typename-$2.json" ||
    die "{ __typename } answered $(cat "$OUT/$1-verify-typename-$2.json")"
}

start_recruitmail() { # db data-dir [database-url]
  local port
  port="$(free_port)"
  (
    export RECRUITMAIL_LISTEN="127.0.0.1:$port" RECRUITMAIL_DATA_DIR="$2"
    export RECRUITMAIL_DB_MAX_CONNECTIONS="$POOL" RECRUITMAIL_LOG=warn
    if [ -n "${3:-}" ]; then export DATABASE_URL="$3"; fi
    exec "$BIN" serve
  ) >"$OUT/$1-recruitmail.log" 2>&1 &
  RM_PID=$!
  PIDS+=("$RM_PID")
  RM_URL="http://127.0.0.1:$port"
  wait_until "recruitmail ($1)" 60 curl -fsS --max-time 2 "$RM_URL/healthz"
  alive "$RM_PID" recruitmail "$OUT/$1-recruitmail.log"
  log "$1: recruitmail serving on $RM_URL (pid $RM_PID, pool $POOL)"
}

# ------------------------------------------------------------ PostgreSQL ---
log "PostgreSQL: creating database $DB_NAME"
psql "$PG_BASE/postgres" -v ON_ERROR_STOP=1 -q \
  -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME" >&2
DB_CREATED=1
mkdir -p "$TMP/pg"
TOKEN="$(DATABASE_URL="$DB_URL" RECRUITMAIL_DATA_DIR="$TMP/pg" RECRUITMAIL_LOG=warn \
  "$BIN" bootstrap --company "Bench Co" --admin admin@bench.example 2>>"$OUT/pg-bootstrap.log")" ||
  die "bootstrap failed: $(cat "$OUT/pg-bootstrap.log")"
company="$(psql "$DB_URL" -Atqc "SELECT id FROM companies WHERE name = 'Bench Co'")"
log "PostgreSQL: seeding company $company"
counts="$(python3 "$HELPER" seed-sql --company "$company" | psql "$DB_URL" -Atq -v ON_ERROR_STOP=1 | tail -n 1)"
[ "$counts" = "1|10|200|10000|20000" ] || die "unexpected row counts after seeding: $counts"
log "PostgreSQL: seeded subsidiaries|categories|positions|candidates|applications = $counts"

start_recruitmail pg "$TMP/pg" "$DB_URL"
URL[recruitmail]="$RM_URL/graphql" BODY[recruitmail]="$TMP/ours.json" AUTH[recruitmail]="Bearer $TOKEN"
URL[typename]="$RM_URL/graphql" BODY[typename]="$TMP/typename.json" AUTH[typename]="Bearer $TOKEN"

peer_port="$(free_port)"
NODE_ENV=production "$POSTGRAPHILE" -c "$DB_URL" --host 127.0.0.1 --port "$peer_port" \
  --schema public --disable-graphiql --disable-query-log --no-setof-functions-contain-nulls \
  --max-pool-size "$POOL" >"$OUT/pg-postgraphile.log" 2>&1 &
PEER_PID=$!
PIDS+=("$PEER_PID")
URL[postgraphile]="http://127.0.0.1:$peer_port/graphql" BODY[postgraphile]="$TMP/peer.json" AUTH[postgraphile]=""
wait_until "PostGraphile" 90 curl -fsS --max-time 2 -X POST -H 'Content-Type: application/json' \
  --data-binary "@$TMP/typename.json" "${URL[postgraphile]}"
alive "$PEER_PID" PostGraphile "$OUT/pg-postgraphile.log"
log "PostgreSQL: PostGraphile $("$POSTGRAPHILE" --version) serving on ${URL[postgraphile]} (pid $PEER_PID, $(cat "/proc/$PEER_PID/comm"))"

ours="$(verify_ours pg before)"
post "${URL[postgraphile]}" "$TMP/peer.json" "" "$OUT/pg-verify-postgraphile.json"
peer="$(python3 "$HELPER" check peer "$OUT/pg-verify-postgraphile.json")"
[ "$ours" = "$peer" ] || die "the two servers return different candidates: ours $ours, PostGraphile $peer"
log "PostgreSQL: both answer 50 candidates x 2 applications with position and category (${ours%%,*} … ${ours##*,})"

measure_all pg recruitmail postgraphile typename
verify_ours pg after >/dev/null
printf 'pg recruitmail %s\npg postgraphile %s\n' "$(peak_rss_kb "$RM_PID")" "$(peak_rss_kb "$PEER_PID")" >>"$OUT/rss.tsv"
stop_server "$PEER_PID"
PEER_PID=""
stop_server "$RM_PID"
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >&2
DB_CREATED=0
log "PostgreSQL: done, database dropped"

# ---------------------------------------------------------------- SQLite ---
mkdir -p "$TMP/sqlite"
TOKEN="$(RECRUITMAIL_DATA_DIR="$TMP/sqlite" RECRUITMAIL_LOG=warn \
  "$BIN" bootstrap --company "Bench Co" --admin admin@bench.example 2>>"$OUT/sqlite-bootstrap.log")" ||
  die "bootstrap failed: $(cat "$OUT/sqlite-bootstrap.log")"
company="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT id FROM companies WHERE name = ?", ("Bench Co",)).fetchone()[0])' "$TMP/sqlite/recruitmail.db")"
log "SQLite: seeding company $company"
counts="$(python3 "$HELPER" seed-sqlite --db "$TMP/sqlite/recruitmail.db" --company "$company")"
[ "$counts" = "1|10|200|10000|20000" ] || die "unexpected row counts after seeding: $counts"
log "SQLite: seeded subsidiaries|categories|positions|candidates|applications = $counts"

start_recruitmail sqlite "$TMP/sqlite"
URL[recruitmail]="$RM_URL/graphql" AUTH[recruitmail]="Bearer $TOKEN"
URL[typename]="$RM_URL/graphql" AUTH[typename]="Bearer $TOKEN"
sq_names="$(verify_ours sqlite before)"
[ "$sq_names" = "$ours" ] || die "SQLite returns other candidates than PostgreSQL: $sq_names"
log "SQLite: 50 candidates x 2 applications with position and category"

measure_all sqlite recruitmail typename
verify_ours sqlite after >/dev/null
printf 'sqlite recruitmail %s\n' "$(peak_rss_kb "$RM_PID")" >>"$OUT/rss.tsv"
stop_server "$RM_PID"
log "SQLite: done"

python3 "$HELPER" report --out "$OUT" | tee "$OUT/results.md"
log "results also in $OUT/results.md"
