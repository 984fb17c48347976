#!/usr/bin/env python3
"""Webhook delivery benchmark for recruitmail (standard library only).

A load generator appends `candidate.created` events to the event log at a
steady rate, each in its own committed transaction, the way the
application's own changes append them; `recruitmail serve` (release build)
fans them out to one endpoint and delivers them to a receiver on a loopback
port, which checks each signature (HMAC-SHA256 as Standard Webhooks 1.0
describes) and records when each `webhook-id` arrived.

Latency is from the event's commit to its receipt. The event's `occurred_at`
is set by the inserting statement (PostgreSQL's clock_timestamp(); the
generator's clock on SQLite, taken just before the commit) and comes back
in the payload's `timestamp` with millisecond precision; the receiver
subtracts it from its own clock (the same machine). Lost: events of the run
that never arrived within the drain period; duplicated: `webhook-id`s that
arrived more than once.

The events are written by this program rather than by GraphQL mutations
so that the rate is exact and nothing but the webhook path is measured;
the server learns of them by its periodic look at the log (every 250 ms),
as it learns of events committed by another instance.

Usage: bench.py --bin target/release/recruitmail --backend sqlite|postgres
       [--rate 200] [--seconds 60] [--pg-url postgres://postgres@127.0.0.1:5432]
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gql(base, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        base + "/graphql",
        data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.load(response)
    if data.get("errors"):
        raise SystemExit(f"GraphQL error: {data['errors']}")
    return data["data"]


class Received:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = {}  # webhook-id -> list of latencies (s)
        self.bad_signatures = 0
        self.key = None


def receiver(received):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            now = time.time()
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            webhook_id = self.headers.get("webhook-id", "")
            timestamp = self.headers.get("webhook-timestamp", "")
            signed = f"{webhook_id}.{timestamp}.".encode() + body
            expected = base64.b64encode(hmac.new(received.key, signed, hashlib.sha256).digest())
            offered = [s.split(",", 1)[1].encode() for s in self.headers.get("webhook-signature", "").split(" ") if s.startswith("v1,")]
            valid = any(hmac.compare_digest(expected, s) for s in offered)
            occurred = datetime.fromisoformat(json.loads(body)["timestamp"].replace("Z", "+00:00")).timestamp()
            with received.lock:
                received.arrivals.setdefault(webhook_id, []).append(now - occurred)
                if not valid:
                    received.bad_signatures += 1
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class SqliteLog:
    def __init__(self, path):
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA busy_timeout = 30000")

    def append(self, company, subject):
        data = json.dumps({"id": base64.urlsafe_b64encode(f"Candidate:{subject}".encode()).decode().rstrip("=")})
        self.db.execute("BEGIN IMMEDIATE")
        now = datetime.now(timezone.utc).isoformat()
        self.db.execute(
            "INSERT INTO events (company_id, event_type, subject_type, subject_id, sequence, occurred_at, data) "
            "VALUES (?, 'candidate.created', 'Candidate', ?, 1, ?, ?)",
            (company, subject, now, data),
        )
        self.db.execute("COMMIT")

    def close(self):
        self.db.close()


class PostgresLog:
    """One psql session in autocommit: each INSERT commits on its own."""

    def __init__(self, url):
        self.psql = subprocess.Popen(
            ["psql", url, "-q", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )

    def append(self, company, subject):
        data = json.dumps({"id": base64.urlsafe_b64encode(f"Candidate:{subject}".encode()).decode().rstrip("=")})
        self.psql.stdin.write(
            "INSERT INTO events (company_id, event_type, subject_type, subject_id, sequence, occurred_at, data) "
            f"VALUES ({company}, 'candidate.created', 'Candidate', {subject}, 1, clock_timestamp(), '{data}');\n"
        )
        self.psql.stdin.flush()

    def close(self):
        self.psql.stdin.close()
        self.psql.wait(timeout=60)


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="rm-bench-webhooks-")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "RECRUITMAIL_DATA_DIR": data_dir,
        "RECRUITMAIL_LISTEN": f"127.0.0.1:{port}",
        "RECRUITMAIL_LOG": "warn",
        "RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS": "on",
        "RECRUITMAIL_DB_MAX_CONNECTIONS": "10",
    })
    pg_db = None
    if args.backend == "postgres":
        pg_db = f"rm_bench_webhooks_{os.getpid()}"
        subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"CREATE DATABASE {pg_db}"], check=True)
        env["DATABASE_URL"] = f"{args.pg_url}/{pg_db}?sslmode=disable"
    server = None
    try:
        token = subprocess.run(
            [args.bin, "bootstrap", "--company", "Bench", "--admin", "admin@bench.example"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        server_log = open(os.path.join(data_dir, "server.log"), "w")
        server = subprocess.Popen([args.bin, "serve"], env=env, stderr=server_log)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        received = Received()
        http = receiver(received)
        created = gql(base, token, """mutation($u: String!) { createWebhookEndpoint(input: {
            url: $u, eventTypes: ["candidate.created"], description: "bench" }) { secret } }""",
            {"u": f"http://127.0.0.1:{http.server_address[1]}/hooks"})
        received.key = base64.b64decode(created["createWebhookEndpoint"]["secret"].removeprefix("whsec_"))
        company = 1
        events = SqliteLog(os.path.join(data_dir, "recruitmail.db")) if args.backend == "sqlite" else PostgresLog(env["DATABASE_URL"].split("?")[0])

        total = args.rate * args.seconds
        log(f"{args.backend}: appending {total} events at {args.rate}/s")
        started = time.monotonic()
        for n in range(total):
            due = started + n / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            events.append(company, n + 1)
        took = time.monotonic() - started
        events.close()
        log(f"appended in {took:.1f} s; waiting for the last deliveries")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with received.lock:
                if len(received.arrivals) >= total:
                    break
            time.sleep(0.1)
        time.sleep(2)  # late duplicates
        rss = peak_rss_mb(server.pid)
        with received.lock:
            arrivals = dict(received.arrivals)
            bad = received.bad_signatures
        firsts = [times[0] for times in arrivals.values()]
        duplicated = sum(len(times) - 1 for times in arrivals.values())
        lost = total - len(arrivals)
        result = {
            "backend": args.backend,
            "events": total,
            "append_seconds": round(took, 1),
            "received": len(arrivals),
            "lost": lost,
            "duplicated": duplicated,
            "bad_signatures": bad,
            "p50_ms": round(statistics.median(firsts) * 1000, 1),
            "p99_ms": round(percentile(firsts, 99) * 1000, 1),
            "max_ms": round(max(firsts) * 1000, 1),
            "server_peak_rss_mb": round(rss, 1) if rss else None,
        }
        print(json.dumps(result), flush=True)
    finally:
        if server:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_db:
            subprocess.run(["psql", f"{args.pg_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"], check=False)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
