#!/usr/bin/python3
"""A real SMTP server for medsec's notify tests (Debian's python3-aiosmtpd).

It listens on 127.0.0.1 on a free port, prints "PORT <n>" once it accepts connections,
and writes each message it receives to DIR as <n>.eml with <n>.json beside it (envelope
sender and recipients, whether the session was under TLS, the authenticated login).
With --cert and --key it offers STARTTLS (RFC 3207) and refuses mail before it; with
--user and --password it requires AUTH (PLAIN or LOGIN) after STARTTLS.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "login": session.auth_data if session.authenticated else "",
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    handler = Saver(args.dir)
    kwargs = dict(hostname="localhost", tls_context=tls_context, require_starttls=tls_context is not None)
    if args.user:
        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=True)
    else:
        kwargs.update(auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(handler, **kwargs), host="127.0.0.1", port=0))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
