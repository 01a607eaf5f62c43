"""HTTP/1.1 keep-alive server on the stdlib; turns sockets into `Request`s and back.

Also plays the transport faults: `reset` declares the full Content-Length, sends half the body
and aborts the connection with an RST; `truncated` sends a short, well-framed, invalid JSON body.
"""

from __future__ import annotations

import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from posthog_emulator.common.web import Request
from posthog_emulator.server.app import App, Outcome

LOGGED_BODY_LIMIT = 16_384  # request bodies above this are not kept in the log


class EmulatorServer(ThreadingHTTPServer):
    """Threaded server owning the App; daemon threads so stop() never hangs."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, Handler)
        self.app = app


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, Content-Length always set."""

    protocol_version = "HTTP/1.1"
    server: EmulatorServer

    def setup(self) -> None:
        """Disable Nagle so small responses are not delayed by delayed ACKs."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stalls

    def handle(self) -> None:
        """Serve the connection; a client that resets it (it abandoned a body half read) just ends it."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT (no route accepts it: 404/405)."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH (404/405)."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's stderr access log; the request log replaces it."""
        return

    def _serve(self) -> None:
        started, wall = time.monotonic(), time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body (a killed sync): no server ever handles that request
            self.close_connection = True
            return
        port = self.server.server_address[1]
        host = self.headers.get("Host") or f"127.0.0.1:{port}"
        req = Request.build(self.command, self.path, dict(self.headers.items()), body, host)
        outcome = self.server.app.handle(req)
        if not outcome.meta.get("admin"):  # logged before writing, so a client never outruns its entry
            self._log(req, outcome, wall, time.monotonic() - started)
        self._write(outcome)

    def _write(self, outcome: Outcome) -> None:
        resp, fault = outcome.response, outcome.fault
        data = resp.body()
        declared = len(data)
        if fault == "truncated":
            data = data[: max(1, len(data) // 2)]
            declared = len(data)
        self.send_response(resp.status)
        headers = {"Content-Type": "application/json", **resp.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if fault == "reset":
            self.wfile.write(data[: len(data) // 2])
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        self.wfile.write(data)  # a client that stops reading it ends the connection (`handle`)

    def _log(self, req: Request, outcome: Outcome, wall: float, duration: float) -> None:
        rt = self.server.app.rt
        auth = req.headers.get("authorization")
        entry: dict[str, Any] = {
            "time": wall,
            "duration_s": round(duration, 6),
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "url": req.url(),
            "host": req.host,
            "headers": {
                "authorization": auth is not None,
                "authorization_scheme": auth.split(" ")[0] if auth else None,
                "user_agent": req.headers.get("user-agent"),
                "content_type": req.headers.get("content-type"),
            },
            "key": outcome.meta.get("key"),
            "project_id": outcome.meta.get("project_id"),
            "status": outcome.response.status,
            "fault": outcome.fault,
            "body": None,
            "retry_after": outcome.response.headers.get("Retry-After"),  # to check clients wait as told
            **outcome.response.log,  # e.g. query_cost: scanned/matched/returned rows, simulated seconds
        }
        if req.body and len(req.body) <= LOGGED_BODY_LIMIT:
            try:
                entry["body"] = orjson.loads(req.body)
            except orjson.JSONDecodeError:
                entry["body"] = req.body.decode(errors="replace")
        rt.record(entry)
