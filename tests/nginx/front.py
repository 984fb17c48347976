"""nginx in front of a running recruitmail, configured from the shipped
example `deploy/nginx/recruitmail.conf` (only its CHANGE lines are replaced),
so what operators copy is what is tested and measured."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "deploy", "nginx", "recruitmail.conf")
PREFIX = "/_recruitmail_blobs/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(upstream_port, listen_port, blobs_dir):
    """The example with its CHANGE lines set; fails if one is missing."""
    with open(EXAMPLE) as f:
        text = f.read()
    for old, new in [
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 80;", f"listen 127.0.0.1:{listen_port};"),
        ("alias /srv/recruitmail/data/blobs/;", f"alias {blobs_dir.rstrip('/')}/;"),
    ]:
        if old not in text:
            raise SystemExit(f"{EXAMPLE} no longer has `{old}`")
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground with every path under a temporary folder."""

    def __init__(self, upstream_port, blobs_dir, binary=None):
        self.binary = binary or shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(self.binary):
            raise SystemExit("nginx is not installed (apt-get install nginx-light or nginx)")
        self.dir = tempfile.mkdtemp(prefix="rm-nginx-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Workers read the blobs as the user that owns them.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {name}_temp_path {self.dir}/{name};"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        config = (
            f"{user}daemon off;\nworker_processes auto;\npid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log off;\n{temp}\n"
            f"{site_config(upstream_port, self.port, blobs_dir)}\n}}\n"
        )
        self.config = os.path.join(self.dir, "nginx.conf")
        with open(self.config, "w") as f:
            f.write(config)
        self.process = subprocess.Popen(
            [self.binary, "-p", self.dir, "-c", self.config],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("nginx did not answer")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
