"""A failing venue shows on the desk, over real HTTP: a Desk with an injected LiveSource whose
ccxt adapter talks to a LoopbackServer (tests/support/rewrite.py). The server answers 502: the
crypto pane's header gets "⚠ key: message" and the status bar counts the failing series; the
server recovers: the badge goes."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from support.loopback import Answer, LoopbackServer
from support.rewrite import FIXTURES, fixture_answer, loopback_session

from deskapp.data.exchanges import ExchangeAdapter
from deskapp.data.instruments import EXCHANGE
from deskapp.data.live import LiveSource

MARKETS = json.loads((FIXTURES / "exchanges" / "markets.json").read_text())
BARS = next(s for s in EXCHANGE if s.key == "crypto.btcusdt.1h")
FUNDING = next(s for s in EXCHANGE if s.key == "deriv.btc_funding_8h.binanceusdm")
CLOCK = pd.Timestamp("2026-02-05T07:30Z")  # after the Binance 1h fixture's last close
KLINES, FUNDING_PATH = "/fapi/v1/klines", "/fapi/v1/fundingRate"
BADGE = "⚠ crypto.btcusdt.1h: binanceusdm BTC/USDT:USDT bars: venue unavailable: 502"


class Wall:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def answer_ok(server: LoopbackServer) -> None:
    server.route(KLINES, fixture_answer("exchanges/binanceusdm/klines_1h.json"))
    server.route(FUNDING_PATH, fixture_answer("exchanges/binanceusdm/fundingRate.json"))


def answer_502(server: LoopbackServer) -> None:
    server.route(KLINES, Answer(status=502, body=b"<html>Bad Gateway</html>",
                                headers={"Content-Type": "text/html"}))


@pytest.fixture
def live_desk(qtbot, config, tmp_path):
    """(desk, server, adapter, wall): a running Desk fed by Binance over the loopback."""
    from deskapp.app import Desk, DeskOptions

    server = LoopbackServer()
    session = loopback_session(server.port)
    wall = Wall()
    adapter = ExchangeAdapter("binanceusdm", session=session, markets=MARKETS["binanceusdm"],
                              timeout_ms=30000, clock=lambda: CLOCK, wall=wall,
                              rng=random.Random(7))
    adapter.exchange.rateLimit = 1
    source = LiveSource("crypto", adapter, [BARS, FUNDING], clock=lambda: CLOCK, wall=wall,
                        refresh=pd.Timedelta(0))
    desks = []

    def start():
        desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1400, 850),
                                journal=tmp_path / "journal.sqlite3", source="live"),
                    sources=[source], meta={s.key: s.meta() for s in (BARS, FUNDING)})
        desks.append(desk)
        qtbot.addWidget(desk.window)
        desk.start()
        desk.window.show()
        return desk

    yield start, server, adapter, wall
    for desk in desks:
        assert desk.shutdown(), "a worker thread did not join"
    session.close()
    server.close()


def crypto_header(desk) -> str:
    return desk.window.panes["crypto"].header.text()


def status_text(desk) -> str:
    return desk.window.clock_label.text()


def test_a_502_shows_a_badge_and_the_count_then_recovery_clears_them(qtbot, live_desk):
    start, server, adapter, wall = live_desk
    answer_ok(server)
    answer_502(server)
    desk = start()

    def failing_shown():
        assert BADGE in crypto_header(desk)
        assert "(since 07:30 UTC)" in crypto_header(desk)
        assert "⚠ 1 series failing" in status_text(desk)

    qtbot.waitUntil(failing_shown, timeout=60000)
    assert "⚠" not in desk.window.panes["macro"].header.text()  # not a macro series
    assert desk.window.feed_errors.keys() == {BARS.key}
    assert desk.window.mode_label.text().strip() == "LIVE"  # one of two series still answers

    answer_ok(server)  # the venue is back; let its backoff pass
    wall.t = adapter.next_allowed_at + 1.0

    def recovered():
        assert "⚠" not in crypto_header(desk)
        assert "failing" not in status_text(desk)

    qtbot.waitUntil(recovered, timeout=60000)
    assert desk.window.feed_errors == {}


def test_recovery_with_unchanged_data_clears_the_badge_too(qtbot, live_desk):
    """The venue answers, fails, then answers the same bars again: nothing changed, yet the
    error is over and the badge must go."""
    start, server, adapter, wall = live_desk
    answer_ok(server)
    desk = start()
    qtbot.waitUntil(lambda: BARS.key in desk.window._known_keys
                    and server.hits.get(KLINES, 0) >= 1, timeout=60000)
    answer_502(server)
    qtbot.waitUntil(lambda: BADGE in crypto_header(desk), timeout=60000)

    answer_ok(server)
    wall.t = adapter.next_allowed_at + 1.0
    qtbot.waitUntil(lambda: "⚠" not in crypto_header(desk)
                    and "failing" not in status_text(desk), timeout=60000)
    assert desk.window.feed_errors == {}
