"""Alerts when the regime, the early-warning count, the correlation zone or the flywheel stage
changes (DESIGN.md section 7). Pure: no Qt, no I/O, no clock of its own.

`AlertEngine.update(snapshot, at)` is fed successive snapshots (a Snapshot or its dict) with
their market time and returns the `Alert`s they cause:

- the first known value of a kind is the baseline: nothing fires on start-up;
- an unknown value (regime "undetermined", zone null, every flag or step unknown) changes
  nothing and fires nothing;
- a change fires at once, unless the kind fired less than its cooldown (market time) ago: then
  it is held. A held change that reverts within the cooldown (A -> B fired, B -> A -> B) never
  fires; one that still stands when the cooldown has run out fires then, once, saying since when.
  Exception: an escalation past every level announced within the cooldown fires at once
  (a worsening is never delayed, and it can happen at most a few times per cooldown);
- market time going backwards (a replay seek), or another source or dataset, starts a new
  baseline: no storm of alerts comparing unrelated moments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from deskapp.signals.correlation import ZONE_ELEVATED, ZONE_STRESS
from deskapp.signals.regime import UNDETERMINED

KINDS = ("regime", "early_warning", "correlation_zone", "flywheel")
TITLES = {"regime": "Regime", "early_warning": "Early warning",
          "correlation_zone": "Correlation zone", "flywheel": "Flywheel stage"}
DEFAULT_COOLDOWN = pd.Timedelta(hours=4)

# Order of severity (higher = more risk-off); a move up is an escalation, down an easing.
REGIME_RANK = {"risk-on rotation": 0, "calm": 1, "crypto stress": 2, "volatility event": 2,
               "trend break": 3, "liquidity shock": 4}
ZONE_RANK = {"decoupled": 0, "elevated": 1, "stress": 2}
ESCALATION, EASING, CHANGE = "escalation", "easing", "change"
MARKERS = {ESCALATION: "▲", EASING: "▼", CHANGE: "●"}


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    before: str | int
    after: str | int
    time: pd.Timestamp  # market time (UTC) the alert fired
    since: pd.Timestamp  # market time the new value first showed (earlier if held by the cooldown)
    severity: str  # escalation | easing | change
    message: str  # one line, with the evidence
    source: str = ""  # replay | live | cache
    dataset: str = ""

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind)

    @property
    def change(self) -> str:
        return f"{self.before} → {self.after}"

    @property
    def marker(self) -> str:
        """A shape for the severity, so it never depends on colour alone."""
        return MARKERS.get(self.severity, "●")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": self.before, "after": self.after,
                "time": _iso(self.time), "since": _iso(self.since), "severity": self.severity,
                "message": self.message, "source": self.source, "dataset": self.dataset}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Alert:
        """The inverse of `to_dict`; KeyError / ValueError / TypeError for a malformed record."""
        kind, sev = d["kind"], d["severity"]
        if kind not in KINDS or sev not in MARKERS or not isinstance(d["message"], str):
            raise ValueError(f"not an alert record: {dict(d)!r}")
        for k in ("before", "after"):
            if not isinstance(d[k], str | int) or isinstance(d[k], bool):
                raise ValueError(f"alert '{k}' must be a text or a number: {d[k]!r}")
        return cls(kind, d["before"], d["after"], _utc(d["time"]), _utc(d["since"]), sev,
                   d["message"], str(d.get("source") or ""), str(d.get("dataset") or ""))


def _utc(t: Any) -> pd.Timestamp:
    t = pd.Timestamp(t)
    if t is pd.NaT or pd.isna(t):
        raise ValueError("no time")
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _iso(t: pd.Timestamp) -> str:
    return t.isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ reading a snapshot
def _section(snap: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    node = snap.get(name)
    return node if isinstance(node, Mapping) else {}


def _all_unknown(items: Any) -> bool:
    """A list of evidence items, every one unknown (lit None): the number cannot be told."""
    return bool(items) and all(isinstance(i, Mapping) and i.get("lit") is None for i in items)


def value_of(kind: str, snap: Mapping[str, Any]) -> str | int | None:
    """The watched value of `kind` in a snapshot dict; None when it cannot be computed."""
    if kind == "regime":
        name = _section(snap, "regime").get("name")
        return name if isinstance(name, str) and name and name != UNDETERMINED else None
    if kind == "correlation_zone":
        zone = _section(snap, "correlation").get("zone")
        return zone if isinstance(zone, str) and zone else None
    key, items = {"early_warning": ("count", "flags"), "flywheel": ("stage", "steps")}[kind]
    node = _section(snap, kind)
    value = node.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or _all_unknown(node.get(items)):
        return None
    return value


def rank(kind: str, value: str | int | None) -> int | None:
    if value is None:
        return None
    if kind == "regime":
        return REGIME_RANK.get(value)  # type: ignore[arg-type]
    if kind == "correlation_zone":
        return ZONE_RANK.get(value)  # type: ignore[arg-type]
    return int(value)


def severity(kind: str, before: str | int, after: str | int) -> str:
    a, b = rank(kind, before), rank(kind, after)
    if a is None or b is None or a == b:
        return CHANGE
    return ESCALATION if b > a else EASING


# ------------------------------------------------------------------ evidence, one line
def _items(snap: Mapping[str, Any], kind: str, key: str) -> list[Mapping[str, Any]]:
    items = _section(snap, kind).get(key) or []
    return [i for i in items if isinstance(i, Mapping)]


def _regime_reason(before: str, after: str, snap: Mapping[str, Any]) -> str:
    rules = {e.get("name"): str(e.get("evidence", "")) for e in _items(snap, "regime", "evidence")}
    if after == "calm" and before in rules:
        return f"{before} no longer holds: {rules[before]}"
    return rules.get(after, "")


def _flags_reason(before: int, after: int, snap: Mapping[str, Any],
                  earlier: Mapping[str, Any] | None) -> str:
    now = _items(snap, "early_warning", "flags")
    was = {f.get("name"): f.get("lit") for f in _items(earlier or {}, "early_warning", "flags")}
    if after > before:
        moved = [f for f in now if f.get("lit") and not was.get(f.get("name"))]
        word = "lit"
    else:
        moved = [f for f in now if not f.get("lit") and was.get(f.get("name"))]
        word = "cleared"
    if not moved:  # no earlier flags to compare with: name what is lit now
        moved, word = [f for f in now if f.get("lit")], "lit"
    text = "; ".join(f"{f.get('name')}: {f.get('evidence')}" for f in moved)
    unknown = sum(1 for f in now if f.get("lit") is None)
    parts = [f"{word}: {text}" if text else "no flag lit"]
    if unknown:
        parts.append(f"{unknown} flag{'s' if unknown > 1 else ''} unknown")
    return "; ".join(parts)


def _zone_reason(after: str, snap: Mapping[str, Any]) -> str:
    d30 = _section(snap, "correlation").get("daily_30")
    if not isinstance(d30, int | float):
        return ""
    test = {"stress": f"≥ {ZONE_STRESS:g}", "decoupled": f"< {ZONE_ELEVATED:g}"}.get(
        after, f"in {ZONE_ELEVATED:g}–{ZONE_STRESS:g}")
    return f"S&P–BTC daily 30 correlation {d30:.2f} {test}"


def _stage_reason(before: int, after: int, snap: Mapping[str, Any]) -> str:
    steps = _items(snap, "flywheel", "steps")
    if after == 0:
        return "no step lit in the last 72 h"
    if after <= len(steps):
        s = steps[after - 1]
        return f"step {after} {s.get('name')}: {s.get('evidence')}"
    return ""


def describe(kind: str, before: Any, after: Any, snap: Mapping[str, Any],
             earlier: Mapping[str, Any] | None = None) -> str:
    """The one-line message: what changed, and the evidence in `snap` that changed it."""
    if kind == "regime":
        reason, change = _regime_reason(before, after, snap), f"{before} → {after}"
    elif kind == "early_warning":
        reason, change = _flags_reason(before, after, snap, earlier), f"{before} → {after} of 3"
    elif kind == "correlation_zone":
        reason, change = _zone_reason(after, snap), f"{before} → {after}"
    else:
        reason, change = _stage_reason(before, after, snap), f"{before} → {after} of 5"
    line = f"{TITLES[kind]}: {change}" + (f" ({reason})" if reason else "")
    return " ".join(line.split())  # one line, whatever the evidence held


# ------------------------------------------------------------------ the engine
@dataclass
class _State:
    announced: str | int | None = None  # the baseline, then the last value an alert announced
    context: Mapping[str, Any] | None = None  # the snapshot at that moment (for "cleared")
    fired_at: pd.Timestamp | None = None
    peak: int | None = None  # highest rank announced within the running cooldown
    pending: tuple[str | int, pd.Timestamp] | None = None  # held value, first seen at


@dataclass
class AlertEngine:
    """Turns successive snapshots into alerts; see the module docstring for the rules.

    `cooldowns`: market time per kind (pd.Timedelta, timedelta or minutes as a number);
    a kind not given gets DEFAULT_COOLDOWN.
    """

    cooldowns: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.cooldowns) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown alert kinds: {sorted(unknown)}")
        self.cooldown = {k: _span(self.cooldowns.get(k, DEFAULT_COOLDOWN)) for k in KINDS}
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next snapshot is a new baseline."""
        self._states = {k: _State() for k in KINDS}
        self._last: pd.Timestamp | None = None
        self._stream: tuple = ()

    @property
    def last_time(self) -> pd.Timestamp | None:
        """The market time of the last snapshot fed."""
        return self._last

    def update(self, snapshot: Mapping[str, Any], at: Any, source: str = "",
               dataset: str = "") -> list[Alert]:
        """The alerts that `snapshot`, valid at market time `at`, fires (often none)."""
        t = _utc(at)
        if hasattr(snapshot, "to_dict"):
            snapshot = snapshot.to_dict()
        stream = (source, dataset)
        if self._last is not None and (t < self._last or stream != self._stream):
            self.reset()  # a seek back, or another market: a new baseline
        self._last, self._stream = t, stream
        fired = []
        for kind in KINDS:
            alert = self._one(kind, value_of(kind, snapshot), t, snapshot, source, dataset)
            if alert is not None:
                fired.append(alert)
        return fired

    def _one(self, kind: str, value: str | int | None, t: pd.Timestamp,
             snap: Mapping[str, Any], source: str, dataset: str) -> Alert | None:
        st = self._states[kind]
        if value is None:
            return None  # not computable now: nothing is known to have changed
        if st.announced is None:
            st.announced, st.context = value, snap  # the baseline
            return None
        if value == st.announced:
            st.pending = None  # back where the last alert left it: a flap, silently dropped
            return None
        if st.pending is None or st.pending[0] != value:
            st.pending = (value, t)
        cooling = st.fired_at is not None and t - st.fired_at < self.cooldown[kind]
        r = rank(kind, value)
        if cooling and (r is None or st.peak is None or r <= st.peak):
            return None  # held until the cooldown has run out
        before, since = st.announced, st.pending[1]
        message = describe(kind, before, value, snap, st.context)
        if since < t:
            message += f" — since {since:%Y-%m-%d %H:%M} UTC, held by the cooldown"
        ranks = [x for x in (rank(kind, before), r) if x is not None]
        if cooling:  # an escalation past the peak (only those get through a cooldown)
            st.peak = max([st.peak, *ranks])
        else:
            st.peak = max(ranks) if ranks else None
        st.announced, st.context, st.fired_at, st.pending = value, snap, t, None
        return Alert(kind, before, value, t, since, severity(kind, before, value), message,
                     source, dataset)


def _span(value: Any) -> pd.Timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        span = pd.Timedelta(minutes=value)
    elif isinstance(value, timedelta | pd.Timedelta):
        span = pd.Timedelta(value)
    else:
        raise ValueError(f"a cooldown must be minutes or a timedelta, got {value!r}")
    if span < pd.Timedelta(0):
        raise ValueError(f"a cooldown cannot be negative: {value!r}")
    return span
