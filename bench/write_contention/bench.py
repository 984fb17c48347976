#!/usr/bin/env python3
"""Write-contention benchmark for recruitmail on SQLite (standard library only).

Single `sendEmail` calls while the dispatcher delivers a bulk send of 10,000
messages to Postfix's smtp-sink (the server-wide relay,
`RECRUITMAIL_SMTP_RELAY`). For each binary given with `--bin`, on its own
server with a fresh SQLite database in a temporary folder:

1. seed a subsidiary, category, position, template, 10,000 candidates with an
   application each (written straight into the SQLite file, as
   bench/bulk_send does) and 50 more for the single sends;
2. sequential window: one `sendEmail` to the 10,000; as soon as it returns
   (the messages are queued and delivery starts), one client sends single
   messages back to back until the bulk is delivered or `--window` seconds
   have passed, whichever comes first;
3. 8-client window: once everything is delivered, another bulk of 10,000,
   and the same with `--clients` clients at once.

Every answer is counted: `ok`, each GraphQL `extensions.code`, each HTTP
status other than 200, each transport error. The bulk's progress
(`emailBatch.sent`) is polled through the API every 100 ms; SENT at the start
and at the end of each window shows that the bulk was being delivered during
it. The server's log lines naming "database is locked" are counted too, and
those of write transactions tried again (logged at debug by recruitmail::db
since the fix). smtp-sink's count of accepted messages is compared with the
messages SENT in the database, which shows any delivered twice.

Rounds are interleaved across the binaries (round 1 of each, then round 2 …)
and the summary gives medians over the rounds, and, with two binaries, the
ratio second/first of each round.

Usage: bench.py --bin before=PATH --bin after=PATH [--rounds 3]
       [--messages 10000] [--window 10] [--clients 8] [--json FILE]
Prints Markdown on stdout, progress on stderr.
"""

import argparse
import http.client
import importlib.util
import re
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
from collections import Counter

# The bulk-send benchmark's template body, seeding and helpers.
_spec = importlib.util.spec_from_file_location(
    "bulk_send_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bulk_send", "bench.py"))
bulk_send = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bulk_send)
BODY, add_applicants, free_port, log = bulk_send.BODY, bulk_send.add_applicants, bulk_send.free_port, bulk_send.log

SEND = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } batch { id total } } }"
PROGRESS = "query($id: ID!) { emailBatch(id: $id) { sent failed queued } }"
SINGLES = 50  # candidates the single sends rotate over
REQUEST_TIMEOUT = 30  # seconds, per HTTP request
DRAIN_TIMEOUT = 300  # seconds to wait for the outbox to empty between windows


class Sink:
    """Postfix's smtp-sink on loopback; counts the messages it accepted."""

    def __init__(self):
        self.port = free_port()
        self.out = tempfile.NamedTemporaryFile(prefix="rm-sink-", suffix=".out")
        self.process = subprocess.Popen(
            ["smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{self.port}", "256"],
            stdout=self.out, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("smtp-sink did not start")

    def messages(self):
        """Messages accepted so far (smtp-sink -c writes a running "mesg=N")."""
        with open(self.out.name, "rb") as f:
            found = re.findall(rb"mesg=(\d+)", f.read()[-4096:])
        return int(found[-1]) if found else 0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.out.close()


class Client:
    """One keep-alive HTTP connection to the server's /graphql."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = None
        self.retried = 0

    def post(self, query, variables):
        """Returns (outcome, data): outcome is "ok", a GraphQL error code,
        "HTTP <status>" or "transport: <exception>"."""
        body = json.dumps({"query": query, "variables": variables})
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.conn.request("POST", "/graphql", body, {
                "content-type": "application/json", "authorization": f"Bearer {self.token}"})
            response = self.conn.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as e:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return f"transport: {type(e).__name__}", None
        if status != 200:
            return f"HTTP {status}", None
        try:
            payload = json.loads(raw)
        except ValueError:
            return "HTTP 200, not JSON", None
        if payload.get("errors"):
            code = (payload["errors"][0].get("extensions") or {}).get("code") or "no code"
            return code, payload
        return "ok", payload["data"]

    def ok(self, query, variables=None):
        """For setup: answers INTERNAL are tried again (at most 10 times,
        0.2 s apart) and counted in `self.retried`."""
        for _ in range(10):
            outcome, data = self.post(query, variables or {})
            if outcome != "INTERNAL":
                break
            self.retried += 1
            time.sleep(0.2)
        if outcome != "ok":
            raise SystemExit(f"{outcome}: {data}")
        return data

    def close(self):
        if self.conn is not None:
            self.conn.close()


class Server:
    """recruitmail serving from a fresh data folder, delivering through the relay."""

    def __init__(self, binary, relay_port, concurrency):
        self.dir = tempfile.mkdtemp(prefix="rm-contention-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir, "server.log")
        env = dict(
            os.environ,
            RECRUITMAIL_LISTEN=f"127.0.0.1:{self.port}",
            RECRUITMAIL_DATA_DIR=self.dir,
            RECRUITMAIL_SMTP_RELAY=f"smtp://127.0.0.1:{relay_port}",
            RECRUITMAIL_SMTP_CONCURRENCY=str(concurrency),
            RECRUITMAIL_DISPATCHER="on",
            # recruitmail::db logs each write transaction tried again (debug).
            RECRUITMAIL_LOG=os.environ.get("RECRUITMAIL_LOG", "warn,recruitmail::db=debug"),
        )
        out = subprocess.run(
            [binary, "bootstrap", "--company", "Acme Bench", "--admin", "admin@acme.example"],
            env=env, check=True, capture_output=True, text=True,
        )
        self.token = out.stdout.strip()
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary, "serve"], env=env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=0.5)
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("recruitmail did not start")

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, "recruitmail.db"), timeout=30)

    def log_lines(self, needle):
        with open(self.log_path, "rb") as f:
            return sum(1 for line in f if needle in line)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def seed(server, client, messages):
    """Returns (template ID, bulk application IDs, single application IDs)."""
    data = client.ok('mutation { createSubsidiary(input: { name: "Bench" }) { subsidiary { id } } '
                     'createCategory(input: { name: "Bench" }) { category { id } } }')
    client.ok("mutation($s: ID!, $c: ID!) { createPosition(input: { name: \"Backend Engineer\", "
              "subsidiaryId: $s, categoryId: $c }) { position { id } } }",
              {"s": data["createSubsidiary"]["subsidiary"]["id"], "c": data["createCategory"]["category"]["id"]})
    template = client.ok(
        "mutation($b: String!) { createEmailTemplate(input: { name: \"Bench\", "
        "subject: \"Your application as {{ position_name }}\", body: $b }) { emailTemplate { id } } }",
        {"b": BODY})["createEmailTemplate"]["emailTemplate"]["id"]
    bulk = add_applicants(server, messages, "First", "Last", "c")
    singles = add_applicants(server, SINGLES, "Single", "Send", "s")
    return template, bulk, singles


def outbox_pending(server):
    with server.db() as db:
        return db.execute(
            "SELECT count(*) FROM messages WHERE status IN ('QUEUED', 'SENDING')").fetchone()[0]


def drain(server):
    deadline = time.time() + DRAIN_TIMEOUT
    while time.time() < deadline:
        if outbox_pending(server) == 0:
            return
        time.sleep(0.2)
    raise SystemExit("the outbox did not empty in time")


def window(server, template, bulk_apps, single_apps, clients, length):
    """One bulk send, then `clients` clients of single sends while it is
    delivered (at most `length` seconds). Returns the window's measurements."""
    control = Client(server.port, server.token)
    poller = Client(server.port, server.token)
    started = time.perf_counter()
    data = control.ok(SEND, {"i": {"applicationIds": bulk_apps, "templateId": template}})
    enqueue_s = time.perf_counter() - started
    batch = data["sendEmail"]["batch"]["id"]
    total = len(bulk_apps)

    def progress(c):
        # A connection idle past the server's keep-alive is closed by it;
        # post() then reconnects on the next attempt.
        for _ in range(3):
            outcome, data = c.post(PROGRESS, {"id": batch})
            if outcome == "ok":
                return data["emailBatch"]
        log(f"emailBatch: {outcome}")
        return None

    delivered = threading.Event()
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            p = progress(poller)
            if p and p["sent"] + p["failed"] >= total:
                delivered.set()
                return
            time.sleep(0.1)

    outcomes = Counter()
    latencies = []
    lock = threading.Lock()

    def sender(k):
        c = Client(server.port, server.token)
        n = k
        mine, times = Counter(), []
        while not stop.is_set():
            t = time.perf_counter()
            outcome, _ = c.post(SEND, {"i": {"applicationIds": [single_apps[n % len(single_apps)]],
                                             "templateId": template}})
            mine[outcome] += 1
            if outcome == "ok":
                times.append(time.perf_counter() - t)
            n += clients
        c.close()
        with lock:
            outcomes.update(mine)
            latencies.extend(times)

    at_start = progress(control)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=poll)] + [threading.Thread(target=sender, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    delivered.wait(timeout=length)
    closed = time.perf_counter() - t0
    stop.set()
    at_end = progress(control)
    for t in threads:
        t.join(timeout=REQUEST_TIMEOUT + 5)
    elapsed = time.perf_counter() - t0  # until the last call started in the window answered
    drain(server)
    final = progress(control)
    bulk_retried = control.retried
    control.close()
    poller.close()
    latencies.sort()
    calls = sum(outcomes.values())
    return {
        "clients": clients, "window_s": round(closed, 2), "elapsed_s": round(elapsed, 2),
        "enqueue_s": round(enqueue_s, 2), "calls": calls, "ok": outcomes["ok"],
        "ok_per_s": round(outcomes["ok"] / elapsed, 1), "calls_per_s": round(calls / elapsed, 1),
        "errors": {k: v for k, v in outcomes.items() if k != "ok"},
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "p99_ms": round(1000 * latencies[max(0, int(len(latencies) * 0.99) - 1)], 1) if latencies else None,
        "sent_start": at_start["sent"] if at_start else None,
        "sent_end": at_end["sent"] if at_end else None,
        "bulk_sent_per_s": round((at_end["sent"] - at_start["sent"]) / closed) if at_start and at_end else None,
        "bulk_failed": final["failed"] if final else None, "bulk_retried_internal": bulk_retried,
    }


def scenario(binary, sink, args):
    server = Server(binary, sink.port, args.smtp_concurrency)
    try:
        client = Client(server.port, server.token)
        template, bulk, singles = seed(server, client, args.messages)
        for i in range(20):  # warm-up, not recorded
            client.post(SEND, {"i": {"applicationIds": [singles[i % len(singles)]], "templateId": template}})
        client.close()
        drain(server)
        sequential = window(server, template, bulk, singles, 1, args.window)
        concurrent = window(server, template, bulk, singles, args.clients, args.window)
        with server.db() as db:
            statuses = dict(db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())
        time.sleep(0.5)  # smtp-sink's counter is written a moment after the reply
        received = sink.messages()
        locked = server.log_lines(b"database is locked")
        errors = server.log_lines(b"ERROR")
        retried = server.log_lines(b"met another writer")
        setup_retried = client.retried
    finally:
        server.stop()
    return {"sequential": sequential, "concurrent": concurrent, "statuses": statuses,
            "sink_received": received, "received_minus_sent": received - statuses.get("SENT", 0),
            "log_database_is_locked": locked, "log_error_lines": errors, "log_write_retries": retried, "setup_retried_internal": setup_retried}


def num(x):
    return "?" if x is None else f"{x:,}"


def fmt_errors(errors):
    return ", ".join(f"{v:,} {k}" for k, v in sorted(errors.items())) or "0"


def markdown(labels, runs, args):
    out = []
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    out.append(f"- machine: {os.cpu_count()} CPUs ({cpu}); server, smtp-sink and the Python clients share them")
    out.append(f"- {args.messages:,} messages per bulk, `RECRUITMAIL_SMTP_CONCURRENCY={args.smtp_concurrency}`, "
               f"windows of at most {args.window:g} s, {args.clients} clients in the concurrent window, "
               f"{args.rounds} rounds interleaved")
    for kind, name in (("sequential", "1 client (sequential)"), ("concurrent", f"{args.clients} clients")):
        out.append("")
        out.append(f"{name}:")
        out.append("")
        out.append("| round | binary | window | bulk SENT at start → end | bulk SENT/s | answers | ok "
                   "| errors by code | ok/s | answers/s | p50 / p99 of ok |")
        out.append("| --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |")
        for r, round_runs in enumerate(runs, 1):
            for label in labels:
                w = round_runs[label][kind]
                out.append(
                    f"| {r} | {label} | {w['window_s']} s | {num(w['sent_start'])} → {num(w['sent_end'])} "
                    f"| {num(w['bulk_sent_per_s'])} | {w['calls']:,} | {w['ok']:,} | {fmt_errors(w['errors'])} | {w['ok_per_s']} "
                    f"| {w['calls_per_s']} | {w['p50_ms']} / {w['p99_ms']} ms |")
    out.append("")
    out.append("Each run's server and relay:")
    out.append("")
    out.append("| round | binary | log: database is locked | log: write tried again | messages SENT "
               "| smtp-sink received − SENT | bulk FAILED | setup calls retried after INTERNAL |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r, round_runs in enumerate(runs, 1):
        for label in labels:
            run = round_runs[label]
            failed = sum(run[k]["bulk_failed"] or 0 for k in ("sequential", "concurrent"))
            retried = run["setup_retried_internal"] + sum(run[k]["bulk_retried_internal"] for k in ("sequential", "concurrent"))
            out.append(f"| {r} | {label} | {run['log_database_is_locked']:,} | {run['log_write_retries']:,} "
                       f"| {run['statuses'].get('SENT', 0):,} | {run['received_minus_sent']} | {failed} | {retried} |")
    out.append("")
    out.append("Medians over the rounds (errors: sum over the rounds):")
    out.append("")
    out.append("| binary | sequential ok/s | sequential errors | bulk SENT/s meanwhile | "
               f"{args.clients} clients ok/s | {args.clients} clients errors | bulk SENT/s meanwhile |")
    out.append("| --- | ---: | --- | ---: | ---: | --- | ---: |")
    for label in labels:
        seq = [rr[label]["sequential"] for rr in runs]
        con = [rr[label]["concurrent"] for rr in runs]
        out.append(
            f"| {label} | {statistics.median(x['ok_per_s'] for x in seq)} "
            f"| {fmt_errors(sum((Counter(x['errors']) for x in seq), Counter()))} of {sum(x['calls'] for x in seq):,} "
            f"| {statistics.median(x['bulk_sent_per_s'] or 0 for x in seq):,} "
            f"| {statistics.median(x['ok_per_s'] for x in con)} "
            f"| {fmt_errors(sum((Counter(x['errors']) for x in con), Counter()))} of {sum(x['calls'] for x in con):,} "
            f"| {statistics.median(x['bulk_sent_per_s'] or 0 for x in con):,} |")
    if len(labels) == 2:
        a, b = labels
        out.append("")
        for kind, name in (("sequential", "sequential"), ("concurrent", f"{args.clients} clients")):
            for field, what in (("ok_per_s", "ok/s"), ("bulk_sent_per_s", "bulk SENT/s meanwhile")):
                ratios = [rr[b][kind][field] / rr[a][kind][field] for rr in runs if rr[a][kind][field] and rr[b][kind][field]]
                if ratios:
                    out.append(f"- {name}, {what}: {b}/{a} per round "
                               f"{' / '.join(f'{x:.2f}' for x in ratios)}, median {statistics.median(ratios):.2f}")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", action="append", required=True,
                        help="LABEL=PATH or PATH; repeat to compare binaries")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--smtp-concurrency", type=int, default=8)
    parser.add_argument("--json", help="write every measurement to this file")
    args = parser.parse_args()
    binaries = {}
    for spec in args.bin:
        label, _, path = spec.rpartition("=")
        binaries[label or os.path.basename(path)] = os.path.abspath(path)
    labels = list(binaries)

    runs = []
    for r in range(1, args.rounds + 1):
        round_runs = {}
        for label in labels:
            sink = Sink()
            try:
                run = scenario(binaries[label], sink, args)
            finally:
                sink.stop()
            round_runs[label] = run
            log(f"round {r} {label}: {json.dumps(run)}")
        runs.append(round_runs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"binaries": binaries, "args": vars(args), "runs": runs}, f, indent=1)
    print(markdown(labels, runs, args))


if __name__ == "__main__":
    main()
