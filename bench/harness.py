"""Shared pieces of the benchmark scripts: a release server on a loopback
port with a company of its own, GraphQL calls, and summary statistics.

Standard library only, so a benchmark needs nothing but Python 3 and the
release binary.
"""

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    """The nearest-rank percentile of `values` (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class Server:
    """`recruitmail serve` on a fresh SQLite file or PostgreSQL database,
    with a bootstrapped company whose admin token is `self.token`."""

    def __init__(self, binary, backend, pg_url, name, extra_env=None):
        self.data_dir = tempfile.mkdtemp(prefix=f"rm-bench-{name}-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({
            "RECRUITMAIL_DATA_DIR": self.data_dir,
            "RECRUITMAIL_LISTEN": f"127.0.0.1:{self.port}",
            "RECRUITMAIL_LOG": "warn",
        })
        self.env.update(extra_env or {})
        self.pg_url = pg_url
        self.pg_db = None
        if backend == "postgres":
            self.pg_db = f"rm_bench_{name}_{os.getpid()}"
            self._psql(f"CREATE DATABASE {self.pg_db}")
            self.env["DATABASE_URL"] = f"{pg_url}/{self.pg_db}?sslmode=disable"
        self.binary = binary
        self.process = None

    def _psql(self, statement):
        subprocess.run(["psql", f"{self.pg_url}/postgres", "-qc", statement], check=True)

    def __enter__(self):
        self.token = subprocess.run(
            [self.binary, "bootstrap", "--company", "Bench", "--admin", "admin@bench.example"],
            env=self.env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        self.log_file = open(os.path.join(self.data_dir, "server.log"), "w")
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stderr=self.log_file)
        for _ in range(400):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not answer /healthz")

    def __exit__(self, *_):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.pg_db:
            subprocess.run(
                ["psql", f"{self.pg_url}/postgres", "-qc",
                 f"DROP DATABASE IF EXISTS {self.pg_db} WITH (FORCE)"],
                check=False,
            )
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def gql(self, query, variables=None, token=None):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self._send(body, "application/json", token)

    def upload(self, query, variables, file_variable, file_name, content, token=None):
        """A GraphQL multipart request carrying one file."""
        boundary = uuid.uuid4().hex
        operations = json.dumps({"query": query, "variables": {**variables, file_variable: None}})
        parts = [
            ("operations", None, operations.encode()),
            ("map", None, json.dumps({"0": [f"variables.{file_variable}"]}).encode()),
            ("0", file_name, content),
        ]
        body = b""
        for name, file, data in parts:
            disposition = f'form-data; name="{name}"' + (f'; filename="{file}"' if file else "")
            body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
            body += data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self._send(body, f"multipart/form-data; boundary={boundary}", token)

    def _send(self, body, content_type, token):
        request = urllib.request.Request(
            self.base + "/graphql",
            data=body,
            headers={"content-type": content_type, "authorization": f"Bearer {token or self.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            data = json.load(response)
        if data.get("errors"):
            raise SystemExit(f"GraphQL error: {data['errors']}")
        return data["data"]

    def metric(self, name):
        """The value of one unlabelled Prometheus counter or gauge."""
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        raise SystemExit(f"metric {name} not found")
