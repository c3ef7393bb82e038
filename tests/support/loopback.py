"""A loopback HTTP server for fault and load tests: slow, failing or garbage answers on demand.

Bound to 127.0.0.1 on a free port; every request is counted; it stops when the test ends.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"[]"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drop: bool = False  # close the connection without an answer


class LoopbackServer:
    """`route(path_prefix, answer_or_callable)`; `url(path)`; `hits[path]`."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, Answer | Callable[[str], Answer]]] = []
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server._serve(self)

            def log_message(self, *_args) -> None:  # keep test output clean
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="loopback",
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, prefix: str, answer: Answer | Callable[[str], Answer]) -> None:
        self.routes.insert(0, (prefix, answer))

    def json(self, prefix: str, payload: object, **kw) -> None:
        self.route(prefix, Answer(body=json.dumps(payload).encode(), **kw))

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        with self._lock:
            self.hits[path.split("?")[0]] = self.hits.get(path.split("?")[0], 0) + 1
        for prefix, answer in self.routes:
            if path.startswith(prefix):
                a = answer(path) if callable(answer) else answer
                break
        else:
            a = Answer(status=404, body=b'{"error": "no route"}')
        if a.delay_s:
            time.sleep(a.delay_s)  # the server is slow on purpose (this is the fault under test)
        if a.drop:
            h.close_connection = True
            return
        try:
            h.send_response(a.status)
            for k, v in a.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(a.body)))
            h.end_headers()
            h.wfile.write(a.body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client gave up first (a timeout test): expected

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
