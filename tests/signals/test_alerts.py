"""Alerts (deskapp/signals/alerts.py): what fires, once, and what the cooldown holds.

Hand-made snapshot sequences for each rule, then the bundled replay's real regime changes
(2026-02-risk-off, hour by hour through compute_snapshot) with the numbers in the messages
checked against an independent numpy computation from the raw series.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from deskapp.config import ConfigError, load_config
from deskapp.signals.alerts import KINDS, Alert, AlertEngine, value_of
from deskapp.signals.snapshot import SnapshotCache, compute_snapshot

T0 = pd.Timestamp("2026-01-21T20:00Z")
H = pd.Timedelta(hours=1)
FLAGS = ("growth vol rising", "dollar strength with stable/rising yields",
         "crypto OI rising while BTC 4h trend is down")
STEPS = ("price falling, leverage rising", "long liquidations z >= 2", "volatility rising",
         "OI compressing with volatility up", "second wave")
RULES = ("liquidity shock", "trend break", "volatility event", "risk-on rotation")


def snap(regime: str = "calm", flags: tuple = (False, False, None), zone: str | None = "elevated",
         d30: float | None = 0.5, steps: tuple = (None, None, False, None, None),
         btc_rv: float | None = 1.1, spx_rv: float | None = 0.9) -> dict:
    """A snapshot dict shaped like Snapshot.to_dict(), with only what alerts read."""
    stage = max([i + 1 for i, lit in enumerate(steps) if lit], default=0)
    return {
        "regime": {"name": regime, "scenario": None, "evidence": [
            {"name": r, "lit": r == regime, "evidence": f"evidence of {r}"} for r in RULES]
            + [{"name": "calm", "lit": regime == "calm", "evidence": "no other rule holds"}]},
        "early_warning": {"count": sum(1 for f in flags if f), "flags": [
            {"name": n, "lit": lit, "evidence": f"{n} numbers"} for n, lit in zip(FLAGS, flags,
                                                                                  strict=True)]},
        "correlation": {"zone": zone, "daily_30": d30},
        "flywheel": {"stage": stage, "steps": [
            {"name": n, "lit": lit, "evidence": f"{n} numbers"} for n, lit in zip(STEPS, steps,
                                                                                  strict=True)]},
        "volatility": {"ndx_rv_ratio": None, "spx_rv_ratio": spx_rv, "btc_rv_ratio": btc_rv},
    }


def feed(engine: AlertEngine, seq: list[tuple[pd.Timestamp, dict]]) -> list[Alert]:
    out: list[Alert] = []
    for t, s in seq:
        out.extend(engine.update(s, t, "replay", "test"))
    return out


# ------------------------------------------------------------------ the rules, by hand
def test_the_first_snapshot_is_only_the_baseline():
    engine = AlertEngine()
    assert engine.update(snap("trend break", flags=(True, True, False), zone="stress", d30=0.8,
                              steps=(True, True, True, None, None)), T0) == []
    assert engine.update(snap("trend break", flags=(True, True, False), zone="stress", d30=0.8,
                              steps=(True, True, True, None, None)), T0 + H) == []


def test_one_change_fires_once_with_its_evidence():
    engine = AlertEngine()
    fired = feed(engine, [(T0, snap("calm")),
                          (T0 + H, snap("volatility event", btc_rv=2.31, spx_rv=1.2)),
                          *[(T0 + k * H, snap("volatility event", btc_rv=2.31)) for k in
                            range(2, 30)]])
    assert len(fired) == 1
    a = fired[0]
    assert (a.kind, a.before, a.after) == ("regime", "calm", "volatility event")
    assert a.time == a.since == T0 + H
    assert a.severity == "escalation" and a.marker == "▲"
    assert a.message == ("Regime: calm → volatility event "
                         "(evidence of volatility event)")
    assert (a.source, a.dataset) == ("replay", "test")


def test_a_flap_within_the_cooldown_fires_once():
    engine = AlertEngine({"regime": 240})
    seq = [(T0, snap("calm")), (T0 + H, snap("volatility event")),
           (T0 + 2 * H, snap("calm")), (T0 + 3 * H, snap("volatility event")),
           (T0 + 4 * H, snap("calm")), (T0 + 4.5 * H, snap("volatility event")),
           *[(T0 + k * H, snap("volatility event")) for k in range(5, 12)]]
    fired = feed(engine, seq)
    assert [(a.before, a.after, a.time) for a in fired] == [
        ("calm", "volatility event", T0 + H)]


def test_a_change_that_stands_fires_when_the_cooldown_ends_saying_since_when():
    engine = AlertEngine({"regime": 240})
    seq = [(T0, snap("calm")), (T0 + H, snap("volatility event")),
           (T0 + 2 * H, snap("calm")), (T0 + 3 * H, snap("calm")),
           (T0 + 4 * H, snap("calm")),  # 3 h after the alert: still held
           (T0 + 5 * H, snap("calm")),  # 4 h after: the cooldown has run out
           *[(T0 + k * H, snap("calm")) for k in range(6, 12)]]
    fired = feed(engine, seq)
    assert [(a.before, a.after, a.time, a.since) for a in fired] == [
        ("calm", "volatility event", T0 + H, T0 + H),
        ("volatility event", "calm", T0 + 5 * H, T0 + 2 * H)]
    assert fired[1].severity == "easing" and fired[1].marker == "▼"
    assert "held by the cooldown" in fired[1].message
    assert "since 2026-01-21 22:00 UTC" in fired[1].message
    assert fired[1].message.startswith("Regime: volatility event → calm (volatility event no "
                                       "longer holds: evidence of volatility event)")


def test_after_the_cooldown_a_new_change_fires_at_once():
    engine = AlertEngine({"regime": 240})
    fired = feed(engine, [(T0, snap("calm")), (T0 + H, snap("volatility event")),
                          (T0 + 5 * H, snap("calm")), (T0 + 10 * H, snap("volatility event"))])
    assert [(a.after, a.time, a.since) for a in fired] == [
        ("volatility event", T0 + H, T0 + H), ("calm", T0 + 5 * H, T0 + 5 * H),
        ("volatility event", T0 + 10 * H, T0 + 10 * H)]


def test_an_escalation_past_the_cooldowns_peak_is_not_delayed():
    engine = AlertEngine({"regime": 240})
    fired = feed(engine, [(T0, snap("calm")), (T0 + H, snap("volatility event")),
                          (T0 + 2 * H, snap("liquidity shock")),  # worse: at once
                          (T0 + 3 * H, snap("volatility event")),  # easing: held
                          (T0 + 4 * H, snap("trend break")),  # below the peak: held
                          (T0 + 5 * H, snap("liquidity shock"))])  # back: nothing
    assert [(a.before, a.after, a.time) for a in fired] == [
        ("calm", "volatility event", T0 + H),
        ("volatility event", "liquidity shock", T0 + 2 * H)]


def test_zero_cooldown_fires_every_change():
    engine = AlertEngine({"regime": 0})
    fired = feed(engine, [(T0 + k * H, snap("calm" if k % 2 else "volatility event"))
                          for k in range(6)])
    assert len(fired) == 5


@pytest.mark.parametrize("unknown", [
    snap("undetermined", flags=(None, None, None), zone=None, d30=None,
         steps=(None, None, None, None, None)),
    {},  # nothing at all
])
def test_unknown_values_never_fire(unknown):
    engine = AlertEngine({k: 0 for k in KINDS})
    known = snap("calm", flags=(False, True, None), zone="elevated",
                 steps=(None, None, True, None, None))
    assert all(value_of(k, unknown) is None for k in KINDS)
    assert feed(engine, [(T0, known), (T0 + H, unknown), (T0 + 2 * H, unknown),
                         (T0 + 3 * H, known)]) == []
    # a different known value after the gap fires, against the last known one
    later = feed(engine, [(T0 + 4 * H, unknown), (T0 + 5 * H, snap("trend break", flags=(
        False, True, None), zone="elevated", steps=(None, None, True, None, None)))])
    assert [(a.kind, a.before, a.after) for a in later] == [("regime", "calm", "trend break")]


def test_unknown_at_start_then_the_first_known_value_is_the_baseline():
    engine = AlertEngine()
    blank = snap("undetermined", flags=(None, None, None), zone=None, d30=None,
                 steps=(None,) * 5)
    assert feed(engine, [(T0, blank), (T0 + H, snap("trend break", zone="stress", d30=0.8))]) \
        == []


@pytest.mark.parametrize(("before", "after", "kind", "change", "severity", "reason"), [
    (snap(flags=(False, False, None)), snap(flags=(True, True, None)), "early_warning",
     "Early warning: 0 → 2 of 3", "escalation",
     "(lit: growth vol rising: growth vol rising numbers; dollar strength with stable/rising "
     "yields: dollar strength with stable/rising yields numbers; 1 flag unknown)"),
    (snap(flags=(True, True, False)), snap(flags=(True, False, False)), "early_warning",
     "Early warning: 2 → 1 of 3", "easing",
     "(cleared: dollar strength with stable/rising yields: dollar strength with stable/rising "
     "yields numbers)"),
    (snap(zone="elevated", d30=0.55), snap(zone="stress", d30=0.74), "correlation_zone",
     "Correlation zone: elevated → stress", "escalation",
     "(S&P–BTC daily 30 correlation 0.74 ≥ 0.7)"),
    (snap(zone="elevated", d30=0.35), snap(zone="decoupled", d30=0.21), "correlation_zone",
     "Correlation zone: elevated → decoupled", "easing",
     "(S&P–BTC daily 30 correlation 0.21 < 0.3)"),
    (snap(steps=(None, None, False, None, None)), snap(steps=(True, None, True, None, None)),
     "flywheel", "Flywheel stage: 0 → 3 of 5", "escalation",
     "(step 3 volatility rising: volatility rising numbers)"),
    (snap(steps=(True, None, True, None, None)), snap(steps=(False, None, False, None, None)),
     "flywheel", "Flywheel stage: 3 → 0 of 5", "easing", "(no step lit in the last 72 h)"),
    (snap("calm"), snap("trend break"), "regime", "Regime: calm → trend break", "escalation",
     "(evidence of trend break)"),
    (snap("calm"), snap("risk-on rotation"), "regime", "Regime: calm → risk-on rotation",
     "easing", "(evidence of risk-on rotation)"),
])
def test_each_kind(before, after, kind, change, severity, reason):
    engine = AlertEngine()
    fired = feed(engine, [(T0, before), (T0 + H, after)])
    assert len(fired) == 1
    a = fired[0]
    assert a.kind == kind and a.severity == severity
    assert a.message == f"{change} {reason}"
    assert "\n" not in a.message


def test_kinds_keep_separate_cooldowns():
    engine = AlertEngine({"regime": 240, "correlation_zone": 0})
    fired = feed(engine, [(T0, snap("calm", zone="elevated")),
                          (T0 + H, snap("volatility event", zone="stress", d30=0.8)),
                          (T0 + 2 * H, snap("calm", zone="elevated", d30=0.6))])
    assert [(a.kind, a.after) for a in fired] == [
        ("regime", "volatility event"), ("correlation_zone", "stress"),
        ("correlation_zone", "elevated")]


def test_a_seek_back_or_another_dataset_starts_a_new_baseline():
    engine = AlertEngine()
    assert len(feed(engine, [(T0, snap("calm")), (T0 + H, snap("trend break"))])) == 1
    # back in time (a replay seek): the snapshot there is the new baseline, no alert
    assert engine.update(snap("calm"), T0 - 10 * H, "replay", "test") == []
    # and the cooldown is forgotten with it: the change plays again
    assert len(engine.update(snap("trend break"), T0 - 9 * H, "replay", "test")) == 1
    assert engine.update(snap("calm"), T0 - 8 * H, "replay", "another") == []
    assert engine.update(snap("calm"), T0 - 7 * H, "live", "") == []


def test_alert_records_round_trip_through_json():
    engine = AlertEngine({"regime": 60})
    fired = feed(engine, [(T0, snap("calm")), (T0 + H, snap("volatility event")),
                          (T0 + 1.5 * H, snap("calm")), (T0 + 3 * H, snap("calm"))])
    assert len(fired) == 2 and fired[1].since < fired[1].time
    for a in fired:
        assert Alert.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    with pytest.raises((ValueError, KeyError)):
        Alert.from_dict({"kind": "weather", "severity": "easing"})


def test_bad_cooldowns_are_refused():
    with pytest.raises(ValueError, match="unknown alert kinds"):
        AlertEngine({"regimes": 10})
    with pytest.raises(ValueError, match="negative"):
        AlertEngine({"regime": -1})


# ------------------------------------------------------------------ config
def test_alert_defaults_come_from_the_default_config():
    cfg = load_config().alerts
    assert cfg.cooldowns == {"regime": 240, "early_warning": 240, "correlation_zone": 240,
                             "flywheel": 240}
    assert cfg.tray is True and cfg.history_file is True and cfg.banner_seconds == 30


@pytest.mark.parametrize(("text", "shown"), [
    ("[alerts.cooldown_minutes]\nregime = -5\n", "'alerts.cooldown_minutes.regime' must be "
                                                  "minutes from 0 to 525600, got -5"),
    ("[alerts.cooldown_minutes]\nregime = 1.5\n", "'alerts.cooldown_minutes.regime' must be "
                                                   "int, got float 1.5"),
    ("[alerts.cooldown_minutes]\nregimes = 5\n", "unknown key 'alerts.cooldown_minutes.regimes'"),
    ("[alerts]\ntray = \"yes\"\n", "'alerts.tray' must be bool, got str 'yes'"),
    ("[alerts]\nbanner_seconds = 0\n", "'alerts.banner_seconds' must be seconds from 1 to "
                                      "86400, got 0"),
])
def test_alert_config_errors_name_file_and_key(tmp_path, text, shown):
    user = tmp_path / "config.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert str(user) in msg and shown in msg and "\n" not in msg


def test_a_user_cooldown_overrides_one_kind(tmp_path):
    user = tmp_path / "config.toml"
    user.write_text("[alerts.cooldown_minutes]\nregime = 2880\n", encoding="utf-8")
    assert load_config(user).alerts.cooldowns == {
        "regime": 2880, "early_warning": 240, "correlation_zone": 240, "flywheel": 240}


# ------------------------------------------------------------------ the bundled replay
@pytest.fixture(scope="module")
def hourly(datasets) -> dict[pd.Timestamp, dict]:
    """2026-02-risk-off snapshots every hour from 2026-01-20 to 2026-02-08 (market time)."""
    ds = datasets("2026-02-risk-off")
    cache = SnapshotCache()
    return {t: compute_snapshot(ds.frames, t, ds.meta, cache=cache).to_dict()
            for t in pd.date_range("2026-01-20T00:00Z", "2026-02-08T00:00Z", freq="1h")}


def rv_ratio(datasets, key: str, asof: str) -> float:
    """RV(5)/RV(60) of daily closes at `asof`, straight from the stored series (numpy)."""
    frame = datasets("2026-02-risk-off").frames[key]
    close = frame.loc[frame.index <= pd.Timestamp(asof), "close"].dropna().to_numpy()
    r = np.diff(np.log(close))
    return float(np.std(r[-5:], ddof=1) / np.std(r[-60:], ddof=1))


def regime_alerts(hourly, start: str, end: str, cooldown_min: int) -> list[Alert]:
    engine = AlertEngine({**load_config().alerts.cooldowns, "regime": cooldown_min})
    out = []
    for t, s in hourly.items():
        if pd.Timestamp(start) <= t <= pd.Timestamp(end):
            out.extend(a for a in engine.update(s, t, "replay", "2026-02-risk-off")
                       if a.kind == "regime")
    return out


def vix_5d_change(datasets, asof: str) -> tuple[float, float]:
    """The VIX close and its 5-session change at `asof`, straight from the stored series."""
    frame = datasets("2026-02-risk-off").frames["idx.vix"]
    close = frame.loc[frame.index <= pd.Timestamp(asof), "close"].dropna().to_numpy()
    return float(close[-1]), float(close[-1] - close[-6])


def btc_closes_day_so_far(datasets, asof: str) -> np.ndarray:
    """BTC's daily closes at `asof` with the UTC day so far as the last point (the last Binance
    hourly close after 00:00 UTC, SIGNALS.md Conventions), straight from the stored series."""
    ds = datasets("2026-02-risk-off")
    t = pd.Timestamp(asof)
    daily = ds.frames["crypto.btc"]
    close = daily.loc[daily.index <= t, "close"].dropna().to_numpy()
    hourly = ds.frames["crypto.btcusdt.1h"]["close"]
    today = hourly[(hourly.index > t.floor("D")) & (hourly.index <= t)]
    if t != t.floor("D") and len(today):
        close = np.append(close, today.iloc[-1])
    return close


def btc_drawdown_90d(datasets, asof: str) -> float:
    close = btc_closes_day_so_far(datasets, asof)
    return float(close[-1] / close[-90:].max() - 1)


def test_a_real_regime_change_fires_exactly_once(hourly, datasets):
    """calm -> crypto stress at 2026-02-03 19:00 UTC, BTC -7.1 % on the UTC day so far (its
    provisional daily point): its daily RV(5)/RV(60) above 1.5 in a downtrend, more than 30 %
    below its 90-day high, while equities are calm. One alert at that hour, none in the other
    hours of the window before it."""
    t = pd.Timestamp("2026-02-03T19:00Z")
    assert hourly[t - H]["regime"]["name"] == "calm"
    assert hourly[t]["regime"]["name"] == "crypto stress"
    close = btc_closes_day_so_far(datasets, str(t))
    r = np.diff(np.log(close))
    ratio = float(np.std(r[-5:], ddof=1) / np.std(r[-60:], ddof=1))
    dd, dd_before = (btc_drawdown_90d(datasets, str(t)),
                     btc_drawdown_90d(datasets, str(t - H)))
    assert ratio >= 1.5 and dd <= -0.30 < dd_before  # the day so far crosses the line
    fired = regime_alerts(hourly, "2026-02-02T00:00Z", "2026-02-03T19:00Z",
                          load_config().alerts.cooldowns["regime"])
    assert len(fired) == 1
    a = fired[0]
    assert (a.before, a.after, a.time, a.since) == ("calm", "crypto stress", t, t)
    assert f"RV(5)/RV(60) {ratio:.2f} vs 1.5, 1d trend down, {dd:+.0%} from its 90-day high" \
        in a.message


def test_a_real_flap_is_held_by_the_cooldown(hourly, datasets):
    """At 21:00 UTC on 2026-01-21 the S&P 500's session has closed with RV(5)/RV(60) >= 1.5 and
    the newest VIX close (01-20) is 4.1 points above five sessions earlier: a confirmed spike. At
    21:15 the 01-21 VIX close (16.9) arrives, the confirmation is gone, the regime is calm again
    at 22:00. With a 4 h cooldown both changes fire, the second when the cooldown ends; with 48 h
    the return to calm is held for two days and says since when."""
    t = pd.Timestamp("2026-01-21T21:00Z")
    assert rv_ratio(datasets, "idx.spx", str(t)) >= 1.5
    vix_then, change_then = vix_5d_change(datasets, str(t))
    vix_after, change_after = vix_5d_change(datasets, str(t + H))
    assert vix_then < 20.5 and change_then >= 3.0 > change_after and vix_after < 20.5
    assert [hourly[x]["regime"]["name"] for x in (t - H, t, t + H)] == \
        ["calm", "volatility event", "calm"]
    every = regime_alerts(hourly, "2026-01-20T00:00Z", "2026-01-27T00:00Z", 240)
    assert [(a.after, a.time, a.since) for a in every] == [
        ("volatility event", t, t), ("calm", t + 4 * H, t + H)]
    assert f"VIX 5d {change_then:+.1f} vs +3.0" in every[0].message
    held = regime_alerts(hourly, "2026-01-20T00:00Z", "2026-01-27T00:00Z", 48 * 60)
    assert [(a.after, a.time, a.since) for a in held] == [
        ("volatility event", t, t), ("calm", t + 48 * H, t + H)]

