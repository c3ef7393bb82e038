"""YahooAdapter: yfinance's own parsing, fed by a replay transport; no test touches the network.

The replay answers Yahoo's URLs (cookie host, consent page, getcrumb, v8 chart) from
tests/fixtures/yahoo/ (real values in Yahoo's chart JSON shape, see tests/fixtures/README.md),
records every request, and fails the test on any URL it does not know. The adapter's output is
compared with the CSV rows the fixtures were built from: their verbatim excerpts in
tests/fixtures/yahoo/source/ (so a lone clone runs every comparison), which are checked against
the full upstream files when ../shared/data is there.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from support.shared import need_shared

# Imported at collection, not inside a test: yfinance's import adds a warnings filter that would
# outrank pyproject's filterwarnings for the test that happened to import it first.
from yfinance import cache as yf_cache
from yfinance import exceptions as yf_exceptions
from yfinance.scrapers.history import PriceHistory

from deskapp.data.instruments import YAHOO, LiveSeries
from deskapp.data.yahoo import (
    BACKOFF_BASE,
    BACKOFF_MAX,
    CBOE_VIX,
    NY_1700,
    NYSE,
    YahooAdapter,
    classify,
    close_rule,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"
SOURCE = FIXTURES / "source"  # verbatim excerpts of the upstream CSVs (the rows used)

SERIES = {s.key: s for s in YAHOO}
SPX, DXY, VIX, TNX = (SERIES[k] for k in ("idx.spx", "fx.dxy", "idx.vix", "rates.us10y"))
SPY_ADJ, IWM = SERIES["etfpool.spy"], SERIES["etfpool.iwm"]
SPY_RAW = LiveSeries("etf.spy", "yahoo", "SPY", "bars", "1d", "SPY (raw)", "USD", "raw")
SPY_1H = LiveSeries("etf.spy.1h", "yahoo", "SPY", "bars", "1h", "SPY hourly", "USD", "raw")
GONE = LiveSeries("stk.GONE", "yahoo", "NOSUCHSYM", "bars", "1d", "gone", "USD", "raw")


# ---------------------------------------------------------------- replay transport
@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def recorded(name: str) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), {"Content-Type": "application/json"})


CHARTS = {"^GSPC": recorded("GSPC_1d.json"), "DX-Y.NYB": recorded("DXY_1d.json"),
          "^VIX": recorded("VIX_1d.json"), "^TNX": recorded("TNX_1d.json"),
          "IWM": recorded("empty_result.json")}
CONSENT_PAGE = b"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>"


class UnmatchedRequest(AssertionError):
    """The replay has no answer for this URL."""


class YahooReplay(BaseAdapter):
    """A requests transport that answers Yahoo's URLs from fixtures and records every request.

    `charts` maps a symbol to one answer or a list (used in turn, the last one repeats); an answer
    is a `Reply` or an exception to raise. `down` raises for every URL (the network is gone)."""

    def __init__(self, charts: dict[str, object], down: Exception | None = None):
        super().__init__()
        self.charts = {k: v if isinstance(v, list) else [v] for k, v in charts.items()}
        self.down = down
        self.seen: list[str] = []
        self.unmatched: list[str] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.seen.append(request.url)
        if self.down is not None:
            raise self.down
        answer = self._route(urlsplit(request.url))
        if answer is None:
            self.unmatched.append(request.url)
            raise UnmatchedRequest(request.url)
        if isinstance(answer, BaseException):
            raise answer
        return self._response(request, answer)

    def _route(self, url) -> object | None:
        if url.hostname == "fc.yahoo.com":
            return Reply(404)  # Yahoo answers 404 (with its A3 cookie, not replayed here)
        if url.hostname == "guce.yahoo.com" and url.path == "/consent":
            return Reply(200, CONSENT_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if url.hostname.endswith(".finance.yahoo.com") and url.path == "/v1/test/getcrumb":
            return Reply(200, b"fixture-crumb")
        if url.path.startswith("/v8/finance/chart/"):
            answers = self.charts.get(unquote(url.path.rsplit("/", 1)[1]))
            if answers:
                return answers.pop(0) if len(answers) > 1 else answers[0]
        return None

    @staticmethod
    def _response(request, reply: Reply) -> requests.Response:
        r = requests.Response()
        r.status_code = reply.status
        r.reason = HTTPStatus(reply.status).phrase
        r.headers = CaseInsensitiveDict(reply.headers)
        r._content = reply.body
        r.encoding = "utf-8"
        r.url = request.url
        r.request = request
        return r

    def close(self) -> None:
        """Nothing to release."""

    def charts_asked(self) -> list[tuple[str, dict[str, list[str]]]]:
        """(symbol, query) of every chart request, in order."""
        out = []
        for url in self.seen:
            parts = urlsplit(url)
            if parts.path.startswith("/v8/finance/chart/"):
                out.append((unquote(parts.path.rsplit("/", 1)[1]), parse_qs(parts.query)))
        return out


class Wall:
    """An injectable monotonic clock (seconds)."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real socket connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def yahoo(tmp_path: Path):
    """yahoo(charts, clock=..., down=...) -> (adapter, replay, wall). Checks the replay after."""
    made: list[YahooReplay] = []

    def make(charts: dict[str, object] | None = None, clock: str = "2024-03-16T00:00Z",
             down: Exception | None = None) -> tuple[YahooAdapter, YahooReplay, Wall]:
        replay = YahooReplay(CHARTS if charts is None else charts, down)
        made.append(replay)
        session = requests.Session()
        session.mount("https://", replay)
        session.mount("http://", replay)
        wall = Wall()
        adapter = YahooAdapter(session=session, tz_cache_dir=tmp_path / "yf",
                               clock=lambda: pd.Timestamp(clock), wall=wall,
                               rng=random.Random(7))
        return adapter, replay, wall

    yield make
    for replay in made:
        assert not replay.unmatched, f"unanswered requests: {replay.unmatched}"


def source_csv(rel: str, first: str, last: str, ticker: str | None = None,
               upstream: Path | None = None) -> pd.DataFrame:
    """Rows of the upstream CSV `rel` (path under ../shared/data) from `first` to `last`: from
    its in-repo excerpt, or from the full file under `upstream`."""
    df = pd.read_csv(upstream / rel if upstream is not None else SOURCE / Path(rel).name)
    if ticker is not None:
        df = df[df["ticker"] == ticker]
    key = "time_utc" if "time_utc" in df else "date"
    day = df[key].str[:10]
    return df[(day >= first) & (day <= last)].reset_index(drop=True)


# The rows the comparisons in this module read: (file under ../shared/data, first, last, ticker).
SOURCE_ROWS = [
    ("daily/spx_daily_yahoo_2010_2026.csv", "2024-03-04", "2024-03-15", None),
    ("daily/dxy_daily_yahoo_2010_2026.csv", "2024-03-04", "2024-03-15", None),
    ("daily/vix_daily_cboe_2010_2026.csv", "2024-03-04", "2024-03-15", None),
    ("daily/us10y_daily_fred_dgs10_2015_2026.csv", "2024-10-07", "2024-10-18", None),
    ("daily/spy_qqq_daily_ohlcv_2016_2026.csv", "2025-12-12", "2025-12-24", "SPY"),
    ("daily/etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv", "2025-12-12", "2025-12-24",
     None),
    ("intraday/spy_1h_yahoo_2024_2026.csv", "2024-03-07", "2024-03-12", None),
]


@pytest.mark.parametrize(("rel", "first", "last", "ticker"), SOURCE_ROWS,
                         ids=[Path(r[0]).stem for r in SOURCE_ROWS])
def test_source_excerpts_are_the_upstream_rows(rel, first, last, ticker):
    """The excerpts hold verbatim lines of the upstream file, and every row of it the tests
    read (read from the full file the same way, the frames are equal)."""
    upstream = need_shared()
    lines = (SOURCE / Path(rel).name).read_text().splitlines()
    original = (upstream / rel).read_text().splitlines()
    assert lines[0] == original[0]
    assert set(lines[1:]) <= set(original[1:])
    excerpt = source_csv(rel, first, last, ticker)
    assert len(excerpt) >= 9
    pd.testing.assert_frame_equal(excerpt, source_csv(rel, first, last, ticker, upstream))


def test_every_source_excerpt_is_compared_with_its_upstream_file():
    manifest = json.loads((FIXTURES / "SHA256SUMS.json").read_text())
    assert sorted(manifest["upstream_sha256"]) == sorted(r[0] for r in SOURCE_ROWS)
    assert sorted(p.name for p in SOURCE.iterdir()) == sorted(Path(r[0]).name
                                                             for r in SOURCE_ROWS)


def utc(*stamps: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(s, tz="UTC") for s in stamps]


# ---------------------------------------------------------------- values and stamps
def test_module_import_stays_cheap_and_headless():
    code = ("import sys, deskapp.data.yahoo\n"
            "heavy = {'yfinance', 'requests', 'curl_cffi', 'PySide6', 'pyqtgraph'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_daily_index_round_trips_and_closes_at_the_nyse_close(yahoo):
    adapter, replay, _ = yahoo()
    frames, errors = adapter.fetch([SPX], pd.Timestamp("2024-03-01T00:00Z"))
    assert errors == {}
    spx = frames["idx.spx"]
    src = source_csv("daily/spx_daily_yahoo_2010_2026.csv", "2024-03-04", "2024-03-15")
    assert list(spx.columns) == ["open", "high", "low", "close", "volume"]
    for col in ("open", "high", "low", "close"):
        assert np.array_equal(spx[col].to_numpy(), src[col].to_numpy()), col
    # 16:00 New York: 21:00 UTC in winter, 20:00 UTC once DST starts (2024-03-10)
    assert list(spx.index[:5].strftime("%d %H:%M")) == [f"{d:02d} 21:00" for d in (4, 5, 6, 7, 8)]
    assert list(spx.index[5:].strftime("%d %H:%M")) == [f"{d} 20:00" for d in (11, 12, 13, 14, 15)]
    assert str(spx.index.tz) == "UTC" and spx.index.name == "time"
    # the source has no volume (null in the fixture); yfinance writes 0 for it
    assert (spx["volume"] == 0).all()
    assert [s for s, _ in replay.charts_asked()] == ["^GSPC"]


@pytest.mark.parametrize(("series", "csv", "winter", "summer"), [
    (DXY, "daily/dxy_daily_yahoo_2010_2026.csv", "22:00", "21:00"),  # 17:00 New York
    (VIX, "daily/vix_daily_cboe_2010_2026.csv", "21:15", "20:15"),  # 16:15 New York
])
def test_daily_close_rules_for_the_dollar_index_and_vix(yahoo, series, csv, winter, summer):
    adapter, _, _ = yahoo()
    frames, errors = adapter.fetch([series], pd.Timestamp("2024-03-01T00:00Z"))
    assert errors == {}
    frame = frames[series.key]
    src = source_csv(csv, "2024-03-04", "2024-03-15")
    assert np.array_equal(frame["close"].to_numpy(), src["close"].to_numpy())
    assert np.array_equal(frame["open"].to_numpy(), src["open"].to_numpy())
    assert set(frame.index[:5].strftime("%H:%M")) == {winter}
    assert set(frame.index[5:].strftime("%H:%M")) == {summer}


def test_hourly_bars_close_an_hour_after_open_and_the_last_at_1600_new_york(yahoo):
    adapter, _, _ = yahoo({"SPY": recorded("SPY_1h.json")}, clock="2024-03-13T00:00Z")
    frames, errors = adapter.fetch([SPY_1H], pd.Timestamp("2024-03-07T00:00Z"))
    assert errors == {}
    bars = frames["etf.spy.1h"]
    src = source_csv("intraday/spy_1h_yahoo_2024_2026.csv", "2024-03-07", "2024-03-12")
    src = src[src["time_utc"].str[:10].isin(["2024-03-07", "2024-03-08", "2024-03-11",
                                              "2024-03-12"])]
    for col in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(bars[col].to_numpy(), src[col].to_numpy().astype(float)), col
    day = bars.loc["2024-03-07"].index  # EST: 09:30 New York = 14:30 UTC
    assert list(day.strftime("%H:%M")) == ["15:30", "16:30", "17:30", "18:30", "19:30", "20:30",
                                           "21:00"]  # the 15:30 bar ends at the 16:00 close
    day = bars.loc["2024-03-12"].index  # EDT
    assert list(day.strftime("%H:%M")) == ["14:30", "15:30", "16:30", "17:30", "18:30", "19:30",
                                           "20:00"]


def test_the_bar_still_forming_is_dropped(yahoo):
    adapter, _, _ = yahoo(clock="2024-03-15T19:00Z")  # 15:00 New York: the 15th is still open
    frames, _ = adapter.fetch([SPX], None)
    assert frames["idx.spx"].index[-1] == pd.Timestamp("2024-03-14T20:00Z")

    adapter, _, _ = yahoo(clock="2024-03-15T20:00Z")  # the close itself: the bar is done
    frames, _ = adapter.fetch([SPX], None)
    assert frames["idx.spx"].index[-1] == pd.Timestamp("2024-03-15T20:00Z")

    adapter, _, _ = yahoo({"SPY": recorded("SPY_1h.json")}, clock="2024-03-12T17:45Z")
    frames, _ = adapter.fetch([SPY_1H], None)
    assert frames["etf.spy.1h"].index[-1] == pd.Timestamp("2024-03-12T17:30Z")


def test_a_level_series_is_one_value_column_and_price_less_rows_are_dropped(yahoo):
    adapter, _, _ = yahoo(clock="2024-10-19T00:00Z")
    frames, errors = adapter.fetch([TNX], None)
    assert errors == {}
    tnx = frames["rates.us10y"]
    src = source_csv("daily/us10y_daily_fred_dgs10_2015_2026.csv", "2024-10-07", "2024-10-18")
    src = src.dropna()  # 2024-10-14 is blank in the source: a null row in the fixture
    assert list(tnx.columns) == ["value"]
    assert np.array_equal(tnx["value"].to_numpy(), src["dgs10"].to_numpy())
    assert pd.Timestamp("2024-10-14T20:00Z") not in tnx.index
    assert len(tnx) == 9


def test_adjusted_and_raw_series_ask_yfinance_for_what_they_need(yahoo, monkeypatch):
    asked: list[tuple[str, bool]] = []
    original = PriceHistory.history

    def spy(self, *args, **kwargs):
        asked.append((self.ticker, kwargs["auto_adjust"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PriceHistory, "history", spy)
    adapter, replay, _ = yahoo({"SPY": recorded("SPY_1d.json")}, clock="2025-12-25T00:00Z")
    frames, errors = adapter.fetch([SPY_ADJ, SPY_RAW], pd.Timestamp("2025-12-10T00:00Z"))
    assert errors == {}
    assert sorted(asked) == [("SPY", False), ("SPY", True)]
    # auto_adjust is applied by yfinance to the same answer: both requests are identical
    (_, q1), (_, q2) = replay.charts_asked()
    # (period2 is yfinance's "now", read at each request: a second can turn between the two)
    end1, end2 = int(q1.pop("period2")[0]), int(q2.pop("period2")[0])
    assert abs(end1 - end2) <= 2
    assert q1 == q2 and q1["interval"] == ["1d"] and q1["includePrePost"] == ["False"]

    raw = source_csv("daily/spy_qqq_daily_ohlcv_2016_2026.csv", "2025-12-12", "2025-12-24", "SPY")
    pool = source_csv("daily/etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv", "2025-12-12",
                      "2025-12-24")
    got_raw, got_adj = frames["etf.spy"], frames["etfpool.spy"]
    for col in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(got_raw[col].to_numpy(), raw[col].to_numpy()), col
    assert np.array_equal(got_adj["close"].to_numpy(), pool["spy"].to_numpy())
    ratio = pool["spy"].to_numpy() / raw["close"].to_numpy()  # changes at the 2025-12-19 ex-date
    np.testing.assert_allclose(got_adj["open"].to_numpy(), raw["open"].to_numpy() * ratio,
                               rtol=1e-12)
    assert np.array_equal(got_adj["volume"].to_numpy(), raw["volume"].to_numpy())
    assert got_adj.loc["2025-12-18", "close"].iloc[0] < got_raw.loc["2025-12-18", "close"].iloc[0]


def test_start_becomes_period1_and_defaults_to_the_first_history(yahoo):
    adapter, replay, _ = yahoo({"^GSPC": recorded("GSPC_1d.json"), "SPY": recorded("SPY_1h.json")},
                               clock="2024-03-16T00:00Z")
    adapter.fetch([SPX], pd.Timestamp("2024-03-01T00:00Z"))
    adapter.fetch([SPX], None)  # three years back (FIRST_HISTORY)
    adapter.fetch([SPY_1H], pd.Timestamp("2020-01-01T00:00Z"))  # Yahoo keeps 730 days of hours
    periods = [int(q["period1"][0]) for _, q in replay.charts_asked()]
    now = pd.Timestamp("2024-03-16T00:00Z")
    assert periods == [int(pd.Timestamp("2024-03-01T00:00Z").timestamp()),
                       int((now - pd.Timedelta(days=3 * 365)).timestamp()),
                       int((now - pd.Timedelta(days=729)).timestamp())]
    assert [q["interval"][0] for _, q in replay.charts_asked()] == ["1d", "1d", "1h"]


@pytest.mark.parametrize(("symbol", "rule"), [
    ("^GSPC", NYSE), ("SPY", NYSE), ("^TNX", NYSE), ("^VIX", CBOE_VIX),
    ("DX-Y.NYB", NY_1700), ("ES=F", NY_1700), ("ZQ=F", NY_1700),
])
def test_close_rules_of_the_universe(symbol, rule):
    assert close_rule(symbol) == rule
    assert symbol in {s.symbol for s in YAHOO}


def test_yfinance_caches_go_to_our_folder(yahoo, tmp_path):
    adapter, _, _ = yahoo()
    adapter.fetch([SPX], None)
    assert yf_cache._TzDBManager.get_location() == str(tmp_path / "yf")
    assert yf_cache._CookieDBManager.get_location() == str(tmp_path / "yf")


# ---------------------------------------------------------------- faults
def test_rate_limit_stops_the_batch_and_backs_off(yahoo):
    too_many = Reply(429, b"Too Many Requests", {"Retry-After": "120"})
    adapter, replay, wall = yahoo({**CHARTS, "^GSPC": too_many})
    frames, errors = adapter.fetch([SPX, DXY, VIX], None)
    assert frames == {}
    assert "rate limited" in str(errors["idx.spx"]) and errors["idx.spx"].transient
    assert all(e.transient and e.retry_after >= 120 for e in errors.values())
    assert str(errors["fx.dxy"]).startswith("not fetched after ^GSPC: rate limited")
    assert {s for s, _ in replay.charts_asked()} == {"^GSPC"}  # nothing more was asked
    assert adapter.next_allowed_at >= wall.t + 120
    assert not adapter.due(wall.t)
    asked = len(replay.seen)
    frames, errors = adapter.fetch([DXY], None)  # not due: no request at all
    assert len(replay.seen) == asked and "backing off" in str(errors["fx.dxy"])
    wall.t = adapter.next_allowed_at
    assert adapter.due(wall.t)


@pytest.mark.parametrize("reply", [
    Reply(500, b'{"finance":{"result":null,"error":{"code":"internal-error",'
               b'"description":"Internal Server Error"}}}', {"Content-Type": "application/json"}),
    Reply(502, b"<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"}),
], ids=["500", "502"])
def test_server_errors_are_transient_and_the_failing_symbol_goes_last(yahoo, reply):
    adapter, replay, wall = yahoo({**CHARTS, "^GSPC": reply})
    frames, errors = adapter.fetch([SPX, DXY, VIX], None)
    assert frames == {} and set(errors) == {"idx.spx", "fx.dxy", "idx.vix"}
    assert str(errors["idx.spx"]) == f"^GSPC: Yahoo server error (HTTP {reply.status})"
    assert all(e.transient for e in errors.values())
    assert not adapter.due(wall.t)

    wall.t = adapter.next_allowed_at
    before = len(replay.charts_asked())
    frames, errors = adapter.fetch([SPX, DXY, VIX], None)  # ^GSPC still failing, now last
    assert set(frames) == {"fx.dxy", "idx.vix"} and set(errors) == {"idx.spx"}
    order = [s for s, _ in replay.charts_asked()[before:]]
    assert list(dict.fromkeys(order)) == ["DX-Y.NYB", "^VIX", "^GSPC"]
    assert adapter.due(wall.t)  # the others came back: no backoff


def test_a_failed_request_is_asked_again_next_time(yahoo):
    adapter, replay, wall = yahoo({"^GSPC": [Reply(502, b"<html>Bad Gateway</html>")] * 2
                                   + [recorded("GSPC_1d.json")]})
    _, errors = adapter.fetch([SPX], None)
    assert "HTTP 502" in str(errors["idx.spx"])
    wall.t = adapter.next_allowed_at
    frames, errors = adapter.fetch([SPX], None)
    assert errors == {} and len(frames["idx.spx"]) == 10
    assert adapter.failures == 0 and adapter.due(wall.t)


def test_timeout_is_transient(yahoo):
    adapter, _, _ = yahoo({**CHARTS, "^GSPC": requests.ReadTimeout("read timed out")})
    frames, errors = adapter.fetch([SPX, DXY], None)
    assert str(errors["idx.spx"]) == "^GSPC: no answer from Yahoo within 10 s"
    assert errors["idx.spx"].transient and errors["fx.dxy"].transient
    assert frames == {}


def test_connection_refused_is_transient(yahoo):
    refused = requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    adapter, replay, wall = yahoo(down=refused)
    frames, errors = adapter.fetch([SPX, DXY], None)
    assert frames == {}
    assert "network error" in str(errors["idx.spx"]) and "Connection refused" in str(
        errors["idx.spx"])
    assert errors["idx.spx"].transient and not adapter.due(wall.t)


@pytest.mark.parametrize("body", [
    (FIXTURES / "GSPC_1d.json").read_bytes()[:700],  # truncated
    b"\x00\x17garbage",
], ids=["truncated", "garbage"])
def test_malformed_json_fails_only_its_symbol(yahoo, body):
    adapter, _, wall = yahoo({**CHARTS, "^GSPC": Reply(200, body)})
    frames, errors = adapter.fetch([SPX, DXY, VIX], None)
    assert set(errors) == {"idx.spx"} and set(frames) == {"fx.dxy", "idx.vix"}
    message = str(errors["idx.spx"])
    assert message.startswith("^GSPC: malformed response from Yahoo (not JSON: ")
    assert "\n" not in message and errors["idx.spx"].transient
    assert adapter.due(wall.t)


def test_an_empty_result_fails_only_its_symbol(yahoo):
    adapter, _, _ = yahoo()
    frames, errors = adapter.fetch([IWM, SPX], None)
    assert set(frames) == {"idx.spx"}
    assert str(errors["etfpool.iwm"]) == "IWM: Yahoo returned no bars"
    assert errors["etfpool.iwm"].transient and errors["etfpool.iwm"].key == "etfpool.iwm"


def test_an_unknown_symbol_is_not_transient(yahoo):
    gone = Reply(404, (FIXTURES / "unknown_symbol.json").read_bytes(),
                 {"Content-Type": "application/json"})
    adapter, _, wall = yahoo({**CHARTS, "NOSUCHSYM": gone})
    frames, errors = adapter.fetch([GONE, SPX], None)
    assert set(frames) == {"idx.spx"}
    assert str(errors["stk.GONE"]) == ("NOSUCHSYM: unknown to Yahoo (No data found, symbol may "
                                       "be delisted)")
    assert not errors["stk.GONE"].transient
    assert adapter.due(wall.t)


# ---------------------------------------------------------------- units
def test_backoff_grows_with_jitter_and_resets_on_success():
    wall = Wall(0.0)
    adapter = YahooAdapter(wall=wall, rng=random.Random(3))
    delays = []
    for _ in range(10):
        adapter._back_off(None, rate_limited=False)
        delays.append(adapter.next_allowed_at - wall.t)
    for n, delay in enumerate(delays):
        step = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** n)
        assert step / 2 <= delay <= step
    assert delays[-1] <= BACKOFF_MAX and len(set(delays)) == len(delays)
    adapter._recover()
    assert adapter.due(wall.t) and adapter.failures == 0


def _yf_error(name: str, *args, **kwargs) -> Exception:
    return getattr(yf_exceptions, name)(*args, **kwargs)


@pytest.mark.parametrize(("exc", "status", "transient", "stops", "text"), [
    (lambda: _yf_error("YFRateLimitError"), None, True, True, "rate limited"),
    (lambda: _yf_error("YFPricesMissingError", "X", "", "No data found, symbol may be delisted"),
     None, False, False, "unknown to Yahoo"),
    (lambda: _yf_error("YFPricesMissingError", "X", "",
                       "No data found for this date range, symbol may be delisted"),
     None, True, False, "date range"),
    (lambda: _yf_error("YFPricesMissingError", "X", "(1d 2024-01-01 -> 2024-01-02)"),
     None, True, False, "no bars"),
    (lambda: _yf_error("YFDataException", "*** YAHOO! FINANCE IS CURRENTLY DOWN! ***"),
     None, True, True, "down"),
    (lambda: json.JSONDecodeError("Expecting value", "<html>", 0), None, True, False, "not JSON"),
    (lambda: requests.JSONDecodeError("Expecting value", "<html>", 0), 502, True, True, "HTTP 502"),
    (lambda: __import__("curl_cffi").requests.exceptions.Timeout("slow"), None, True, True,
     "within"),
    (lambda: KeyError("instrumentType"), None, True, False, "unexpected"),
], ids=["429", "delisted", "empty-range", "empty", "down", "json", "json-502", "curl-timeout",
        "other"])
def test_classify_works_without_a_status_too(exc, status, transient, stops, text):
    failure = classify(exc(), "X", status)
    assert failure.transient is transient and failure.stops_batch is stops
    assert text in failure.message and "\n" not in failure.message
