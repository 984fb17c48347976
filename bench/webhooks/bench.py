#!/usr/bin/env python3
"""Webhook delivery benchmark for recruitmail (standard library only).

Events arise as they do in production: from the server's own mutations. A
load generator calls `createCandidate` over HTTP at a steady rate (each call
due at start + n / rate, sent by a pool of keep-alive connections), so each
call commits a candidate and its `candidate.created` event in one write
transaction of `recruitmail serve` (release build), which fans the event out
to one endpoint and delivers it to a receiver on a loopback port.

The receiver runs in a process of its own (so the generator's work does not
delay its clock readings), checks each signature with its own HMAC-SHA256 as
Standard Webhooks 1.0 describes, and records when each `webhook-id` arrived
and which candidate it names.

Latency is from the event's `occurred_at` to its receipt: the payload's
`timestamp` (millisecond precision), which the server takes when the
mutation starts, before its transaction begins and commits; the receiver
subtracts it from its own clock (the same machine). It therefore includes
the mutation's wait for the write lock and its commit, and is an upper
bound of the time from commit to receipt.

Lost: candidates created (the mutation answered with an id) whose event
never arrived within the drain period; duplicated: `webhook-id`s that
arrived more than once. Every mutation answer is checked (HTTP 200, no
GraphQL `errors`).

Usage: bench.py --bin target/release/recruitmail --backend sqlite|postgres
       [--rate 200] [--seconds 60] [--connections 16]
       [--pg-url postgres://postgres@127.0.0.1:5432]
Prints one JSON line on stdout, progress on stderr.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREATE = (
    "mutation($e: String!) { createCandidate(input: "
    '{ firstName: "Bench", lastName: "Person", email: $e }) { candidate { id } } }'
)


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


def receive(port, keys, control):
    """The receiver process: answers 204 to every POST and, when `control`
    says "report", sends back what arrived."""
    key = keys.recv()
    lock = threading.Lock()
    arrivals = {}  # webhook-id -> [(latency s, candidate global id)]
    bad = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            now = time.time()
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            webhook_id = self.headers.get("webhook-id", "")
            timestamp = self.headers.get("webhook-timestamp", "")
            signed = f"{webhook_id}.{timestamp}.".encode() + body
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
            offered = [
                s.split(",", 1)[1].encode()
                for s in self.headers.get("webhook-signature", "").split(" ")
                if s.startswith("v1,")
            ]
            valid = any(hmac.compare_digest(expected, s) for s in offered)
            payload = json.loads(body)
            occurred = datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00")).timestamp()
            with lock:
                arrivals.setdefault(webhook_id, []).append((now - occurred, payload["data"]["id"]))
                if not valid:
                    bad[0] += 1
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        # socketserver's default listen backlog is 5: when the server's
        # connections beyond its pool's 8 idle ones connect at once, the
        # kernel drops their SYNs and each retries after 1 s (the initial
        # retransmission timeout), which the latency would then show.
        request_queue_size = 1024

    server = Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        command = control.recv()
        with lock:
            if command == "count":
                control.send(len(arrivals))
            elif command == "report":
                control.send({"arrivals": arrivals, "bad": bad[0]})
                return


class Generator:
    """Calls createCandidate `total` times at `rate` per second over
    `connections` keep-alive connections; each call is due at start + n / rate."""

    def __init__(self, port, token, connections):
        self.port, self.token = port, token
        self.due = queue.Queue()
        self.lock = threading.Lock()
        self.created = []  # candidate global ids
        self.latencies = []  # seconds per mutation
        self.lateness = []  # seconds a call was sent after it was due
        self.failures = {}
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(connections)]
        for t in self.threads:
            t.start()

    def _work(self):
        conn = None
        while True:
            job = self.due.get()
            if job is None:
                return
            n, due = job
            body = json.dumps({"query": CREATE, "variables": {"e": f"bench{n}@bench.example"}})
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("POST", "/graphql", body, {
                    "content-type": "application/json", "authorization": f"Bearer {self.token}"})
                response = conn.getresponse()
                raw = response.read()
                outcome = "ok" if response.status == 200 else f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as e:
                if conn is not None:
                    conn.close()
                conn = None
                outcome, raw = f"transport: {type(e).__name__}", b""
            took = time.monotonic() - sent
            candidate = None
            if outcome == "ok":
                payload = json.loads(raw)
                if payload.get("errors"):
                    outcome = (payload["errors"][0].get("extensions") or {}).get("code") or "no code"
                else:
                    candidate = payload["data"]["createCandidate"]["candidate"]["id"]
            with self.lock:
                self.latencies.append(took)
                self.lateness.append(sent - due)
                if candidate is not None:
                    self.created.append(candidate)
                else:
                    self.failures[outcome] = self.failures.get(outcome, 0) + 1

    def run(self, total, rate):
        started = time.monotonic()
        for n in range(total):
            due = started + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.due.put((n, due))
        for _ in self.threads:
            self.due.put(None)
        for t in self.threads:
            t.join()
        return time.monotonic() - started


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


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def listen_overflows():
    """The machine's count of connections dropped because a listen queue
    was full (TcpExt ListenOverflows, Linux): a dropped SYN is retried after
    1 s, so the count tells whether a latency tail is the receiver's queue."""
    with open("/proc/net/netstat") as f:
        lines = [line.split() for line in f if line.startswith("TcpExt:")]
    return int(lines[1][lines[0].index("ListenOverflows")])


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
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
    receiver = None
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

        receiver_port = free_port()
        keys, receiver_keys = multiprocessing.Pipe()
        control, receiver_control = multiprocessing.Pipe()
        receiver = multiprocessing.Process(
            target=receive, args=(receiver_port, receiver_keys, receiver_control), daemon=True)
        receiver.start()
        created = gql(base, token, """mutation($u: String!) { createWebhookEndpoint(input: {
            url: $u, eventTypes: ["candidate.created"], description: "bench" }) { secret } }""",
            {"u": f"http://127.0.0.1:{receiver_port}/hooks"})
        keys.send(base64.b64decode(created["createWebhookEndpoint"]["secret"].removeprefix("whsec_")))

        total = args.rate * args.seconds
        log(f"{args.backend}: {total} createCandidate calls at {args.rate}/s over {args.connections} connections")
        generator = Generator(port, token, args.connections)
        cpu_before, load_before = cpu_seconds(server.pid), load_average()
        overflows_before = listen_overflows()
        took = generator.run(total, args.rate)
        cpu_during, load_after = cpu_seconds(server.pid) - cpu_before, load_average()
        overflows = listen_overflows() - overflows_before
        log(f"called in {took:.1f} s; waiting for the last deliveries")
        expected = len(generator.created)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            control.send("count")
            if control.recv() >= expected:
                break
            time.sleep(0.1)
        time.sleep(2)  # late duplicates
        rss = peak_rss_mb(server.pid)
        control.send("report")
        report = control.recv()
        arrivals, bad = report["arrivals"], report["bad"]
        receiver.join(timeout=10)
        firsts = [times[0][0] for times in arrivals.values()]
        duplicated = sum(len(times) - 1 for times in arrivals.values())
        delivered = {times[0][1] for times in arrivals.values()}
        lost = len(set(generator.created) - delivered)
        unexpected = len(delivered - set(generator.created))
        result = {
            "backend": args.backend,
            "calls": total,
            "call_seconds": round(took, 1),
            "created": expected,
            "failed_calls": generator.failures,
            "call_p50_ms": round(statistics.median(generator.latencies) * 1000, 1),
            "call_p99_ms": round(percentile(generator.latencies, 99) * 1000, 1),
            "sent_late_p99_ms": round(percentile(generator.lateness, 99) * 1000, 1),
            "received": len(arrivals),
            "lost": lost,
            "unexpected": unexpected,
            "duplicated": duplicated,
            "bad_signatures": bad,
            "p50_ms": round(statistics.median(firsts) * 1000, 1) if firsts else None,
            "p99_ms": round(percentile(firsts, 99) * 1000, 1) if firsts else None,
            "max_ms": round(max(firsts) * 1000, 1) if firsts else None,
            "server_peak_rss_mb": round(rss, 1) if rss else None,
            "server_cpu_ms_per_call": round(cpu_during / total * 1000, 2),
            "load_average_before_after": [load_before, load_after],
            "listen_overflows": overflows,
        }
        print(json.dumps(result), flush=True)
    finally:
        if receiver is not None and receiver.is_alive():
            receiver.terminate()
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
