"""Hosts that never answer, on 127.0.0.1 only: a closed port, a port that drops connection attempts, a port
that accepts connections and stays silent, and a plain-HTTP server to speak TLS to.

"Drops connection attempts" is a listening socket with a backlog of 0 whose queue is already full: Linux then
ignores further SYNs, exactly as a firewall that drops packets does.
"""

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

BACKLOG_FILLERS = 3  # with listen(0) one pending connection fills the queue; a few more make sure


def closed_port() -> int:
    """A port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def silent_port() -> Iterator[int]:
    """A port whose kernel completes the handshake, but nobody ever reads or answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@contextmanager
def dropping_port() -> Iterator[int]:
    """A port whose accept queue is full, so new connection attempts are dropped (they time out)."""
    with ExitStack() as stack:
        server = stack.enter_context(socket.socket())
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(BACKLOG_FILLERS):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        yield port


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a TLS hello sent to this server would otherwise be logged to stderr."""


@contextmanager
def plain_http_port() -> Iterator[int]:
    """A plain HTTP server: an https:// base_url pointed at it fails in the TLS handshake."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
