"""Retention benchmark: one daily run over 100,000 candidates of whom
20,000 are due, on PostgreSQL, through `recruitmail retention run` (the
same run the servers' daily job performs).

Each repetition gets a fresh database, seeded in bulk by `seed.sql`, and a
fresh data folder holding the documents' files. Measured per run: wall time
of the command, SQL statements it executed (its own statement counter, the
one `/metrics` shows for a server), and its peak RSS (`ru_maxrss` of the
process, from wait4). Checked after each run: exactly the due candidates
are anonymised, their own files are gone, the shared file is not.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from harness import log  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def psql(url, *args, capture=False):
    return subprocess.run(["psql", url, "-qAt", *args], check=True, text=True,
                          capture_output=capture).stdout


def blob_path(data_dir, content):
    digest = hashlib.sha256(content).hexdigest()
    return os.path.join(data_dir, "blobs", "sha256", digest[:2], digest)


def write_blob(data_dir, content):
    path = blob_path(data_dir, content)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)


def one_run(args, number):
    name = f"rm_bench_retention_{os.getpid()}_{number}"
    data_dir = tempfile.mkdtemp(prefix="rm-bench-retention-")
    db_url = f"{args.pg_url}/{name}?sslmode=disable"
    env = dict(os.environ, DATABASE_URL=db_url, RECRUITMAIL_DATA_DIR=data_dir,
               RECRUITMAIL_LOG="warn")
    psql(f"{args.pg_url}/postgres", "-c", f"CREATE DATABASE {name}")
    try:
        subprocess.run([args.bin, "bootstrap", "--company", "Bench", "--admin",
                        "admin@bench.example"], env=env, check=True, capture_output=True)
        started = time.monotonic()
        psql(f"{args.pg_url}/{name}", "-v", f"n={args.candidates}", "-f",
             os.path.join(HERE, "seed.sql"))
        for g in range(5, args.candidates + 1, 5):
            write_blob(data_dir, f"bench document {g}".encode())
        write_blob(data_dir, b"shared bench document")
        log(f"run {number}: seeded {args.candidates} candidates in "
            f"{time.monotonic() - started:.1f} s")

        started = time.monotonic()
        process = subprocess.Popen([args.bin, "retention", "run"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # wait4 gives this one process's resource usage, peak RSS included.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        out, err = process.stdout.read(), process.stderr.read()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"retention run failed: {err.decode()}")
        report = json.loads(out)
        due = args.candidates // 5
        if report.get("status") != "done" or report["anonymised"] != due or report["failed"]:
            raise SystemExit(f"unexpected report {report}")

        db = f"{args.pg_url}/{name}"
        erased = int(psql(db, "-c", "SELECT count(*) FROM candidates WHERE erased_at IS NOT NULL",
                          capture=True))
        held = int(psql(db, "-c", "SELECT count(*) FROM candidates c JOIN candidate_legal_holds h "
                                  "ON h.candidate_id = c.id WHERE c.erased_at IS NOT NULL",
                        capture=True))
        left = int(psql(db, "-c", "SELECT count(*) FROM candidates WHERE erased_at IS NULL "
                                  "AND email LIKE 'cand%' AND CAST(substr(email, 5, "
                                  "position('@' in email) - 5) AS int) % 5 = 0", capture=True))
        # As many erased as due, none held, no due one left: exactly the due ones.
        if erased != due or held or left:
            raise SystemExit(f"erased {erased}, held erased {held}, due left {left}")
        gone = sum(not os.path.exists(blob_path(data_dir, f"bench document {g}".encode()))
                   for g in range(5, args.candidates + 1, 5))
        if gone != due or not os.path.exists(blob_path(data_dir, b"shared bench document")):
            raise SystemExit(f"{gone} of {due} own files deleted, or the shared one lost")
        result = {
            "seconds": seconds,
            "statements": report["statements"],
            "statements_per_candidate": report["statements"] / due,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "anonymised": report["anonymised"],
            "skipped": report["skipped"],
        }
        log(f"run {number}: {json.dumps(result)}")
        return result
    finally:
        psql(f"{args.pg_url}/postgres", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args, n) for n in range(1, args.runs + 1)]
    median = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    summary = {
        "candidates": args.candidates,
        "due": args.candidates // 5,
        "runs": len(runs),
        "median_seconds": round(median("seconds"), 2),
        "median_candidates_per_second": round((args.candidates // 5) / median("seconds"), 1),
        "median_statements_per_candidate": round(median("statements_per_candidate"), 2),
        "median_peak_rss_mb": round(median("peak_rss_mb"), 1),
        "each_run": runs,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
