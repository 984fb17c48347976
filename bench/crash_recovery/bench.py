#!/usr/bin/env python3
"""Crash-recovery benchmark for recruitmail (standard library only).

Two `serve` instances share one database (SQLite file or PostgreSQL) and
deliver one bulk send of MESSAGES to an SMTP server on loopback (written
here, asyncio, a pause before each reply so the send lasts a few seconds).
When the server has taken KILL_AT messages, one instance is killed with
SIGKILL. Measured per round:

- recovery: seconds from the kill to the last message of the bulk arriving
  at the server (delivered by the surviving instance);
- duplicates: messages that arrived more than once (same Message-ID);
- lost: messages that never arrived (must be 0).

Usage: bench.py --bin target/release/recruitmail [--backend sqlite|postgres]
       [--pg-url postgres://postgres@127.0.0.1:5432] [--rounds 3]
       [--messages 1000]
Prints a Markdown row per backend on stdout, progress on stderr.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An SMTP server (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) that records
    each message's Message-ID with the time it arrived."""

    def __init__(self, reply_delay):
        self.reply_delay = reply_delay
        self.arrivals = []  # (time, message id)
        self.lock = threading.Lock()
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)

        async def start():
            await asyncio.start_server(self._talk, "127.0.0.1", self.port, backlog=256)
            ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    async def _talk(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go\r\n")
                    message_id = None
                    while True:
                        part = await reader.readline()
                        if not part or part == b".\r\n":
                            break
                        if message_id is None and part.lower().startswith(b"message-id:"):
                            message_id = part.split(b":", 1)[1].strip().decode()
                    await asyncio.sleep(self.reply_delay)
                    with self.lock:
                        self.arrivals.append((time.monotonic(), message_id))
                    writer.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def snapshot(self):
        with self.lock:
            return list(self.arrivals)


def gql(port, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"GraphQL error: {answer['errors']}")
    return answer["data"]


def wait_http(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer")


def one_round(args, number):
    data = tempfile.mkdtemp(prefix="rm-crash-")
    env = dict(os.environ)
    env.pop("RECRUITMAIL_CONFIG", None)
    env.update(
        RECRUITMAIL_DATA_DIR=data,
        RECRUITMAIL_LOG="warn",
        RECRUITMAIL_SMTP_CONCURRENCY=str(args.concurrency),
    )
    database = None
    if args.backend == "postgres":
        database = f"rm_bench_crash_{uuid.uuid4().hex[:12]}"
        subprocess.run(
            ["psql", args.pg_url + "/postgres", "-qc", f"CREATE DATABASE {database}"],
            check=True,
        )
        env["DATABASE_URL"] = f"{args.pg_url}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    sink = Sink(args.reply_delay)
    env["RECRUITMAIL_SMTP_RELAY"] = f"smtp://127.0.0.1:{sink.port}"
    token = subprocess.run(
        [args.bin, "bootstrap", "--company", "Bench Crash", "--admin", "admin@bench.example"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    processes = []
    ports = []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(subprocess.Popen(
                [args.bin, "serve"],
                env=dict(env, RECRUITMAIL_LISTEN=f"127.0.0.1:{port}", RECRUITMAIL_DISPATCHER="on"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            ports.append(port)
        for port in ports:
            wait_http(port)
        api = ports[1]
        sub = gql(api, token, 'mutation { createSubsidiary(input: { name: "Berlin" }) { subsidiary { id } } }')["createSubsidiary"]["subsidiary"]["id"]
        cat = gql(api, token, 'mutation { createCategory(input: { name: "Engineering" }) { category { id } } }')["createCategory"]["category"]["id"]
        position = gql(
            api, token,
            "mutation($s: ID!, $c: ID!) { createPosition(input: { subsidiaryId: $s, categoryId: $c, name: \"Engineer\", hiringManagerIds: [] }) { position { id } } }",
            {"s": sub, "c": cat},
        )["createPosition"]["position"]["id"]
        applications = []
        for i in range(args.messages):
            candidate = gql(
                api, token,
                "mutation($e: String!) { createCandidate(input: { firstName: \"Bench\", lastName: \"Person\", email: $e }) { candidate { id } } }",
                {"e": f"person{i}@bench.example"},
            )["createCandidate"]["candidate"]["id"]
            applications.append(gql(
                api, token,
                "mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }",
                {"c": candidate, "p": position},
            )["createApplication"]["application"]["id"])
        log(f"round {number}: {args.backend}, {args.messages} applicants ready")
        gql(
            api, token,
            "mutation($a: [ID!]!) { sendEmail(input: { applicationIds: $a, subject: \"Hello\", body: \"<p>Hello</p>\" }) { batch { id } } }",
            {"a": applications},
        )
        deadline = time.time() + 120
        while len(sink.snapshot()) < args.kill_at:
            if time.time() > deadline:
                raise SystemExit("the bulk did not start")
            time.sleep(0.01)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait()
        killed = time.monotonic()
        deadline = time.time() + 600
        while True:
            arrivals = sink.snapshot()
            if len({m for _, m in arrivals}) >= args.messages:
                break
            if time.time() > deadline:
                break
            time.sleep(0.05)
        arrivals = sink.snapshot()
        unique = {m for _, m in arrivals}
        last = max(t for t, _ in arrivals)
        return {
            "recovery": last - killed,
            "duplicates": len(arrivals) - len(unique),
            "lost": args.messages - len(unique),
        }
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        if database:
            subprocess.run(
                ["psql", args.pg_url + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                check=False,
            )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--kill-at", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--reply-delay", type=float, default=0.01)
    args = parser.parse_args()
    rounds = []
    for number in range(1, args.rounds + 1):
        result = one_round(args, number)
        log(f"round {number}: {result}")
        rounds.append(result)
    recovery = statistics.median(r["recovery"] for r in rounds)
    each = ", ".join("%.1f" % r["recovery"] for r in rounds)
    duplicates = ", ".join(str(r["duplicates"]) for r in rounds)
    print(
        f"| {args.backend} | {recovery:.1f} s | {recovery / 40:.2f} | {600 / recovery:.0f}× |"
        f" {statistics.median(r['duplicates'] for r in rounds)} ({duplicates}) |"
        f" {sum(r['lost'] for r in rounds)} | {each} |"
    )


if __name__ == "__main__":
    main()
