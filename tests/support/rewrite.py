"""Real HTTP to a LoopbackServer for the real adapters: a requests transport that sends every
request, whatever its host (https://fapi.binance.com, Yahoo's hosts), to 127.0.0.1:<port>, so
ccxt's and yfinance's whole HTTP path (urllib3, a real socket, real status lines) runs.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from support.loopback import Answer, LoopbackServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class ToLoopback(HTTPAdapter):
    """Rewrites scheme, host and port to http://127.0.0.1:<port>; keeps path and query."""

    def __init__(self, port: int):
        super().__init__(max_retries=0)
        self.port = port
        self.sent: list[str] = []  # the original URLs

    def send(self, request, *args, **kwargs):
        parts = urlsplit(request.url)
        self.sent.append(request.url)
        request.url = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().send(request, *args, **kwargs)


def loopback_session(port: int) -> requests.Session:
    session = requests.Session()
    transport = ToLoopback(port)
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_answer(rel: str, status: int = 200, **headers: str) -> Answer:
    return Answer(status=status, body=(FIXTURES / rel).read_bytes(),
                  headers={"Content-Type": "application/json", **headers})


# ---------------------------------------------------------------- Yahoo's URLs
CHART = "/v8/finance/chart/"
YAHOO_CHARTS = {"^GSPC": "yahoo/GSPC_1d.json", "DX-Y.NYB": "yahoo/DXY_1d.json",
                "^VIX": "yahoo/VIX_1d.json", "^TNX": "yahoo/TNX_1d.json",
                "IWM": "yahoo/empty_result.json"}


class YahooRoutes:
    """Routes Yahoo's cookie, consent and crumb URLs, and one chart answer per symbol.

    `charts[symbol]` is an Answer (settable at any time: the server reads it per request)."""

    def __init__(self, server: LoopbackServer):
        self.charts: dict[str, Answer] = {s: fixture_answer(f) for s, f in YAHOO_CHARTS.items()}
        server.route("/", Answer(status=404, body=b""))  # fc.yahoo.com (cookie host)
        server.route("/consent", Answer(body=b"<!DOCTYPE html><html><body></body></html>",
                                        headers={"Content-Type": "text/html; charset=utf-8"}))
        server.route("/v1/test/getcrumb", Answer(body=b"loopback-crumb",
                                                 headers={"Content-Type": "text/plain"}))
        server.route(CHART, self._chart)

    def _chart(self, path: str) -> Answer:
        symbol = unquote(urlsplit(path).path[len(CHART):])
        return self.charts.get(symbol, Answer(status=404, body=b'{"error": "no fixture"}'))
