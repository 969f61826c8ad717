"""A webhook endpoint for tests that verifies every delivery with the
Standard Webhooks reference library (PyPI `standardwebhooks`), not with
Fineprint's code.

Prints its port on the first line of stdout, then serves on 127.0.0.1:
  POST /_config  {"secrets": [...], "plans": {"/path": [[status, {hdrs}], ...]},
                  "hold_ms": n}
                 replaces the secrets; each path answers its plan's responses
                 in order, then 200; each delivery is held n ms (default 0)
                 before it is answered, so overlapping attempts show.
  GET  /_log     every delivery received, in order:
                 {"path", "webhook_id", "timestamp", "received_at",
                  "verified": [secret indexes whose signature verified],
                  "signatures": n, "status", "type", "body",
                  "overlapped": another delivery with this webhook-id was
                  being held when this one arrived}
Anything else is a delivery.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
STATE = {"secrets": [], "plans": {}, "log": [], "hold_ms": 0}
IN_FLIGHT = {}  # webhook-id -> deliveries being held


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                body = json.dumps(STATE["log"]).encode()
            self._send(200, body, {"Content-Type": "application/json"})
        else:
            self._send(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/_config":
            config = json.loads(body)
            with LOCK:
                STATE["secrets"] = config.get("secrets", STATE["secrets"])
                STATE["plans"] = {
                    k: list(v) for k, v in config.get("plans", {}).items()
                }
                STATE["hold_ms"] = config.get("hold_ms", 0)
            self._send(200)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        webhook_id = headers.get("webhook-id", "")
        with LOCK:
            secrets = list(STATE["secrets"])
            plan = STATE["plans"].get(self.path, [])
            status, extra = plan.pop(0) if plan else (200, {})
            hold = STATE["hold_ms"] / 1000.0
            overlapped = IN_FLIGHT.get(webhook_id, 0) > 0
            IN_FLIGHT[webhook_id] = IN_FLIGHT.get(webhook_id, 0) + 1
        if hold:
            time.sleep(hold)
        with LOCK:
            IN_FLIGHT[webhook_id] -= 1
        verified = []
        for i, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(i)
            except WebhookVerificationError:
                pass
        try:
            event_type = json.loads(body).get("type", "")
        except ValueError:
            event_type = ""
        entry = {
            "path": self.path,
            "webhook_id": webhook_id,
            "timestamp": headers.get("webhook-timestamp", ""),
            "received_at": time.time(),
            "verified": verified,
            "signatures": len(headers.get("webhook-signature", "").split()),
            "status": status,
            "type": event_type,
            "body": body.decode("utf-8", "replace"),
            "overlapped": overlapped,
        }
        with LOCK:
            STATE["log"].append(entry)
        self._send(status, b"", extra)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
