"""A real SMTP server for recruitmail's tests, on a loopback port.

aiosmtpd (https://aiosmtpd.aio-libs.org) speaks the protocol: EHLO, STARTTLS
or implicit TLS with the given certificate, AUTH PLAIN/LOGIN, pipelining
limits, dot-stuffing.
Each accepted message is written to OUT as `<n>.eml` with a `<n>.json` of its
envelope (MAIL FROM, RCPT TO, whether TLS and AUTH were used). The file
OUT/mode changes behaviour while it runs:

  accept    accept everything (the default)
  tempfail  answer every RCPT with 451 (a temporary failure)
  reject    answer every RCPT with 550 (a permanent failure)

A recipient whose address contains "reject" always gets 550 (permanent).
The chosen port is printed on stdout as `PORT <n>`; the server runs until
stdin closes or it is killed.
"""

import argparse
import json
import logging
import os
import socket
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

# aiosmtpd's own AUTH code still sets the deprecated attribute.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
# On implicit TLS the session is encrypted before AUTH, which aiosmtpd's
# check (it knows only STARTTLS) warns about on every start.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.ERROR)


class Recorder:
    def __init__(self, out):
        self.out = out
        # A restarted server continues the numbering of the one before.
        numbers = [int(name[:-4]) for name in os.listdir(out) if name.endswith(".eml")]
        self.count = max(numbers, default=0)
        self.lock = threading.Lock()

    def mode(self):
        try:
            with open(os.path.join(self.out, "mode")) as f:
                return f.read().strip()
        except FileNotFoundError:
            return "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode() == "tempfail":
            return "451 4.3.0 Mail server temporarily unavailable, try again later"
        if self.mode() == "reject":
            return "550 5.7.1 Delivery not authorized, message refused"
        if "reject" in address:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.out, str(n))
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # STARTTLS sets session.ssl; on implicit TLS the transport itself is TLS.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if session.auth_data else None,
        }
        with open(base + ".eml.partial", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.partial", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument(
        "--implicit-tls",
        action="store_true",
        help="TLS from the first byte (RFC 8314) instead of STARTTLS",
    )
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    parameters = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.implicit_tls:
            parameters.update(ssl_context=context)
        else:
            parameters.update(tls_context=context, require_starttls=True)
    if args.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (
                auth_data.login.decode() == args.user
                and auth_data.password.decode() == args.password
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        parameters.update(
            authenticator=authenticate,
            auth_required=True,
            # aiosmtpd counts only STARTTLS as encryption.
            auth_require_tls=bool(args.cert) and not args.implicit_tls,
        )
    port = args.port or free_port()
    controller = Controller(
        Recorder(args.out), hostname="127.0.0.1", port=port, **parameters
    )
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
