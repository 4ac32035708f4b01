"""A TCP proxy for fault injection: between the client and the emulator, it answers 503, drops
connections, or stalls, by plan, one request at a time. Real HTTP over loopback."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections import deque


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    # One request per connection: simpler to relay, and the client opens a new one each time.
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body


class FaultProxy:
    """`plan` holds what to do with the next requests: "pass", "503", "401", "drop", "slow",
    or "drop-after" (forward, then close without the answer). Then it does `then` ("pass")."""

    def __init__(self, upstream_port: int, slow_seconds: float = 3.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.slow_seconds = slow_seconds
        self.plan: deque[str] = deque()
        self.then = "pass"
        self.seen: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                request = _read_request(self.request)
                if not request:
                    return
                action = proxy.plan.popleft() if proxy.plan else proxy.then
                proxy.seen.append(request.split(b"\r\n", 1)[0].decode() + " -> " + action)
                if action == "drop":
                    return
                if action == "503":
                    self.request.sendall(
                        b'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{"error": "try again soon"}'
                    )
                    return
                if action == "401":
                    self.request.sendall(
                        b'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{"error": "wrong password"}'
                    )
                    return
                if action == "slow":
                    time.sleep(proxy.slow_seconds)
                try:
                    with socket.create_connection(proxy.upstream) as upstream:
                        upstream.sendall(request)
                        answer = b""
                        while chunk := upstream.recv(65536):
                            answer += chunk
                except OSError:
                    return  # the service is gone (a test ending while its client retries): a dropped line
                if action != "drop-after":
                    self.request.sendall(answer)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
