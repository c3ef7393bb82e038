"""`deskapp book`: the figures of a book (CSV) at a replay time, as a table or JSON (issue 17)."""

from __future__ import annotations

import argparse
import json
import stat
from pathlib import Path

from deskapp.commands.checks import printable

MAX_FILE_BYTES = 1_000_000


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("book", help="value a book (CSV) and print its risk, stress and hedge",
                       description="The book's value, betas, VaR/ES, stress replays and hedge "
                                   "sizes at a replay time (docs/SIGNALS.md, 'The book').")
    p.add_argument("--portfolio", metavar="FILE.csv", type=Path, required=True,
                   help="symbol,quantity rows (optional notional_usd,asset_class,multiplier)")
    p.add_argument("--replay", metavar="NAME", help="replay dataset (default: the config's)")
    p.add_argument("--at", metavar="ISO-TIME", help="time (default: the dataset's default)")
    p.add_argument("--limit", metavar="PCT", default="10",
                   help="risk limit in %% of the book value (default 10, as the checklist)")
    p.add_argument("--target", choices=["stress", "es99"], default="stress",
                   help="what the hedge brings inside the limit: the worst stress loss "
                        "(default) or the 1-year 99 %% expected shortfall")
    p.add_argument("--instruments", metavar="LIST",
                   help="hedge instruments, comma-separated (default: "
                        "MES,ES,SH,PSQ,BTC_PERP,SELL_CRYPTO)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                   help="user config TOML")
    p.set_defaults(command="book")


def read_book(path: Path, usage_error: type[Exception]):
    """The book of `path`; any refused row is a usage error (one line naming the first)."""
    from deskapp.data.portfolio import parse_book_csv

    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a folder, a FIFO, /dev/zero: never read
            raise usage_error(f"--portfolio '{printable(path)}' is not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise usage_error(f"--portfolio '{printable(path)}' is larger than 1 MB; a book "
                              "is a few hundred rows")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise usage_error(f"--portfolio '{printable(path)}': "
                          f"{printable(exc.strerror or exc)}") from None
    except (UnicodeError, ValueError):
        raise usage_error(f"--portfolio '{printable(path)}' is not UTF-8 text") from None
    book, messages = parse_book_csv(text)
    refused = [m for m in messages if "kept," not in m]
    if refused:
        more = f" (and {len(refused) - 1} more refused rows)" if len(refused) > 1 else ""
        raise usage_error(f"--portfolio '{printable(path)}' {printable(refused[0])}{more}")
    if not book.positions:
        raise usage_error(f"--portfolio '{printable(path)}' holds no positions")
    return book


def _limit(text: str, usage_error: type[Exception]) -> float:
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not 0 < v <= 100:
        raise usage_error(f"--limit '{printable(text)}' must be a percentage above 0 and at "
                          "most 100, e.g. 10")
    return v


def _instruments(text: str | None, usage_error: type[Exception]) -> tuple[str, ...]:
    from deskapp.signals.book import INSTRUMENTS

    if text is None:
        return INSTRUMENTS
    names = tuple(t.strip().upper() for t in text.split(",") if t.strip())
    bad = [n for n in names if n not in INSTRUMENTS]
    if bad or not names:
        raise usage_error(f"--instruments '{printable(text)}': the instruments are "
                          f"{','.join(INSTRUMENTS)}")
    return names


def run(args: argparse.Namespace, usage_error: type[Exception], parse_time) -> int:
    from deskapp.commands.checks import config_and_replay, span
    from deskapp.evaluate.episodes import EpisodeError, load_episodes
    from deskapp.signals.book import book_figures

    limit = _limit(args.limit, usage_error)
    instruments = _instruments(args.instruments, usage_error)
    book = read_book(args.portfolio, usage_error)
    _config, name, ds = config_and_replay(args, usage_error)
    try:
        episodes = load_episodes()
    except EpisodeError as exc:
        raise usage_error(str(exc)) from None
    info = ds.info
    at = parse_time(args.at, "--at") if args.at else info.default_at
    lo, hi = info.warmup_start or info.start, info.end
    if not lo <= at <= hi:
        raise usage_error(f"--at {at:%Y-%m-%dT%H:%MZ} is outside replay '{name}', which holds "
                          f"{span(lo, hi)}")
    figures = book_figures(book, ds.frames, at, limit_pct=limit, hedge_target=args.target,
                           instruments=instruments, episodes=episodes, meta=ds.meta)
    if args.json:
        print(json.dumps(figures.as_dict(), ensure_ascii=False, allow_nan=False))
    else:
        print(render_table(figures.as_dict()))
    return 0


def _p(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v * 100:+.{digits}f}%"


def _usd(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _n(v: float | None, fmt: str = ".2f") -> str:
    return "n/a" if v is None else format(v, fmt)


def render_table(d: dict) -> str:
    """The human-readable report of BookFigures.as_dict()."""
    out = [f"book at {d['asof']}: value {_usd(d['book_value_usd'])} USD, gross exposure "
           f"{_usd(d['gross_exposure_usd'])}, net {_usd(d['net_exposure_usd'])}",
           "", f"{'symbol':<10}{'class':<12}{'price':>12}{'value USD':>14}{'weight':>9}"
              f"{'b S&P':>7}{'b BTC':>7}  note"]
    for r in d["positions"]:
        out.append(f"{r['symbol']:<10}{r['asset_class']:<12}{_n(r['price'], ',.2f'):>12}"
                   f"{_usd(r['value_usd']):>14}{_p(r['weight']):>9}{_n(r['beta_spx']):>7}"
                   f"{_n(r['beta_btc']):>7}  {r['note'] or ''}".rstrip())
    out.append("by class: " + ", ".join(f"{c['asset_class']} {_p(c['weight'])}"
                                        for c in d["classes"]))
    out.append(f"beta to the S&P 500 {_n(d['beta_spx'])}, to BTC {_n(d['beta_btc'])} "
               "(1y daily)")
    for w in ("1y", "3y"):
        v = d["var"].get(w, {})
        out.append(f"{w} ({v.get('days', 0)} days): vol {_p(d['vol'].get(w))} a year, 1-day "
                   f"VaR95 {_p(v.get('var95_pct'), 2)} ES95 {_p(v.get('es95_pct'), 2)} "
                   f"VaR99 {_p(v.get('var99_pct'), 2)} ES99 {_p(v.get('es99_pct'), 2)}")
    out += ["", f"{'stress episode':<40}{'start':<12}{'P&L':>8}{'P&L USD':>12}{'worst day':>10}"
                f"{'peak-trough':>12}  proxied"]
    for r in d["stress"]:
        name = r["episode"][:38] + (" *" if r["partial"] else "")
        out.append(f"{name:<40}{r['start']:<12}{_p(r['pnl_pct']):>8}{_usd(r['pnl_usd']):>12}"
                   f"{_p(r['worst_day_pct']):>10}{_p(r['peak_to_trough_pct']):>12}  "
                   f"{','.join(r['proxied'])}".rstrip())
    if any(r["partial"] for r in d["stress"]):
        out.append("* the episode is not over at this time: its moves so far")
    out += ["", f"hedge for limit {d['limit_pct']:g}% ({d['hedge_target']}):"]
    for h in d["hedges"]:
        from deskapp.signals.book import describe

        ok = "" if h["feasible"] else " (cannot reach the limit: the best it can do)"
        out.append(f"  {describe(h)}{ok}: worst stress {_p(h['stress_after_pct'])}, ES99 "
                   f"{_p(h['es99_after_pct'], 2)}; cost {_usd(h['cost_usd_year'])} USD/yr "
                   f"({h['cost']})")
        out.append(f"    basis risk: {h['basis_risk']}")
    out += ["", d["reentry"]["text"], *d["notes"], d["summary_line"]]
    return "\n".join(out)
