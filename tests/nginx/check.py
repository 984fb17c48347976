#!/usr/bin/env python3
"""recruitmail behind a real nginx, as `deploy/nginx/recruitmail.conf` sets
it up: signed document links are checked by recruitmail and their bytes sent
by nginx (X-Accel-Redirect), with the same headers, ranges and refusals as
without nginx. Prints one line per check and a closing `N passed, 0 failed`.

Usage: check.py path/to/recruitmail
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from front import PREFIX, Nginx, free_port

passed = 0


def check(name, condition, detail=""):
    global passed
    if not condition:
        print(f"FAIL {name} {detail}")
        print(f"{passed} passed, 1 failed")
        sys.exit(1)
    passed += 1
    print(f"ok {name}")


def get(url, headers=None):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def graphql(base, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        base + "/graphql", data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.load(response)
    if data.get("errors"):
        raise SystemExit(f"GraphQL error: {data['errors']}")
    return data["data"]


def upload(base, token, candidate, name, content):
    """A GraphQL multipart upload through nginx, sent by curl."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(content)
    operations = json.dumps({
        "query": "mutation($f: Upload!, $c: ID) { uploadDocument(input: { file: $f, candidateId: $c }) { document { id } } }",
        "variables": {"f": None, "c": candidate},
    })
    out = subprocess.run(
        ["curl", "-sS", base + "/graphql", "-H", f"authorization: Bearer {token}",
         "-F", f"operations={operations}", "-F", 'map={"0":["variables.f"]}',
         "-F", f"0=@{f.name};type=application/pdf;filename={name}"],
        check=True, capture_output=True, text=True,
    ).stdout
    os.unlink(f.name)
    data = json.loads(out)
    if data.get("errors"):
        raise SystemExit(f"upload failed: {data['errors']}")
    return data["data"]["uploadDocument"]["document"]["id"]


def main():
    binary = os.path.abspath(sys.argv[1])
    data_dir = tempfile.mkdtemp(prefix="rm-nginx-data-")
    port = free_port()
    env = dict(
        os.environ,
        RECRUITMAIL_LISTEN=f"127.0.0.1:{port}",
        RECRUITMAIL_DATA_DIR=data_dir,
        RECRUITMAIL_DISPATCHER="off",
        RECRUITMAIL_LOG="warn",
        RECRUITMAIL_FILES_ACCEL_REDIRECT=PREFIX,
    )
    token = subprocess.run(
        [binary, "bootstrap", "--company", "Acme", "--admin", "admin@acme.example"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    server = subprocess.Popen([binary, "serve"], env=env)
    nginx = None
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        nginx = Nginx(port, os.path.join(data_dir, "blobs"))
        base = nginx.base
        candidate = graphql(
            base, token,
            'mutation { createCandidate(input: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.org" }) { candidate { id } } }',
        )["createCandidate"]["candidate"]["id"]
        content = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)
        document = upload(base, token, candidate, "Lebenslauf Müller.pdf", content)
        check("the API answers through nginx", bool(document))

        def link(disposition="INLINE"):
            return graphql(
                base, token,
                "query($id: ID!, $d: Disposition!) { node(id: $id) { ... on Document { url(disposition: $d) } } }",
                {"id": document, "d": disposition},
            )["node"]["url"]

        status, headers, body = get(base + link())
        check("a link opens the whole file", status == 200 and body == content,
              f"{status} {len(body)}")
        check("with its content type", headers.get("content-type") == "application/pdf",
              headers.get("content-type"))
        disposition = headers.get("content-disposition", "")
        check("shown inline under its name, RFC 6266",
              disposition.startswith('inline; filename="Lebenslauf M_ller.pdf"')
              and "filename*=UTF-8''Lebenslauf%20M%C3%BCller.pdf" in disposition, disposition)
        for name, value in [("x-content-type-options", "nosniff"),
                            ("content-security-policy", "sandbox"),
                            ("cache-control", "private"),
                            ("referrer-policy", "no-referrer")]:
            check(f"{name}: {value}", headers.get(name) == value, headers.get(name))
        check("no internal path leaks", "x-accel-redirect" not in {k.lower() for k in headers})
        digest = hashlib.sha256(content).hexdigest()
        status, headers, body = get(f"http://127.0.0.1:{port}{link()}")
        check("recruitmail itself sends no bytes, only the internal redirect",
              status == 200 and body == b""
              and headers.get("x-accel-redirect") == f"{PREFIX}sha256/{digest[:2]}/{digest}",
              f"{status} {len(body)} {headers.get('x-accel-redirect')}")

        status, headers, body = get(base + link("ATTACHMENT"))
        check("a download link downloads",
              status == 200 and headers.get("content-disposition", "").startswith("attachment; "))

        url = link()
        status, headers, body = get(base + url, {"Range": "bytes=100-199"})
        check("a range is served by nginx", status == 206 and body == content[100:200],
              f"{status} {len(body)}")
        check("with Content-Range",
              headers.get("content-range") == f"bytes 100-199/{len(content)}",
              headers.get("content-range"))
        status, _, _ = get(base + url, {"Range": f"bytes={len(content) + 10}-"})
        check("a range beyond the end gets 416", status == 416, status)

        status, headers, body = get(base + url[:-1] + ("0" if url[-1] != "0" else "1"))
        check("a forged link gets 403", status == 403, status)
        check("and nothing of the file",
              content[:64] not in body and "x-accel-redirect" not in {k.lower() for k in headers})
        check("the refusal says FORBIDDEN",
              json.loads(body)["errors"][0]["extensions"]["code"] == "FORBIDDEN")

        status, _, body = get(f"{base}{PREFIX}sha256/{digest[:2]}/{digest}")
        check("the blobs are not reachable from outside", status == 404 and content[:64] not in body,
              status)
    finally:
        if nginx:
            nginx.stop()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    main()
