#!/usr/bin/env python3
"""Helpers for bench/graphql_read/run.sh (standard library only).

  seed-sql --company ID            print the PostgreSQL seeding SQL
  seed-sqlite --db PATH --company ID
                                   seed the SQLite file with the same data
  check ours|peer FILE             check a /graphql response; print the first names
  wrk --db .. --target .. ...      run one wrk measurement, sample CPU, append a record
  report --out DIR                 print the Markdown results from DIR/records.jsonl
"""

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time

CANDIDATES = 10_000
POSITIONS = 200
CATEGORIES = 10
PAGE = 50
APPS_PER_CANDIDATE = 2
EMAIL_DOMAIN = "candidates.bench.example"


# ---------------------------------------------------------------- seeding ---

def seed_statements(company, series, ts):
    """The seeding SQL; `series(n)` yields a FROM item with column `i` = 1..n,
    `ts` is the timestamp expression."""
    c = int(company)
    cand_email = f"'%@{EMAIL_DOMAIN}'"
    return [
        f"INSERT INTO subsidiaries (company_id, name, created_at) "
        f"VALUES ({c}, 'Bench Subsidiary', {ts})",
        f"INSERT INTO recruiting_categories (company_id, name, created_at) "
        f"SELECT {c}, 'Category ' || i, {ts} FROM {series(CATEGORIES)} ORDER BY i",
        # positions spread round-robin over the categories
        f"INSERT INTO positions (company_id, subsidiary_id, category_id, name, status, created_at) "
        f"SELECT {c}, "
        f"(SELECT id FROM subsidiaries WHERE company_id = {c} AND name = 'Bench Subsidiary'), "
        f"cat.id, 'Position ' || i, 'OPEN', {ts} "
        f"FROM {series(POSITIONS)} "
        f"JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM recruiting_categories "
        f"      WHERE company_id = {c} AND name LIKE 'Category %') cat "
        f"  ON cat.k = (i - 1) % {CATEGORIES} "
        f"ORDER BY i",
        f"INSERT INTO candidates (company_id, first_name, last_name, email, gender, created_at, updated_at) "
        f"SELECT {c}, 'First' || i, 'Last' || i, 'candidate' || i || '@{EMAIL_DOMAIN}', "
        f"'UNKNOWN', {ts}, {ts} FROM {series(CANDIDATES)} ORDER BY i",
        # candidate number n applies to positions n mod 200 and (n + 100) mod 200:
        # two distinct positions, so (candidate_id, position_id) stays unique
        f"INSERT INTO applications (company_id, candidate_id, position_id, source, status, created_at, updated_at) "
        f"SELECT {c}, cand.id, pos.id, 'MANUAL', 'NEW', {ts}, {ts} "
        f"FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM candidates "
        f"      WHERE company_id = {c} AND email LIKE {cand_email}) cand "
        f"JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM positions "
        f"      WHERE company_id = {c} AND name LIKE 'Position %') pos "
        f"  ON pos.k = cand.n % {POSITIONS} OR pos.k = (cand.n + {POSITIONS // 2}) % {POSITIONS} "
        f"ORDER BY cand.id, pos.id",
    ]


def count_sql(company):
    c = int(company)
    return (
        f"SELECT (SELECT count(*) FROM subsidiaries WHERE company_id = {c}), "
        f"(SELECT count(*) FROM recruiting_categories WHERE company_id = {c}), "
        f"(SELECT count(*) FROM positions WHERE company_id = {c}), "
        f"(SELECT count(*) FROM candidates WHERE company_id = {c}), "
        f"(SELECT count(*) FROM applications WHERE company_id = {c})"
    )


def cmd_seed_sql(args):
    stmts = seed_statements(
        args.company, lambda n: f"generate_series(1, {n}) AS g(i)", "now()"
    )
    print("\\set ON_ERROR_STOP on")
    print("BEGIN;")
    for s in stmts:
        print(s + ";")
    print("COMMIT;")
    print("ANALYZE;")
    print(count_sql(args.company) + ";")


def cmd_seed_sqlite(args):
    conn = sqlite3.connect(args.db)
    c = int(args.company)
    # the timestamps take the exact text format the server wrote for the company
    (ts_text,) = conn.execute("SELECT created_at FROM companies WHERE id = ?", (c,)).fetchone()
    ts = "'" + str(ts_text).replace("'", "''") + "'"
    series = lambda n: (  # noqa: E731
        f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        f"SELECT i FROM s) AS g"
    )
    with conn:
        for s in seed_statements(c, series, ts):
            conn.execute(s)
    conn.execute("ANALYZE")
    counts = conn.execute(count_sql(c)).fetchone()
    conn.close()
    print("|".join(str(x) for x in counts))


# --------------------------------------------------------------- checking ---

def cmd_check(args):
    with open(args.file, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("errors"):
        sys.exit(f"{args.file}: errors in response: {json.dumps(doc['errors'])[:500]}")
    data = doc.get("data") or {}
    if args.kind == "ours":
        nodes = [e["node"] for e in data["candidates"]["edges"]]
        apps = lambda n: n["applications"]  # noqa: E731
        cat = lambda a: a["position"]["category"]["name"]  # noqa: E731
    else:
        nodes = data["allCandidates"]["nodes"]
        apps = lambda n: n["applicationsByCandidateId"]["nodes"]  # noqa: E731
        cat = lambda a: a["positionByPositionId"]["recruitingCategoryByCategoryId"]["name"]  # noqa: E731
    if len(nodes) != PAGE:
        sys.exit(f"{args.file}: {len(nodes)} candidates, expected {PAGE}")
    for n in nodes:
        a = apps(n)
        if len(a) != APPS_PER_CANDIDATE or not all(cat(x) for x in a):
            sys.exit(f"{args.file}: candidate {n.get('firstName')} has {len(a)} applications "
                     f"(expected {APPS_PER_CANDIDATE}, each with position and category)")
    print(",".join(n["firstName"] for n in nodes))


# -------------------------------------------------------------- measuring ---

def clk_tck():
    return os.sysconf("SC_CLK_TCK")


def proc_ticks(pid):
    """utime + stime of one process (clock ticks), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError):
        return 0


def postgres_ticks():
    """Per-pid ticks of every process named postgres (server and backends)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
        except OSError:
            continue
        out[name] = proc_ticks(name)
    return out


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # excludes guest time, which is already in user
    return total - idle, total


UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"cannot read latency {text!r}")
    return float(m.group(1)) * UNIT[m.group(2)]


def parse_wrk(text):
    rec = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    rec["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^\s*(\d+) requests in ([\d.]+\w+)", text, re.M)
    rec["requests"] = int(m.group(1)) if m else None
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+\w+)", text, re.M)
        rec[f"p{pct}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    rec["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    rec["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"GraphQL errors: (\d+)", text)
    rec["gql_errors"] = int(m.group(1)) if m else None
    return rec


def cmd_wrk(args):
    pids = dict(p.split("=", 1) for p in args.pid)  # role=pid
    env = dict(os.environ, BENCH_BODY_FILE=args.body, BENCH_AUTH=args.auth or "")
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{args.duration}s",
           "--latency", "--timeout", "5s", "-s", args.script, args.url]
    before = {role: proc_ticks(pid) for role, pid in pids.items()}
    pg_before = postgres_ticks()
    busy0, total0 = machine_busy()
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    busy1, total1 = machine_busy()
    pg_after = postgres_ticks()
    after = {role: proc_ticks(pid) for role, pid in pids.items()}
    children = os.times()
    hz = clk_tck()
    raw = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    with open(args.raw, "w", encoding="utf-8") as f:
        f.write(raw)
    if proc.returncode != 0:
        sys.stderr.write(raw)
        sys.exit(f"wrk failed with exit code {proc.returncode}")
    rec = {"db": args.db, "target": args.target, "conns": args.conns, "run": args.run,
           "warmup": args.warmup, "raw": os.path.basename(args.raw)}
    rec.update(parse_wrk(proc.stdout))
    if rec["rps"] is None or rec["p99_ms"] is None:
        sys.stderr.write(raw)
        sys.exit("could not read wrk's output")
    # CPU use over the measurement, in cores (1.0 = one core busy all the time)
    cpu = {role: (after[role] - before[role]) / hz / wall for role in pids}
    cpu["postgres"] = sum(t - pg_before.get(pid, 0) for pid, t in pg_after.items()) / hz / wall
    cpu["wrk"] = (children.children_user + children.children_system) / wall
    cpu["machine"] = (busy1 - busy0) / max(total1 - total0, 1) * os.cpu_count()
    rec["cpu"] = {k: round(v, 3) for k, v in cpu.items()}
    with open(args.records, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")
    if args.warmup:
        return
    sys.stderr.write(
        f"    {args.db} {args.target} c{args.conns} run {args.run}: {rec['rps']:.0f} req/s, "
        f"p50 {rec['p50_ms']:.2f} ms, p99 {rec['p99_ms']:.2f} ms, non-2xx {rec['non2xx']}, "
        f"socket errors {rec['socket_errors']}, GraphQL errors {rec['gql_errors']}; cores "
        + ", ".join(f"{k} {v:.2f}" for k, v in rec["cpu"].items()) + "\n")


# --------------------------------------------------------------- reporting ---

TARGET_NAMES = {
    "recruitmail": "recruitmail: candidates query",
    "postgraphile": "PostGraphile v4: equivalent query",
    "typename": "recruitmail: `{ __typename }` (framework ceiling)",
}
DB_NAMES = {"pg": "PostgreSQL", "sqlite": "SQLite"}
SERVER_ROLE = {"recruitmail": "recruitmail", "postgraphile": "postgraphile", "typename": "recruitmail"}

RPS_TARGET = 5.0
P99_TARGET_MS = 25.0
RSS_TARGET_MB = 100.0


def med(values):
    return statistics.median(values)


def fmt_ms(v):
    return f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"


def met(ok):
    return "**met**" if ok else "**not met**"


def cmd_report(args):
    with open(os.path.join(args.out, "records.jsonl"), encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    records = [r for r in records if not r["warmup"]]
    with open(os.path.join(args.out, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    meta["rss_kb"] = {}
    rss_path = os.path.join(args.out, "rss.tsv")
    if os.path.exists(rss_path):
        with open(rss_path, encoding="utf-8") as f:
            for line in f:
                db, role, kb = line.split()
                meta["rss_kb"].setdefault(db, {})[role] = int(kb)
    p = print
    summary = {}  # (db, target, conns) -> dict
    for r in records:
        summary.setdefault((r["db"], r["target"], r["conns"]), []).append(r)
    stats = {}
    for key, runs in summary.items():
        stats[key] = {
            "runs": len(runs),
            "rps": med([r["rps"] for r in runs]),
            "p50": med([r["p50_ms"] for r in runs]),
            "p99": med([r["p99_ms"] for r in runs]),
            "all_rps": [r["rps"] for r in sorted(runs, key=lambda r: r["run"])],
            "bad": sum(r["non2xx"] + r["socket_errors"] + (r["gql_errors"] or 0) for r in runs),
            "requests": sum(r["requests"] or 0 for r in runs),
            "cpu": {k: med([r["cpu"].get(k, 0.0) for r in runs]) for k in runs[0]["cpu"]},
        }

    p(f"## GraphQL read benchmark ({meta['date']})")
    p()
    p(f"- machine: {meta['cpus']} CPUs ({meta['cpu_model']}), {meta['mem']}, {meta['kernel']}; "
      f"load generator, servers and database all share these CPUs")
    p(f"- recruitmail {meta['commit']} (release build), {meta['rustc']}; pool "
      f"`RECRUITMAIL_DB_MAX_CONNECTIONS={meta['pool']}`")
    p(f"- PostGraphile {meta['postgraphile']} on Node {meta['node']}, one process, "
      f"`--max-pool-size {meta['pool']}`, NODE_ENV=production; {meta['postgres']}; "
      f"both connect with `sslmode=disable` (loopback, no TLS)")
    p(f"- {meta['wrk']}; each scenario {meta['duration']} s, `-t1 -c1` and `-t2 -c32`, "
      f"`--timeout 5s`; {meta['runs']} runs interleaved across targets, medians reported; "
      f"one unrecorded {meta['warmup']} s warm-up per target first")
    p(f"- data: 1 company, 1 subsidiary, {CATEGORIES} categories, {POSITIONS} positions, "
      f"{CANDIDATES:,} candidates, {CANDIDATES * APPS_PER_CANDIDATE:,} applications "
      f"({APPS_PER_CANDIDATE} per candidate); each query returns {PAGE} candidates with "
      f"{APPS_PER_CANDIDATE} applications, each with its position and category")
    p()
    p("Query (recruitmail): `" + meta["our_query"] + "`")
    p()
    p("Query (PostGraphile): `" + meta["peer_query"] + "`")
    p()
    for db in ("pg", "sqlite"):
        keys = [k for k in stats if k[0] == db]
        if not keys:
            continue
        p(f"### {DB_NAMES[db]}")
        p()
        p("| target | connections | requests/s (median) | p50 | p99 | requests/s of each run "
          "| non-2xx + socket + GraphQL errors |")
        p("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
        for target in ("recruitmail", "postgraphile", "typename"):
            for conns in (1, 32):
                s = stats.get((db, target, conns))
                if not s:
                    continue
                p(f"| {TARGET_NAMES[target]} | {conns} | {s['rps']:,.0f} | {fmt_ms(s['p50'])} "
                  f"| {fmt_ms(s['p99'])} | {' / '.join(f'{x:,.0f}' for x in s['all_rps'])} "
                  f"| {s['bad']} of {s['requests']:,} |")
        p()
        rss = meta["rss_kb"].get(db, {})
        p("Peak RSS (VmHWM at the end of the run): " + ", ".join(
            f"{name} {kb / 1024:.1f} MB" for name, kb in rss.items()) + ".")
        p()
        if db == "pg":
            for conns in (1, 32):
                a, b = stats.get(("pg", "recruitmail", conns)), stats.get(("pg", "postgraphile", conns))
                if a and b:
                    p(f"- recruitmail / PostGraphile requests/s at {conns} connection"
                      f"{'s' if conns > 1 else ''}: **{a['rps'] / b['rps']:.2f}×**")
            p()
        p("CPU used during each scenario (median of the runs, in cores: 2.00 = both cores "
          "busy; `other` = whole machine minus the processes named; last two columns = CPU "
          "time per request of the server under test and, on PostgreSQL, of the database):")
        p()
        roles = []
        for k in keys:
            for role in stats[k]["cpu"]:
                if role not in roles and role != "machine":
                    roles.append(role)
        pg_col = db == "pg"
        p("| target | connections | " + " | ".join(roles)
          + " | other | machine | server CPU ms / request |"
          + (" postgres CPU ms / request |" if pg_col else ""))
        p("| --- | ---: |" + " ---: |" * (len(roles) + 3 + pg_col))
        for target in ("recruitmail", "postgraphile", "typename"):
            for conns in (1, 32):
                runs = summary.get((db, target, conns))
                if not runs:
                    continue
                s = stats[(db, target, conns)]
                server = SERVER_ROLE[target]
                other = med([r["cpu"]["machine"] - sum(v for k, v in r["cpu"].items() if k != "machine")
                             for r in runs])
                per_req = lambda role: med([r["cpu"].get(role, 0.0) / r["rps"] * 1000 for r in runs])  # noqa: E731
                p(f"| {TARGET_NAMES[target]} | {conns} | "
                  + " | ".join(f"{s['cpu'].get(r, 0.0):.2f}" for r in roles)
                  + f" | {max(other, 0.0):.2f} | {s['cpu']['machine']:.2f} | {per_req(server):.2f} |"
                  + (f" {per_req('postgres'):.2f} |" if pg_col else ""))
        p()

    p("### Targets")
    p()
    a32, b32 = stats.get(("pg", "recruitmail", 32)), stats.get(("pg", "postgraphile", 32))
    if a32 and b32:
        ratio = a32["rps"] / b32["rps"]
        p(f"- ≥ {RPS_TARGET:.0f}× PostGraphile's requests/s at 32 connections (PostgreSQL): "
          f"{ratio:.2f}× — {met(ratio >= RPS_TARGET)}")
    for db in ("pg", "sqlite"):
        for conns in (1, 32):
            s = stats.get((db, "recruitmail", conns))
            if s:
                p(f"- p99 under {P99_TARGET_MS:.0f} ms, {DB_NAMES[db]}, {conns} connection"
                  f"{'s' if conns > 1 else ''}: {fmt_ms(s['p99'])} — {met(s['p99'] < P99_TARGET_MS)}")
    for db in ("pg", "sqlite"):
        kb = meta["rss_kb"].get(db, {}).get("recruitmail")
        if kb is not None:
            p(f"- peak RSS under {RSS_TARGET_MB:.0f} MB, {DB_NAMES[db]}: {kb / 1024:.1f} MB — "
              f"{met(kb / 1024 < RSS_TARGET_MB)}")
    bad = sum(s["bad"] for s in stats.values())
    p(f"- errors (non-2xx, socket errors, GraphQL `errors`) over all measured requests: {bad}")
    p()
    p(f"Raw wrk outputs: `bench/out/{os.path.basename(os.path.abspath(args.out))}/`.")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed-sql")
    s.add_argument("--company", required=True)
    s = sub.add_parser("seed-sqlite")
    s.add_argument("--db", required=True)
    s.add_argument("--company", required=True)
    s = sub.add_parser("check")
    s.add_argument("kind", choices=["ours", "peer"])
    s.add_argument("file")
    s = sub.add_parser("wrk")
    for name in ("db", "target", "url", "body", "script", "raw", "records"):
        s.add_argument(f"--{name}", required=True)
    s.add_argument("--auth")
    s.add_argument("--conns", type=int, required=True)
    s.add_argument("--threads", type=int, required=True)
    s.add_argument("--duration", type=int, required=True)
    s.add_argument("--run", type=int, required=True)
    s.add_argument("--warmup", action="store_true")
    s.add_argument("--pid", action="append", default=[], help="role=pid whose CPU to sample")
    s = sub.add_parser("report")
    s.add_argument("--out", required=True)
    args = ap.parse_args()
    {"seed-sql": cmd_seed_sql, "seed-sqlite": cmd_seed_sqlite, "check": cmd_check,
     "wrk": cmd_wrk, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
