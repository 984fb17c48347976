#!/usr/bin/env python3
"""Subscription fan-out benchmark for recruitmail.

1,000 WebSocket clients (graphql-transport-ws, the `websockets` package)
subscribe to one bulk send's progress with `emailBatch(id)`; the send's
progress events are then committed one after another, each in a transaction
of its own with `NOTIFY recruitmail_events`, exactly as the server's own
`events::append` writes them, by a writer that is not the server (psql), so
the server hears of each through PostgreSQL's LISTEN like any instance that
did not make the change.

Measured: whether every subscriber received every update (the state at
subscription, each progress event, the completion, then `complete`); the
latency from the moment the writer sent an event's transaction to the moment
a client received the update, per subscriber and update (p50, p99, max); the
server's peak resident memory (VmHWM).

Usage: bench.py --bin target/release/recruitmail
       [--database-url postgres://postgres@127.0.0.1:5432/postgres]
       [--subscribers 1000] [--messages 1000] [--updates 100] [--interval 0.1]
Prints Markdown on stdout, progress on stderr.
"""

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

# `events::append`'s advisory lock (src/events/mod.rs, APPEND_LOCK).
APPEND_LOCK = 0x7265_6D61_696C_0001


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
    with urllib.request.urlopen(request, timeout=600) as response:
        data = json.load(response)
    if data.get("errors"):
        raise SystemExit(f"GraphQL error: {data['errors']}")
    return data["data"]


def row_id(global_id):
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])


def with_database(url, name):
    base, _, query = url.partition("?")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{name}" + (f"?{query}" if query else "")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def setup(base, token, messages):
    """A position, `messages` candidates who applied to it, one bulk send."""
    sub = gql(base, token, 'mutation { createSubsidiary(input: { name: "Bench GmbH" }) { subsidiary { id } } }')
    cat = gql(base, token, 'mutation { createCategory(input: { name: "Bench" }) { category { id } } }')
    pos = gql(
        base,
        token,
        "mutation($s: ID!, $c: ID!) { createPosition(input: { subsidiaryId: $s, categoryId: $c, name: \"Engineer\" }) { position { id } } }",
        {"s": sub["createSubsidiary"]["subsidiary"]["id"], "c": cat["createCategory"]["category"]["id"]},
    )["createPosition"]["position"]["id"]
    candidates = []
    for start in range(0, messages, 50):
        fields = " ".join(
            f'c{i}: createCandidate(input: {{ firstName: "C{i}", lastName: "Bench", email: "c{i}@bench.example" }}) {{ candidate {{ id }} }}'
            for i in range(start, min(messages, start + 50))
        )
        data = gql(base, token, f"mutation {{ {fields} }}")
        candidates += [v["candidate"]["id"] for v in data.values()]
    for start in range(0, len(candidates), 50):
        fields = " ".join(
            f'a{i}: createApplication(input: {{ candidateId: "{c}", positionId: "{pos}" }}) {{ application {{ id }} }}'
            for i, c in enumerate(candidates[start : start + 50], start)
        )
        gql(base, token, f"mutation {{ {fields} }}")
    batch = gql(
        base,
        token,
        'mutation($c: [ID!]!) { sendEmail(input: { candidateIds: $c, subject: "Hello", body: "<p>Dear {{ first_name }}</p>" }) { batch { id total } } }',
        {"c": candidates},
    )["sendEmail"]["batch"]
    return batch


QUERY = "subscription($id: ID!) { emailBatch(id: $id) { id total queued sent failed cancelled } }"


async def subscriber(url, token, batch_id, ready, received, done):
    """One client: init, subscribe, record (sent, time) per update."""
    async with websockets.connect(
        url, subprotocols=["graphql-transport-ws"], max_size=1 << 20, ping_interval=None
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        await ws.send(
            json.dumps({"id": "p", "type": "subscribe", "payload": {"query": QUERY, "variables": {"id": batch_id}}})
        )
        first = True
        async for frame in ws:
            now = time.time()
            message = json.loads(frame)
            if message["type"] == "next":
                received.append((message["payload"]["data"]["emailBatch"]["sent"], now))
                if first:
                    first = False
                    ready.set_result(None)
            elif message["type"] == "complete":
                done.set_result(None)
                return
            else:
                raise RuntimeError(f"unexpected {message}")


async def write_progress(database_url, company, batch, updates, interval):
    """Commits the progress events, one transaction each, through psql."""
    psql = await asyncio.create_subprocess_exec(
        "psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", database_url,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    total = batch["total"]
    subject = row_id(batch["id"])
    sent_at = {}
    for k in range(1, updates + 1):
        sent = total * k // updates
        kind = "email_batch.completed" if k == updates else "email_batch.progressed"
        data = json.dumps({"id": batch["id"], "total": total, "sent": sent, "failed": 0, "cancelled": 0, "pending": total - sent})
        sql = (
            f"BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK}) \\g /dev/null\n"
            "INSERT INTO events (company_id, event_type, subject_type, subject_id, sequence, occurred_at, data) "
            f"SELECT {company}, '{kind}', 'EmailBatch', {subject}, "
            f"COALESCE(MAX(sequence), 0) + 1, now(), '{data}' FROM events "
            f"WHERE subject_type = 'EmailBatch' AND subject_id = {subject};\n"
            "NOTIFY recruitmail_events; COMMIT;\n"
            f"\\echo committed {k}\n"
        )
        sent_at[sent] = time.time()
        psql.stdin.write(sql.encode())
        await psql.stdin.drain()
        line = await psql.stdout.readline()
        assert line.decode().strip() == f"committed {k}", line
        await asyncio.sleep(interval)
    psql.stdin.close()
    await psql.wait()
    return sent_at


async def measure(args, base, token, company, batch, database_url, server):
    url = base.replace("http://", "ws://") + "/graphql"
    loop = asyncio.get_running_loop()
    readies, dones, receiveds, tasks = [], [], [], []
    started = time.time()
    for i in range(args.subscribers):
        ready, done, received = loop.create_future(), loop.create_future(), []
        readies.append(ready)
        dones.append(done)
        receiveds.append(received)
        tasks.append(asyncio.create_task(subscriber(url, token, batch["id"], ready, received, done)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*readies), 120)
    log(f"{args.subscribers} subscribers ready in {time.time() - started:.1f} s")
    rss_before = peak_rss_mb(server.pid)
    sent_at = await write_progress(database_url, company, batch, args.updates, args.interval)
    finished = await asyncio.wait(dones, timeout=60)
    incomplete = len(finished[1])
    for task in tasks:
        task.cancel()
    expected = [0] + sorted(sent_at)
    latencies, missing, extra = [], 0, 0
    for received in receiveds:
        values = [sent for sent, _ in received]
        if values != expected:
            missing += len(set(expected) - set(values))
            extra += max(0, len(values) - len(expected))
        for sent, at in received[1:]:
            if sent in sent_at:
                latencies.append(at - sent_at[sent])
    return {
        "subscribers": args.subscribers,
        "updates": args.updates,
        "deliveries": len(latencies),
        "expected_deliveries": args.subscribers * args.updates,
        "missing": missing,
        "extra": extra,
        "not_completed": incomplete,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "rss_mb_before_updates": round(rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(server.pid), 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()

    name = f"rm_bench_subs_{os.getpid()}"
    subprocess.run(["psql", "-q", "-X", args.database_url, "-c", f'CREATE DATABASE "{name}"'], check=True)
    database_url = with_database(args.database_url, name)
    data_dir = tempfile.mkdtemp(prefix="rm-bench-subs-")
    env = dict(os.environ, DATABASE_URL=database_url, RECRUITMAIL_DATA_DIR=data_dir,
               RECRUITMAIL_DISPATCHER="off", RECRUITMAIL_LOG="warn")
    env.pop("RECRUITMAIL_CONFIG", None)
    server = None
    try:
        token = subprocess.run(
            [args.bin, "bootstrap", "--company", "Bench", "--admin", "admin@bench.example"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        port = free_port()
        env["RECRUITMAIL_LISTEN"] = f"127.0.0.1:{port}"
        server = subprocess.Popen([args.bin, "serve"], env=env, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        company = row_id(gql(base, token, "{ viewer { company { id } } }")["viewer"]["company"]["id"])
        log(f"creating {args.messages} candidates and one bulk send")
        batch = setup(base, token, args.messages)
        result = asyncio.run(measure(args, base, token, company, batch, database_url, server))
    finally:
        if server:
            server.terminate()
            server.wait()
        subprocess.run(["psql", "-q", "-X", args.database_url, "-c",
                        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)
    print("| subscribers | updates each | deliveries | missing | extra | not completed | p50 | p99 | max | RSS before updates | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    r = result
    print(f"| {r['subscribers']} | {r['updates']} | {r['deliveries']} / {r['expected_deliveries']} | {r['missing']} | "
          f"{r['extra']} | {r['not_completed']} | {r['p50_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms | "
          f"{r['rss_mb_before_updates']} MB | {r['peak_rss_mb']} MB |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
