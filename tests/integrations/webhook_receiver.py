"""A real webhook receiver on loopback (http.server in a thread): it checks each request's Standard Webhooks
signature with its own code (not the product's), answers a scripted status, and keeps what it accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver's documentation tells it to do (README "Webhooks")."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(hmac.compare_digest(expected, given) for given in headers["webhook-signature"].split())


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    signed: bool
    answered: int

    @property
    def document(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`fail_first`: how many requests are answered 500 before the others are accepted (204)."""

    secret: str = ""
    fail_first: int = 0
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    @property
    def accepted(self) -> list[dict]:
        return [request.document for request in self.requests if 200 <= request.answered < 300]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.lock:
                    signed = bool(receiver.secret) and verify(receiver.secret, headers, body)
                    failing = len(receiver.requests) < receiver.fail_first
                    answered = 401 if not signed else 500 if failing else 204
                    receiver.requests.append(Request(headers, body, signed, answered))
                self.send_response(answered)
                self.send_header("Content-Length", "0" if answered == 204 else "12")
                self.end_headers()
                if answered != 204:
                    self.wfile.write(b"not now, sry" if answered == 500 else b"bad signatur")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
