#!/usr/bin/env python3
"""Document download benchmark for recruitmail (standard library and curl).

For each blob store (a local folder, an S3 bucket on moto's server):

1. seeds a company, a candidate and a 10 MB PDF uploaded as their document;
2. the ceiling: `curl` fetching the stored blob directly (`file://` for the
   folder; a SigV4-signed GET from the bucket), CONCURRENCY at once;
3. recruitmail: `curl` fetching the same bytes through a signed link from
   `Document.url`, CONCURRENCY at once, without a bearer header;
   With --nginx, a third scenario: the local folder behind nginx set up as
   deploy/nginx/recruitmail.conf says, recruitmail checking each link and
   nginx sending the bytes (X-Accel-Redirect); and for both folder
   scenarios a second reference: nginx alone serving the same file as a
   static file (sendfile on), the fastest any HTTP server can hand it over
   on this machine, to tell the network's share of the gap from ours;
4. repeats them ROUNDS times, interleaved, and reports the median
   throughput of each (total bytes of a round / the round's wall time), the
   ratios, and the server's peak RSS above its RSS at rest before the first
   download (VmHWM after the rounds minus VmRSS before them, Linux, with the
   peak reset after the upload).

Every download is checked: status 200 and the exact size.

Usage: bench.py --bin target/release/recruitmail --moto .../moto_server
       [--concurrency 16] [--rounds 5] [--megabytes 10] [--nginx]
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

BUCKET = "recruitmail-bench"

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "nginx"))
from front import PREFIX, Nginx, free_port  # noqa: E402  (the tested nginx set-up)


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


class Server:
    def __init__(self, binary, data_dir, extra):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            RECRUITMAIL_LISTEN=f"127.0.0.1:{self.port}",
            RECRUITMAIL_DATA_DIR=data_dir,
            RECRUITMAIL_DISPATCHER="off",
            RECRUITMAIL_LOG=os.environ.get("RECRUITMAIL_LOG", "warn"),
            RECRUITMAIL_MAX_ATTACHMENT_BYTES=str(64 * 1024 * 1024),
            **extra,
        )
        boot = subprocess.run(
            [binary, "bootstrap", "--company", "Acme Bench", "--admin", "admin@acme.example"],
            env=self.env, check=True, capture_output=True, text=True,
        )
        self.token = boot.stdout.strip()
        self.process = subprocess.Popen([binary, "serve"], env=self.env)
        wait_http(self.base + "/healthz")

    def gql(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.base + "/graphql", data=body,
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            data = json.load(response)
        if data.get("errors"):
            raise SystemExit(f"GraphQL error: {data['errors']}")
        return data["data"]

    def upload(self, candidate, name, content):
        """A GraphQL multipart upload, sent by curl from a file."""
        path = os.path.join(tempfile.gettempdir(), f"bench-{uuid.uuid4().hex}.pdf")
        with open(path, "wb") as f:
            f.write(content)
        operations = json.dumps({
            "query": "mutation($f: Upload!, $c: ID) { uploadDocument(input: { file: $f, candidateId: $c }) { document { id } } }",
            "variables": {"f": None, "c": candidate},
        })
        out = subprocess.run(
            ["curl", "-sS", self.base + "/graphql", "-H", f"authorization: Bearer {self.token}",
             "-F", f"operations={operations}", "-F", 'map={"0":["variables.f"]}',
             "-F", f"0=@{path};type=application/pdf;filename={name}"],
            check=True, capture_output=True, text=True,
        ).stdout
        os.unlink(path)
        data = json.loads(out)
        if data.get("errors"):
            raise SystemExit(f"upload failed: {data['errors']}")
        return data["data"]["uploadDocument"]["document"]["id"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class StaticNginx:
    """nginx alone serving a folder as static files: the HTTP reference."""

    def __init__(self, root):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.dir = tempfile.mkdtemp(prefix="rm-nginx-static-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"    {name}_temp_path {self.dir}/{name};\n"
                       for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        config = (
            f"{user}daemon off;\nworker_processes auto;\npid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log off;\n{temp}"
            f"    server {{\n        listen 127.0.0.1:{self.port};\n"
            f"        location / {{ root {root}; sendfile on; tcp_nopush on; }}\n    }}\n}}\n"
        )
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(config)
        self.process = subprocess.Popen([self.binary, "-p", self.dir, "-c", path],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.base + "/")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def round_of(commands, size):
    """Runs the commands at once; returns MB/s for the whole round."""
    start = time.perf_counter()
    running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for c in commands]
    for process in running:
        out, err = process.communicate()
        status, got = (out.strip().split() + ["?", "?"])[:2]
        if process.returncode != 0 or status not in ("200", "000") or int(float(got)) != size:
            raise SystemExit(f"a download failed: rc={process.returncode} {out!r} {err!r}")
    elapsed = time.perf_counter() - start
    return len(commands) * size / elapsed / 1e6


CURL = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}"]


def rss(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(label, pids, base, references, link_path, size, concurrency, rounds):
    """Rounds of each reference (name, curl command; the first is the
    ceiling) and of downloads from `base`; memory of the processes `pids`
    (the server, and nginx's workers when in front)."""
    # Resets the peak (Linux: "5" to clear_refs), so that the upload's own
    # peak before the downloads is not counted.
    for pid in pids:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
    idle = sum(rss(pid, "VmRSS") for pid in pids)
    seen = {name: [] for name, _ in references}
    ours = []
    for i in range(rounds):
        for name, command in references:
            seen[name].append(round_of([command] * concurrency, size))
        # A fresh link each round: links live five minutes.
        ours.append(round_of([CURL + [base + link_path()]] * concurrency, size))
        done = ", ".join(f"{name} {seen[name][-1]:.0f}" for name, _ in references)
        log(f"{label} round {i + 1} (MB/s): {done}, recruitmail {ours[-1]:.0f}")
    # The peak during the downloads above the resident size before them.
    growth = sum(rss(pid, "VmHWM") for pid in pids) - idle
    return {
        "label": label,
        "references": {name: statistics.median(values) for name, values in seen.items()},
        "ceiling": statistics.median(seen[references[0][0]]),
        "ours": statistics.median(ours),
        "idle": idle,
        "growth": growth,
        "all": {**seen, "recruitmail": ours},
    }


CEILING = "curl direct"
STATIC = "nginx static"


def scenario(args, label, extra, direct_for, behind_nginx=False):
    data_dir = tempfile.mkdtemp(prefix="rm-bench-files-")
    server = Server(args.bin, data_dir, extra)
    nginx = static = None
    try:
        pids, base = [server.process.pid], server.base
        if behind_nginx:
            nginx = Nginx(server.port, os.path.join(data_dir, "blobs"))
            workers = subprocess.run(["pgrep", "-P", str(nginx.process.pid)],
                                     capture_output=True, text=True).stdout.split()
            pids += [int(w) for w in workers]
            base = nginx.base
        candidate = server.gql(
            'mutation { createCandidate(input: { firstName: "Ada", lastName: "Bench", email: "ada@bench.example" }) { candidate { id } } }'
        )["createCandidate"]["candidate"]["id"]
        size = args.megabytes * 1024 * 1024
        content = b"%PDF-1.4\n" + os.urandom(size - 9)
        digest = hashlib.sha256(content).hexdigest()
        document = server.upload(candidate, "cv.pdf", content)
        def link_path():
            return server.gql(
                "query($id: ID!) { node(id: $id) { ... on Document { url } } }", {"id": document}
            )["node"]["url"]
        key = f"sha256/{digest[:2]}/{digest}"
        references = [(CEILING, direct_for(data_dir, key))]
        if args.nginx and not extra.get("RECRUITMAIL_S3_BUCKET"):
            static = StaticNginx(os.path.join(data_dir, "blobs"))
            references.append((STATIC, CURL + [f"{static.base}/{key}"]))
        return measure(label, pids, base, references, link_path, size,
                       args.concurrency, args.rounds)
    finally:
        for front in (nginx, static):
            if front:
                front.stop()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def s3_scenario(args):
    moto_port = free_port()
    moto = subprocess.Popen([args.moto, "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"
        wait_http(endpoint)
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{BUCKET}", method="PUT"))
        log("S3 bucket (moto)")
        return scenario(
            args, "S3 bucket (moto)",
            {"RECRUITMAIL_S3_BUCKET": BUCKET, "RECRUITMAIL_S3_ENDPOINT": endpoint,
             "RECRUITMAIL_S3_ACCESS_KEY_ID": "bench", "RECRUITMAIL_S3_SECRET_ACCESS_KEY": "bench"},
            lambda _dir, key: CURL + ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "bench:bench",
                                      f"{endpoint}/{BUCKET}/{key}"],
        )
    finally:
        moto.terminate()
        moto.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=10)
    parser.add_argument("--nginx", action="store_true",
                        help="also measure the local folder behind nginx (deploy/nginx)")
    args = parser.parse_args()

    results = []
    log("local folder")
    results.append(scenario(
        args, "local folder", {},
        lambda data_dir, key: CURL + [f"file://{data_dir}/blobs/{key}"],
    ))

    if args.nginx:
        log("local folder behind nginx")
        results.append(scenario(
            args, "local folder, behind nginx (X-Accel-Redirect)",
            {"RECRUITMAIL_FILES_ACCEL_REDIRECT": PREFIX},
            lambda data_dir, key: CURL + [f"file://{data_dir}/blobs/{key}"],
            behind_nginx=True,
        ))

    if os.path.exists(args.moto):
        results.append(s3_scenario(args))
    else:
        log(f"no moto at {args.moto} (made by the first `cargo test`): S3 not measured")
        print(f"S3 bucket: not measured (no moto at {args.moto}).\n")

    print("| store | ceiling (curl direct), MB/s | nginx static, MB/s | recruitmail, MB/s "
          "| ratio to ceiling | ratio to nginx static | RSS at rest | peak RSS growth |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        static = r["references"].get(STATIC)
        static_cells = (f"{static:.0f} | {r['ours'] / static:.0%}" if static else "— | —")
        static_mb, static_ratio = static_cells.split(" | ")
        print(f"| {r['label']} | {r['ceiling']:.0f} | {static_mb} | {r['ours']:.0f} "
              f"| {r['ours'] / r['ceiling']:.0%} | {static_ratio} "
              f"| {r['idle']:.1f} MB | {r['growth']:.1f} MB |")
    print()
    for r in results:
        names = list(r["all"])
        rounds = ", ".join("/".join(f"{r['all'][n][i]:.0f}" for n in names)
                           for i in range(len(r["all"]["recruitmail"])))
        print(f"- {r['label']}, each round ({' / '.join(names)}, MB/s): {rounds}")


if __name__ == "__main__":
    main()
