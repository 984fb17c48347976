#!/usr/bin/env python3
"""Bulk-send benchmark for recruitmail (standard library only).

Measures, in one run:

1. the ceiling: Postfix's smtp-source pushing N messages of the same size as
   ours, with the same concurrency, into smtp-sink;
2. recruitmail: one `sendEmail` to N candidates (each message rendered from a
   template for its candidate) until the last message is SENT, that is until
   smtp-sink's last 250 reply was recorded, through a subsidiary whose SMTP
   server is the same smtp-sink; the server's peak RSS;
3. scheduling lag: M messages scheduled for the same second, delivered by the
   server's own once-a-second job; p50/p99 of (sent - scheduled).

Usage: bench.py --bin target/release/recruitmail [--messages 10000]
       [--scheduled 2000] [--concurrency 8]
Prints Markdown on stdout, progress on stderr.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

BODY = (
    "<p>Dear {{ first_name }} {{ last_name }},</p>"
    "<p>thank you for your application as <strong>{{ position_name }}</strong> at "
    "{{ company_name }}. We have read it with great interest and will come back to you "
    "within the next two weeks with our decision and, we hope, an invitation.</p>"
    + "<p>A paragraph about the company, the team and the way we work together, "
    "written once by the recruiting team and sent to every candidate of the position.</p>" * 8
    + "<ul><li>Questions: {{ sender_name }}</li><li>Email: {{ sender_email }}</li></ul>"
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
    with urllib.request.urlopen(request, timeout=600) as response:
        data = json.load(response)
    if data.get("errors"):
        raise SystemExit(f"GraphQL error: {data['errors']}")
    return data["data"]


def gid(kind, row):
    return base64.urlsafe_b64encode(f"{kind}:{row}".encode()).decode().rstrip("=")


def start_sink(port, dump_dir=None):
    command = ["smtp-sink", "-u", "nobody", "-c"]
    if dump_dir:
        command += ["-d", os.path.join(dump_dir, "%H%M%S.")]
    command += [f"127.0.0.1:{port}", "256"]
    sink = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return sink
        except OSError:
            time.sleep(0.05)
    raise SystemExit("smtp-sink did not start")


class Server:
    def __init__(self, binary, concurrency):
        self.dir = tempfile.mkdtemp(prefix="rm-bulk-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            RECRUITMAIL_LISTEN=f"127.0.0.1:{self.port}",
            RECRUITMAIL_DATA_DIR=self.dir,
            RECRUITMAIL_SMTP_CONCURRENCY=str(concurrency),
            RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS="on",  # smtp-sink is on loopback
            RECRUITMAIL_LOG=os.environ.get("RECRUITMAIL_LOG", "warn"),
        )
        self.binary = binary
        out = subprocess.run(
            [binary, "bootstrap", "--company", "Acme Bench", "--admin", "admin@acme.example"],
            env=self.env, check=True, capture_output=True, text=True,
        )
        self.token = out.stdout.strip()
        self.process = subprocess.Popen([binary, "serve"], env=self.env)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=0.5)
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("recruitmail did not start")

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, "recruitmail.db"), timeout=30)

    def peak_rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def seed(server, sink_port, count):
    """A subsidiary sending through smtp-sink, a position, a template, and
    `count` candidates with one application each. Returns (template id,
    application IDs)."""
    data = gql(server.base, server.token,
               'mutation { createSubsidiary(input: { name: "Bench" }) { subsidiary { id } } '
               'createCategory(input: { name: "Bench" }) { category { id } } }')
    sub = data["createSubsidiary"]["subsidiary"]["id"]
    cat = data["createCategory"]["category"]["id"]
    gql(server.base, server.token,
        "mutation($i: UpdateRecruitingEmailSettingsInput!) { updateRecruitingEmailSettings(input: $i) { subsidiary { id } } }",
        {"i": {"subsidiaryId": sub, "emailAddress": "jobs@bench.example", "useCustomSmtp": True,
               "smtpHost": "127.0.0.1", "smtpPort": sink_port, "smtpSecurity": "NONE"}})
    gql(server.base, server.token,
        "mutation($s: ID!, $c: ID!) { createPosition(input: { name: \"Backend Engineer\", subsidiaryId: $s, categoryId: $c }) { position { id } } }",
        {"s": sub, "c": cat})
    template = gql(server.base, server.token,
                   "mutation($b: String!) { createEmailTemplate(input: { name: \"Bench\", subject: \"Your application as {{ position_name }}\", body: $b }) { emailTemplate { id } } }",
                   {"b": BODY})["createEmailTemplate"]["emailTemplate"]["id"]
    gql(server.base, server.token,
        'mutation { updateMySignature(input: { signature: "<p>Jonas Weber<br>Talent Acquisition</p>" }) { user { id } } }')
    return template, add_applicants(server, count, "First", "Last", "c")


def add_applicants(server, count, first, last, prefix):
    """`count` candidates, each with an application to the one position, written
    straight into the SQLite file. Returns the applications' global IDs."""
    now = datetime.now(timezone.utc).isoformat()
    with server.db() as db:
        company, position = db.execute("SELECT company_id, id FROM positions").fetchone()
        start = db.execute("SELECT coalesce(max(id), 0) FROM candidates").fetchone()[0] + 1
        db.executemany(
            "INSERT INTO candidates (company_id, first_name, last_name, email, gender, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'UNKNOWN', ?, ?)",
            [(company, f"{first}{i}", f"{last}{i}", f"{prefix}{i}@candidates.bench.example", now, now)
             for i in range(start, start + count)],
        )
        db.execute(
            "INSERT INTO applications (company_id, candidate_id, position_id, source, status, created_at, updated_at) "
            "SELECT company_id, id, ?, 'MANUAL', 'NEW', ?, ? FROM candidates WHERE id >= ?",
            (position, now, now, start),
        )
        rows = [r[0] for r in db.execute("SELECT id FROM applications WHERE candidate_id >= ? ORDER BY id", (start,))]
    return [gid("Application", r) for r in rows]


def send(server, template, applications, scheduled_at=None):
    variables = {"i": {"applicationIds": applications, "templateId": template}}
    if scheduled_at:
        variables["i"]["scheduledAt"] = scheduled_at
    data = gql(server.base, server.token,
               "mutation($i: SendEmailInput!) { sendEmail(input: $i) { batch { id total } message { id } } }",
               variables)["sendEmail"]
    return data["batch"]["id"] if data["batch"] else None


def wait_sent(server, batch, total, timeout=900):
    deadline = time.time() + timeout
    while time.time() < deadline:
        progress = gql(server.base, server.token,
                       "query($id: ID!) { emailBatch(id: $id) { sent failed } }", {"id": batch})["emailBatch"]
        if progress["sent"] + progress["failed"] >= total:
            return progress
        time.sleep(0.05)
    raise SystemExit("the batch did not finish in time")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--scheduled", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    n, c = args.messages, args.concurrency

    # Calibration: the size of one of our messages, as smtp-sink receives it.
    dump = tempfile.mkdtemp(prefix="rm-dump-")
    os.chmod(dump, 0o777)  # smtp-sink writes as nobody
    sink_port = free_port()
    sink = start_sink(sink_port, dump)
    server = Server(args.bin, c)
    try:
        template, applications = seed(server, sink_port, 1)
        gql(server.base, server.token,
            "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }",
            {"i": {"applicationIds": applications, "templateId": template}})
        files = []
        for _ in range(200):
            files = os.listdir(dump)
            if files:
                break
            time.sleep(0.05)
        if not files:
            raise SystemExit("the calibration message did not reach smtp-sink")
        time.sleep(0.2)
        size = os.path.getsize(os.path.join(dump, files[0]))
    finally:
        server.stop()
        sink.terminate()
        sink.wait()
        shutil.rmtree(dump, ignore_errors=True)
    log(f"one message is {size} bytes as received")

    # 1. The ceiling.
    sink_port = free_port()
    sink = start_sink(sink_port)
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-s", str(c), "-m", str(n), "-l", str(size), "-c",
         "-f", "jobs@bench.example", "-t", "c1@candidates.bench.example", f"127.0.0.1:{sink_port}"],
        check=True, stdout=subprocess.DEVNULL,
    )
    ceiling = n / (time.perf_counter() - started)
    log(f"smtp-source: {ceiling:.0f} messages/s")

    # 2. recruitmail, same sink.
    server = Server(args.bin, c)
    try:
        template, applications = seed(server, sink_port, n)
        log(f"seeded {len(applications)} applications; sending")
        started = time.perf_counter()
        batch = send(server, template, applications)
        enqueued = time.perf_counter() - started
        progress = wait_sent(server, batch, n)
        elapsed = time.perf_counter() - started
        rate = n / elapsed
        rss = server.peak_rss_mb()
        log(f"recruitmail: {rate:.0f} messages/s ({enqueued:.1f} s to enqueue), peak RSS {rss:.1f} MB")

        # 3. Scheduling lag: M messages due at the same second.
        scheduled_apps = add_applicants(server, args.scheduled, "Later", "Scheduled", "s")
        due = (datetime.now(timezone.utc) + timedelta(seconds=20)).replace(microsecond=0)
        batch2 = send(server, template, scheduled_apps, due.isoformat())
        wait_sent(server, batch2, args.scheduled, timeout=300)
        with server.db() as db:
            rows = db.execute(
                "SELECT m.sent_at, m.scheduled_at FROM messages m JOIN email_batches b ON b.id = m.batch_id "
                "WHERE b.total = ? AND m.scheduled_at IS NOT NULL", (args.scheduled,)
            ).fetchall()
        lags = sorted(parse_ts(s) - parse_ts(d) for s, d in rows)
        p50 = statistics.median(lags)
        p99 = lags[max(0, int(len(lags) * 0.99) - 1)]
        rss = server.peak_rss_mb()
        log(f"scheduling lag p50 {p50:.2f} s, p99 {p99:.2f} s over {len(lags)} messages")
    finally:
        server.stop()
        sink.terminate()
        sink.wait()

    print(json.dumps({
        "messages": n, "concurrency": c, "message_bytes": size,
        "ceiling_per_s": round(ceiling), "ours_per_s": round(rate),
        "ratio": round(rate / ceiling, 3), "enqueue_s": round(enqueued, 2),
        "failed": progress["failed"], "peak_rss_mb": round(rss, 1),
        "scheduled": len(lags), "lag_p50_s": round(p50, 3), "lag_p99_s": round(p99, 3),
    }))


def parse_ts(text):
    """A timestamp as sqlx writes it in SQLite, in seconds since the epoch."""
    return datetime.fromisoformat(text.replace(" ", "T", 1)).timestamp()


if __name__ == "__main__":
    main()
