"""LiveSource: paints from the cache first, fetches only what is due, reports failures once."""

from __future__ import annotations

import pandas as pd

from deskapp.data.errors import SourceError
from deskapp.data.instruments import LiveSeries
from deskapp.data.live import LiveSource, MultiVenueAdapter

H1 = LiveSeries("crypto.btcusdt.1h", "exchange", "BTC/USDT:USDT", "bars", "1h", "BTC", "USDT",
                venue="binanceusdm")
D1 = LiveSeries("idx.spx", "yahoo", "^GSPC", "bars", "1d", "SPX", "pts")


def bars(times: list[str], closes: list[float]) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    return pd.DataFrame({"close": closes}, index=idx)


class FakeCache:
    def __init__(self, frames=None):
        self.frames = dict(frames or {})
        self.puts: list[tuple[str, int]] = []

    def get_all(self):
        return dict(self.frames), {}

    def put(self, key, frame, meta=None):
        self.puts.append((key, len(frame)))
        return len(frame)


class FakeAdapter:
    def __init__(self, answers):
        self.answers = list(answers)  # each: (frames, errors) or an exception
        self.calls: list[tuple[list[str], dict]] = []
        self.is_due = True

    def due(self, now):
        return self.is_due

    def fetch(self, series, since):
        self.calls.append(([s.key for s in series], since))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self, t: str):
        self.t = pd.Timestamp(t)

    def __call__(self):
        return self.t


def test_first_poll_hands_on_the_cache_without_fetching():
    cached = bars(["2026-02-10T10:00Z", "2026-02-10T11:00Z"], [100.0, 101.0])
    adapter = FakeAdapter([])
    src = LiveSource("crypto", adapter, [H1], FakeCache({H1.key: cached}),
                     clock=Clock("2026-02-10T11:30Z"))
    batch = src.poll()
    assert adapter.calls == []
    assert batch.source == "live"
    pd.testing.assert_frame_equal(batch.frames[H1.key], cached)


def test_second_poll_fetches_from_the_last_bar_minus_overlap_and_merges():
    cached = bars(["2026-02-10T10:00Z", "2026-02-10T11:00Z"], [100.0, 101.0])
    fresh = bars(["2026-02-10T11:00Z", "2026-02-10T12:00Z"], [101.5, 102.0])  # 11:00 revised
    cache = FakeCache({H1.key: cached})
    adapter = FakeAdapter([({H1.key: fresh}, {})])
    clock = Clock("2026-02-10T12:05Z")
    src = LiveSource("crypto", adapter, [H1], cache, clock=clock)
    src.poll()
    batch = src.poll()
    keys, since = adapter.calls[0]
    assert keys == [H1.key]
    assert since[H1.key] == pd.Timestamp("2026-02-10T08:00Z")  # last bar 11:00 minus 3h overlap
    got = batch.frames[H1.key]
    assert list(got["close"]) == [100.0, 101.5, 102.0]
    assert cache.puts == [(H1.key, 2)]
    # asked again within the 1h series' refresh time: no new request
    clock.t += pd.Timedelta(seconds=30)
    assert src.poll().frames == {}
    assert len(adapter.calls) == 1


def test_a_failure_is_reported_once_with_since_when_and_cleared_by_data():
    adapter = FakeAdapter([({}, {D1.key: SourceError("HTTP 502", D1.key)}),
                           ({}, {D1.key: SourceError("HTTP 502", D1.key)}),
                           ({D1.key: bars(["2026-02-09T21:00Z"], [6900.0])}, {})])
    clock = Clock("2026-02-10T12:00Z")
    src = LiveSource("yahoo", adapter, [D1], None, clock=clock)
    src.poll()
    first = src.poll()
    assert first.errors == {D1.key: "HTTP 502 (since 12:00 UTC)"}
    clock.t += pd.Timedelta(minutes=6)
    assert src.poll().errors == {}  # the same failure again: nothing new to say
    clock.t += pd.Timedelta(minutes=6)
    recovered = src.poll()
    assert D1.key in recovered.frames and D1.key not in src.errors


def test_backoff_means_no_request_and_a_quiet_clock():
    adapter = FakeAdapter([])
    adapter.is_due = False
    clock = Clock("2026-02-10T12:00Z")
    src = LiveSource("yahoo", adapter, [D1], None, clock=clock)
    src.poll()
    b1 = src.poll()
    clock.t += pd.Timedelta(seconds=10)
    b2 = src.poll()
    assert adapter.calls == []
    assert b1.clock == b2.clock  # nothing new and under the heartbeat: the clock stays put
    clock.t += pd.Timedelta(seconds=31)
    assert src.poll().clock == clock.t


def test_an_adapter_exception_marks_every_series_and_keeps_the_desk_running():
    adapter = FakeAdapter([RuntimeError("boom")])
    src = LiveSource("yahoo", adapter, [D1], None, clock=Clock("2026-02-10T12:00Z"))
    src.poll()
    batch = src.poll()
    assert "RuntimeError: boom" in batch.errors[D1.key]


def test_multi_venue_adapter_isolates_a_failing_venue():
    okx = LiveSeries("deriv.btc_funding_8h.okx", "exchange", "BTC/USDT:USDT", "funding", "8h",
                     "f", "x", venue="okx")
    good = FakeAdapter([({H1.key: bars(["2026-02-10T12:00Z"], [1.0])}, {})])
    bad = FakeAdapter([SourceError("okx down")])
    multi = MultiVenueAdapter({"binanceusdm": good, "okx": bad})
    frames, errors = multi.fetch([H1, okx], {})
    assert list(frames) == [H1.key]
    assert str(errors[okx.key]) == "okx down"
    assert good.calls[0][0] == [H1.key] and bad.calls[0][0] == [okx.key]
