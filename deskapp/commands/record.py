"""`deskapp record --days N --out NAME`: record live data into a replay dataset.

The result is a replay store in the platform data folder (replays/NAME/) in the same format as
the bundled one - catalog.json, datasets.json, series/<key>.csv.gz, PROVENANCE.md - so
`deskapp --replay NAME` plays it and `deskapp --list-replays` lists it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from deskapp import __version__
from deskapp.data.instruments import UNIVERSE, LiveSeries

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("record", help="record live data into a replay dataset",
                       description="Fetch the live universe for the last N days and save it as "
                                   "a replay dataset.")
    p.add_argument("--days", type=int, required=True, help="how many days back to record")
    p.add_argument("--out", required=True, metavar="NAME", help="dataset name")
    p.set_defaults(command="record")


def write_store(folder: Path, name: str, frames: dict[str, pd.DataFrame],
                series: dict[str, LiveSeries], errors: dict[str, str], days: int) -> Path:
    """Write frames as a replay store; returns its folder."""
    (folder / "series").mkdir(parents=True, exist_ok=True)
    catalog = {}
    for key, frame in sorted(frames.items()):
        out = frame.copy()
        out.index = out.index.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.index.name = "time"
        out.to_csv(folder / "series" / f"{key}.csv.gz",
                   compression={"method": "gzip", "mtime": 0})
        catalog[key] = {**series[key].meta(), "columns": list(frame.columns),
                        "first": frame.index[0].isoformat(), "last": frame.index[-1].isoformat(),
                        "rows": len(frame), "time_rule": "bar close time (UTC)"}
    start = min(f.index[0] for f in frames.values())
    end = max(f.index[-1] for f in frames.values())
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    dataset = {"name": name, "title": f"Recorded live data ({days} days)",
               "holds": f"{len(frames)} live series recorded {when}",
               "warmup_start": None, "start": start.isoformat(), "end": end.isoformat(),
               "default_at": end.isoformat(), "default_speed": 3600, "view_days": max(days, 30),
               "series": sorted(frames)}
    (folder / "catalog.json").write_text(json.dumps(catalog, indent=1) + "\n")
    (folder / "datasets.json").write_text(json.dumps([dataset], indent=1) + "\n")
    lines = [f"# Provenance of recorded dataset `{name}`", "",
             f"Recorded by deskapp {__version__} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from "
             f"the live sources, {days} days back. Values are as the sources served them; "
             "every row is stamped at its bar close (UTC). Nothing was filled.", "",
             "| key | source | symbol | rows | first .. last |", "|---|---|---|---|---|"]
    for key, frame in sorted(frames.items()):
        s = series[key]
        where = s.venue or s.source
        lines.append(f"| `{key}` | {where} | `{s.symbol}` | {len(frame)} | "
                     f"{frame.index[0]:%Y-%m-%d %H:%M} .. {frame.index[-1]:%Y-%m-%d %H:%M} |")
    if errors:
        lines += ["", "Not recorded (the source failed):", ""]
        lines += [f"- `{k}`: {v}" for k, v in sorted(errors.items())]
    (folder / "PROVENANCE.md").write_text("\n".join(lines) + "\n")
    return folder


def run(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    if not NAME.fullmatch(args.out):
        raise usage_error(f"--out '{args.out}' must be a name of letters, digits, '.', '_' or "
                          "'-' (up to 64)")
    if not 1 <= args.days <= 3650:
        raise usage_error(f"--days {args.days} must be from 1 to 3650")
    from deskapp.data.replay import DatasetError, list_datasets
    from deskapp.paths import data_dir

    try:
        taken = {i.name for i in list_datasets()}
    except DatasetError:
        taken = set()
    if args.out in taken:
        raise usage_error(f"a replay named '{args.out}' exists already; choose another --out")
    try:
        from deskapp.data.exchanges import ExchangeAdapter
        from deskapp.data.fred import FredAdapter
        from deskapp.data.yahoo import YahooAdapter
    except ImportError as exc:
        raise usage_error(f"recording needs the live adapters, missing here ({exc})") from None
    from deskapp.data.live import MultiVenueAdapter
    from deskapp.data.sources import SPOT_VENUES, VENUES

    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=args.days)
    yahoo = [s for s in UNIVERSE if s.source == "yahoo"]
    crypto = [s for s in UNIVERSE if s.source == "exchange"]
    fred = [s for s in UNIVERSE if s.source == "fred"]
    frames: dict[str, pd.DataFrame] = {}
    failed: dict[str, str] = {}
    print(f"record: fetching {len(yahoo)} Yahoo series ...", file=sys.stderr)
    got, err = YahooAdapter(tz_cache_dir=data_dir() / "yfinance-tz").fetch(yahoo, start)
    frames.update(got)
    failed.update({k: str(v) for k, v in err.items()})
    print(f"record: fetching {len(crypto)} exchange series ...", file=sys.stderr)
    venues = MultiVenueAdapter({v: ExchangeAdapter(v) for v in VENUES + SPOT_VENUES})
    got, err = venues.fetch(crypto, {s.key: start for s in crypto})
    frames.update(got)
    failed.update({k: str(v) for k, v in err.items()})
    print(f"record: fetching {len(fred)} FRED series ...", file=sys.stderr)
    got, err = FredAdapter().fetch(fred, {s.key: start for s in fred})
    frames.update(got)
    failed.update({k: str(v) for k, v in err.items()})
    frames = {k: f.loc[start:] for k, f in frames.items() if len(f.loc[start:])}
    if not frames:
        print(f"record: nothing recorded: every source failed ({len(failed)} series); "
              "is the network up?", file=sys.stderr)
        return 1
    folder = write_store(data_dir() / "replays" / args.out, args.out, frames,
                         {s.key: s for s in UNIVERSE}, failed, args.days)
    print(f"record: wrote {len(frames)} series to {folder} ({len(failed)} failed); "
          f"play it with: deskapp --replay {args.out}", file=sys.stderr)
    return 0
