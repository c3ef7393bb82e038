"""DIR/report.html: self-contained (inline SVG, no scripts, no network)."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

PALETTE = ("#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#1f77b4", "#7f7f7f")
CALM = "#ffffff"


HINTS = (("shock", "#d62728"), ("break", "#8c1c13"), ("stress", "#e377c2"),
         ("volatility", "#ff7f0e"), ("risk-on", "#2ca02c"), ("undetermined", "#7f7f7f"))


def regime_colours(names: list[str]) -> dict[str, str]:
    """A colour per regime name found in the data (by a word in the name where one fits, else
    from the palette); calm stays white."""
    out: dict[str, str] = {}
    free = [c for c in PALETTE if c not in {h for _, h in HINTS}]
    for n in sorted(set(names)):
        hint = next((c for word, c in HINTS if word in n.lower() and c not in out.values()),
                    None)
        if n == "calm":
            out[n] = CALM
        elif hint:
            out[n] = hint
        else:
            out[n] = free[len([v for v in out.values() if v in free]) % len(free)]
    return out


def _esc(x: object) -> str:
    return html.escape(str(x))


def timeline_svg(timeline: pd.DataFrame, colours: dict[str, str], width: int = 1100,
                 panel: int = 200) -> str:
    """S&P 500 and BTC closes (log scale) over regime-shaded bands, one panel each."""
    t = timeline.index.as_unit("ns").asi8.astype("float64")
    if len(t) < 2:
        return "<p>(too few days to draw)</p>"
    left, right, gap = 60, 10, 30
    w = width - left - right
    x = left + (t - t[0]) / (t[-1] - t[0]) * w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{2 * panel + 3 * gap}" font-family="sans-serif" font-size="11">']
    regimes = timeline["regime"].astype(str).to_numpy()
    for k, (col, label) in enumerate((("spx", "S&amp;P 500"), ("btc", "BTC"))):
        top = gap + k * (panel + gap)
        # regime bands: runs of one regime
        start = 0
        for i in range(1, len(regimes) + 1):
            if i == len(regimes) or regimes[i] != regimes[start]:
                x0 = x[start]
                x1 = x[i] if i < len(regimes) else x[-1] + 1
                c = colours.get(regimes[start], CALM)
                if c != CALM:
                    parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.8):.1f}" '
                                 f'height="{panel}" fill="{c}" fill-opacity="0.35"/>')
                start = i
        parts.append(f'<rect x="{left}" y="{top}" width="{w}" height="{panel}" fill="none" '
                     'stroke="#999"/>')
        v = timeline[col].to_numpy(dtype="float64")
        ok = np.isfinite(v) & (v > 0)
        parts.append(f'<text x="{left + 4}" y="{top - 6}" font-weight="bold">{label} '
                     '(log scale)</text>')
        if ok.sum() < 2:
            parts.append(f'<text x="{left + 10}" y="{top + 20}">no closes in this range</text>')
            continue
        lv = np.log10(v[ok])
        lo, hi = lv.min(), lv.max()
        hi = hi if hi > lo else lo + 1
        y = top + panel - (lv - lo) / (hi - lo) * panel
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[ok], y, strict=True))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="#111" stroke-width="1"/>')
        for e in range(math.floor(lo), math.ceil(hi) + 1):
            for m in (1, 2, 5):
                lvl = e + math.log10(m)
                if lo <= lvl <= hi:
                    yy = top + panel - (lvl - lo) / (hi - lo) * panel
                    parts.append(f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end">'
                                 f'{10 ** lvl:,.0f}</text>')
        years = pd.DatetimeIndex(timeline.index).year
        for yr in sorted(set(years)):
            i = int(np.argmax(years == yr))
            if k == 1 and x[i] < left + w - 30:
                parts.append(f'<text x="{x[i]:.1f}" y="{top + panel + 14}">{yr}</text>')
    parts.append("</svg>")
    legend = " ".join(f'<span style="background:{c};opacity:0.7;border:1px solid #999">'
                      f'&nbsp;&nbsp;&nbsp;&nbsp;</span> {_esc(n)}'
                      for n, c in colours.items())
    return "".join(parts) + f"<p>{legend}</p>"


def _pct(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{v * 100:+.{digits}f}%"


def _dist_cells(d: dict) -> str:
    return (f"<td>{_pct(d['median'])}</td><td>{_pct(d['p10'])}</td>"
            f"<td>{_pct(d['p90'])}</td>")


def group_html(title: str, groups: dict[str, dict], uncond: dict) -> str:
    head = ("<tr><th rowspan=2>" + _esc(title) + "</th><th rowspan=2>N days</th>" +
            "".join(f"<th colspan=3>{a} {h}</th>" for a in ("S&amp;P 500", "BTC")
                    for h in ("1d", "1w", "1m", "max DD 1m")) + "</tr><tr>" +
            "<th>med</th><th>p10</th><th>p90</th>" * 8 + "</tr>")
    body = []
    for name, g in [*groups.items(), ("all days (unconditional)", uncond)]:
        cells = "".join(_dist_cells(g[a][h]) for a in ("spx", "btc")
                        for h in ("1d", "1w", "1m", "dd_1m"))
        body.append(f"<tr><td>{_esc(name)}</td><td>{g['n']}</td>{cells}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def claim_html(claim: dict) -> str:
    rows = []
    for r in claim["by_early_warning"]:
        lift = "–" if r["lift"] is None else f"{r['lift']:.2f}"
        lift_ci = "–" if r["lift_lo"] is None else f"{r['lift_lo']:.2f} – {r['lift_hi']:.2f}"
        rows.append(f"<tr><td>{r['group']}</td><td>{r['n']}</td><td>{r['hits']}</td>"
                    f"<td>{r['rate'] * 100:.1f}%</td><td>{r['rate_lo'] * 100:.1f}% – "
                    f"{r['rate_hi'] * 100:.1f}%</td><td>{r['base'] * 100:.1f}%</td>"
                    f"<td>{lift}</td><td>{lift_ci}</td></tr>")
    return ("<table><tr><th>early-warning count</th><th>N days</th><th>spike followed</th>"
            "<th>rate</th><th>Wilson 95%</th><th>base rate</th><th>lift</th>"
            "<th>lift 95% (block bootstrap)</th></tr>" + "".join(rows) + "</table>"
            f"<p>Base: {claim['base_hits']} spikes followed {claim['base_n']} labelled days.</p>")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _read_cell(d: dict) -> str:
    flags = f" ({d['flags']})" if d["flags"] else ""
    return f"{_esc(d['regime'])}; EW {d['early_warning']}{flags}; flywheel {d['flywheel']}"


def episodes_html(episodes: list[dict], colours: dict[str, str]) -> str:
    out = []
    for kind, title in (("stress", "Stress episodes"), ("calm", "Calm stretches")):
        eps = [e for e in episodes if e["kind"] == kind]
        days = sum(e["n_days"] for e in eps)
        calm = sum(e["calm_days"] for e in eps)
        share = f"{calm / days:.0%}" if days else "–"
        out.append(f"<h3>{title}: {len(eps)}, {days} trading days, read calm on {calm} "
                   f"({share})</h3><table><tr><th>episode</th><th>what happened</th>"
                   "<th>the desk's read at each US close</th></tr>")
        for e in eps:
            cells = []
            for d in e["days"]:
                c = colours.get(d["regime"], CALM)
                vix = "" if d["vix"] is None else f", VIX {d['vix']:.1f}"
                cor = "" if d["corr30"] is None else f", corr30 {d['corr30']:.2f}"
                cells.append(f'<div style="background:{_rgba(c, 0.3)}">{d["date"]}: {_read_cell(d)}'
                             f"{vix}{cor}</div>")
            reads = "".join(cells) or "(outside the evaluated range)"
            out.append(f"<tr><td>{_esc(e['name'])}<br><small>{e['start']} .. {e['end']}</small>"
                       f"</td><td>{_esc(e['what'])}</td><td>{reads}</td></tr>")
        out.append("</table>")
    return "".join(out)


def headline_html(periods: dict) -> str:
    """Per regime: N and the 1-week S&P 500 and BTC median and 10th percentile, in sample
    beside out of sample; then the early-warning lift per count."""
    ins, oos = periods.get("2014-2019"), periods.get("2020-2026")
    names = sorted({n for p in (ins, oos) if p for n in p["groups"]["regime"]})
    head = ("<tr><th rowspan=2>regime</th>" + "".join(
        f"<th colspan=5>{t}</th>" for t in ("2014-2019 (in sample)", "2020-2026 (out of sample)"))
        + "</tr><tr>" + "<th>N</th><th>S&amp;P 1w med</th><th>S&amp;P 1w p10</th>"
        "<th>BTC 1w med</th><th>BTC 1w p10</th>" * 2 + "</tr>")
    rows = []
    for n in [*names, None]:
        cells = []
        for p in (ins, oos):
            g = None if p is None else (p["unconditional"] if n is None
                                        else p["groups"]["regime"].get(n))
            if g is None:
                cells.append("<td>0</td>" + "<td>–</td>" * 4)
                continue
            cells.append(f"<td>{g['n']}</td><td>{_pct(g['spx']['1w']['median'])}</td>"
                         f"<td>{_pct(g['spx']['1w']['p10'])}</td>"
                         f"<td>{_pct(g['btc']['1w']['median'])}</td>"
                         f"<td>{_pct(g['btc']['1w']['p10'])}</td>")
        rows.append(f"<tr><td>{_esc(n or 'all days')}</td>{''.join(cells)}</tr>")
    lift = []
    for label, p in (("2014-2019", ins), ("2020-2026", oos)):
        if p is None:
            continue
        for r in p["claim"]["by_early_warning"]:
            ci = "–" if r["lift_lo"] is None else f"{r['lift_lo']:.2f}–{r['lift_hi']:.2f}"
            lf = "–" if r["lift"] is None else f"{r['lift']:.2f}"
            lift.append(f"<tr><td>{label}</td><td>{r['group']}</td><td>{r['n']}</td>"
                        f"<td>{r['rate'] * 100:.1f}%</td><td>{r['base'] * 100:.1f}%</td>"
                        f"<td>{lf}</td><td>{ci}</td></tr>")
    return (f"<table>{head}{''.join(rows)}</table><table><tr><th>period</th><th>early-warning "
            "count</th><th>N</th><th>spike rate</th><th>base</th><th>lift</th>"
            f"<th>lift 95%</th></tr>{''.join(lift)}</table>")


STYLE = ("body{font-family:sans-serif;margin:20px;max-width:1200px}table{border-collapse:"
         "collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;"
         "text-align:right;vertical-align:top;white-space:nowrap}td:first-child,th:first-child{text-align:left}"
         ".note{background:#fff6d5;padding:8px;border:1px solid #e0c060}")


def render(summary: dict, timeline: pd.DataFrame) -> str:
    """The whole report page."""
    colours = regime_colours(list(timeline["regime"].astype(str)))
    s = summary
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>deskapp track record"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>deskapp track record: replay '{_esc(s['replay'])}', "
             f"{_esc(s['range'][0])} .. {_esc(s['range'][1])}</h1>",
             "<p class=note><b>Out of sample.</b> The rules' thresholds may be set on "
             "2014-01-01..2019-12-31 only (docs/SIGNALS.md says where each came from). Every "
             "figure below is given for 2014-2019 (in sample) and 2020-2026 (out of sample) "
             "separately, then for the whole range.</p>",
             f"<p>One step per trading day: {_esc(s['step'])}. Forward returns from the raw "
             f"series: S&amp;P 500 {_esc(s['horizons']['spx'])}; BTC "
             f"{_esc(s['horizons']['btc'])}; {_esc(s['horizons']['dd_1m'])}. Percentiles: "
             "10th, median, 90th (docs/EVALUATE.md).</p>",
             "<h2>Headline</h2>", headline_html(s["periods"]),
             "<h2>Regime timeline</h2>", timeline_svg(timeline, colours)]
    for p in ("2014-2019", "2020-2026", "all"):
        ps = s["periods"].get(p)
        if ps is None:
            continue
        title = {"2014-2019": "2014-2019 (in sample)", "2020-2026": "2020-2026 (out of sample)",
                 "all": "Whole range"}[p]
        parts.append(f"<h2>{title}: {ps['range'][0]} .. {ps['range'][1]}</h2>")
        for g, label in (("regime", "regime"), ("early_warning", "early-warning count"),
                         ("flywheel", "flywheel stage")):
            parts.append(f"<h3>By {label}</h3>" + group_html(label, ps["groups"][g],
                                                             ps["unconditional"]))
        parts.append("<h3>The seed's claim: early warnings precede correlation spikes</h3>"
                     f"<p>Spike: {_esc(s['spike'])}. Rates with Wilson 95% intervals; lift = "
                     "rate / base rate (all labelled days of the period) with a 95% moving-block "
                     "bootstrap interval (blocks of 20 consecutive days, 1000 resamples, seed 0). "
                     "The 20-day windows overlap, so neighbouring days are not independent: the "
                     "Wilson intervals are too narrow for that reason, the block bootstrap "
                     "keeps runs of days together.</p>" + claim_html(ps["claim"]))
    parts.append("<h2>Episodes (docs/EPISODES.md)</h2>" + episodes_html(s["episodes"], colours))
    parts.append("</body></html>")
    return "\n".join(parts)
