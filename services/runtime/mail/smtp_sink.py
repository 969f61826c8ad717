#!/usr/bin/env python3
"""A local SMTP server that keeps every message it accepts (aiosmtpd).

Used by the email tests and by `./fineprint up` as the mesh's mail sink.
Each accepted message becomes <dir>/<n>.eml (the DATA as received) with
<dir>/<n>.json beside it: {"mail_from", "rcpt_tos", "tls", "auth"}; the
.eml appears last, complete. Prints the port it listens on (port 0 picks a
free one) on its first stdout line.

  --fail-first N   answer the first N DATA commands 451 (retry tests); so
                   does a number N written to <dir>/fail_next, N times
  --auth U:P       require AUTH (PLAIN/LOGIN) with these credentials
  --tls-cert/--tls-key  offer STARTTLS; --require-tls refuses mail without it
A recipient whose local part starts with "bounce" is refused with 550.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse(data):
    """The message as Python's email package reads it, so tests check what
    a mail client would see, not what the sender meant."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    defects = [type(d).__name__ for d in msg.defects]
    parts = []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({"type": part.get_content_type(),
                      "charset": part.get_content_charset() or "",
                      "cte": str(part.get("Content-Transfer-Encoding", "")),
                      "body": part.get_content()})
    return {"headers": {k.lower(): str(v) for k, v in msg.items()},
            "content_type": msg.get_content_type(),
            "parts": parts, "defects": defects}


class Sink:
    def __init__(self, directory, fail_first):
        self.directory = directory
        self.fail_first = fail_first
        self.count = len([f for f in os.listdir(directory) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 try again later"
        control = os.path.join(self.directory, "fail_next")
        if os.path.exists(control):
            with open(control) as f:
                n = int(f.read() or 0)
            if n > 0:
                with open(control, "w") as f:
                    f.write(str(n - 1))
                return "451 4.3.0 try again later"
        self.count += 1
        base = os.path.join(self.directory, "%06d" % self.count)
        with open(base + ".json", "w") as meta:
            json.dump({"mail_from": envelope.mail_from,
                       "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None,
                       "auth": bool(session.authenticated),
                       "parsed": parse(envelope.original_content)}, meta)
        with open(base + ".eml.tmp", "wb") as eml:
            eml.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--auth", default="")
    p.add_argument("--tls-cert", default="")
    p.add_argument("--tls-key", default="")
    p.add_argument("--require-tls", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.fail_first)

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        user, _, password = args.auth.partition(":")
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        if ok:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Authentication credentials invalid")

    def factory():
        return SMTP(handler, hostname="fineprint-sink", tls_context=tls,
                    require_starttls=args.require_tls,
                    authenticator=authenticate if args.auth else None,
                    auth_required=bool(args.auth),
                    auth_require_tls=False, enable_SMTPUTF8=True)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(64)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(loop.create_server(factory, sock=sock))
    print(sock.getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    sys.exit(main())
