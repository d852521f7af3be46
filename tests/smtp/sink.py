#!/usr/bin/python3
"""A real SMTP server for the mail tests and the outbox benchmark (aiosmtpd, from Debian's
python3-aiosmtpd).

    sink.py DIR [CERT KEY]

Listens on 127.0.0.1 on a free port and prints "port N" once it does. Every message it
accepts is written to DIR as NNNNNNNN.eml (whole or not at all), the envelope's recipients
in an X-Envelope-To header first. While a file DIR/refuse exists it answers every
recipient with 451 (try again later), as a mail server under maintenance does; a
recipient whose address contains "bounce" gets 550 (no such mailbox), a permanent refusal.
With CERT and KEY (PEM files) it requires STARTTLS before any mail, with that certificate.
"""

import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(os.path.join(self.folder, "refuse")):
            return "451 4.3.2 Closed for maintenance, try again later"
        if "bounce" in address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.folder, f"{self.count:08}.eml")
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)
        return "250 2.0.0 Queued"


async def main(folder, tls):
    loop = asyncio.get_running_loop()
    sink = Sink(folder)
    options = {}
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls[0], tls[1])
        options = {"tls_context": context, "require_starttls": True}
    server = await loop.create_server(
        lambda: SMTP(sink, enable_SMTPUTF8=True, hostname="sink.test", **options),
        "127.0.0.1",
        0,
    )
    print("port", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    asyncio.run(main(folder, sys.argv[2:4] if len(sys.argv) >= 4 else None))
