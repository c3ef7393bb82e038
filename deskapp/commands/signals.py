"""`deskapp signals`: the signal snapshot at a time, or the regime timeline over a period."""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("signals", help="print the signal snapshot or write a regime timeline",
                       description="Signals of DESIGN.md section 5 on a replay dataset.")
    p.add_argument("--replay", metavar="NAME", help="replay dataset (default: the config's)")
    p.add_argument("--at", metavar="ISO-TIME", help="snapshot time (default: dataset default)")
    p.add_argument("--json", action="store_true", help="print the snapshot at --at as JSON")
    p.add_argument("--from", dest="start", metavar="ISO", help="timeline start")
    p.add_argument("--to", dest="end", metavar="ISO", help="timeline end")
    p.add_argument("--every", metavar="STEP", default="1d",
                   help="timeline step, e.g. 1d, 4h, 1h (default 1d)")
    p.add_argument("--csv", metavar="PATH", type=Path, help="write the timeline to this CSV")
    p.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                   help="user config TOML")  # SUPPRESS: `deskapp --config X signals` keeps X
    p.set_defaults(command="signals")


_UNITS = {"w": "weeks", "d": "days", "h": "hours", "min": "minutes", "m": "minutes"}
MAX_STEPS = 10_000  # longer timelines are refused: ~0.1 s a step (daily over all history: 6074)


def _step(text: str, usage_error: type[Exception]) -> pd.Timedelta:
    """'1d', '4h', '30min', '1w' -> a Timedelta of at least a minute."""
    m = re.fullmatch(r"\s*(\d{1,9})\s*(w|d|h|min|m)\s*", text.lower())
    try:
        step = pd.Timedelta(**{_UNITS[m.group(2)]: int(m.group(1))}) if m else None
    except (OverflowError, ValueError):  # more than pandas' ~292 years
        step = None
    if step is None or step < pd.Timedelta(minutes=1):
        raise usage_error(f"--every '{text}' must be a duration of at least 1 minute, e.g. 1d, "
                          "4h, 30min")
    return step


def run(args: argparse.Namespace, usage_error: type[Exception], parse_time) -> int:
    from deskapp.commands.checks import output_problem, printable, span, temp_beside
    from deskapp.config import ConfigError, load_config
    from deskapp.data.replay import DatasetError, load_dataset
    from deskapp.signals.engine import SignalCache, SignalSettings, compute

    timeline = args.start is not None or args.end is not None or args.csv is not None
    if timeline and (args.start is None or args.end is None or args.csv is None):
        raise usage_error("a timeline needs --from, --to and --csv together")
    problem = output_problem(args.csv) if timeline else None
    if problem:
        raise usage_error(f"--csv '{args.csv}': {problem}")
    if not timeline and not args.json:
        raise usage_error("say --json (snapshot at --at) or --from/--to/--csv (timeline)")
    if timeline and args.json:
        raise usage_error("--json prints one snapshot; drop it when writing a --csv timeline")
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise usage_error(str(exc)) from None
    step = _step(args.every, usage_error) if timeline else None
    name = args.replay or config.default_replay
    times = [parse_time(t, flag) for t, flag in ((args.at, "--at"), (args.start, "--from"),
                                                  (args.end, "--to")) if t is not None]
    try:
        ds = load_dataset(name)
    except DatasetError as exc:
        raise usage_error(str(exc)) from None
    info = ds.info
    lo, hi = info.warmup_start or info.start, info.end
    for t in times:
        if not lo <= t <= hi:
            raise usage_error(f"{t:%Y-%m-%dT%H:%MZ} is outside replay '{name}', which holds "
                              f"{span(lo, hi)}")

    settings, cache = SignalSettings.from_config(config), SignalCache()

    def snap(t: pd.Timestamp):
        return compute(ds.frames, ds.meta, t, settings, source="replay", dataset=name,
                       cache=cache, panes=False).snapshot

    if not timeline:
        at = parse_time(args.at, "--at") if args.at else info.default_at
        print(snap(at).to_json())
        return 0
    start, end = parse_time(args.start, "--from"), parse_time(args.end, "--to")
    if end < start:
        raise usage_error("--to is before --from")
    count = (end - start) // step + 1
    if count > MAX_STEPS:
        raise usage_error(f"--from {start:%Y-%m-%dT%H:%MZ} --to {end:%Y-%m-%dT%H:%MZ} "
                          f"--every {args.every} is {count:,} steps; the limit is "
                          f"{MAX_STEPS:,}: take a longer --every or a shorter range")
    steps = pd.date_range(start, end, freq=step)
    t0 = time.perf_counter()
    rows = []
    for i, t in enumerate(steps, start=1):
        rows.append(snap(t).flat())
        if i % 25 == 0 or i == len(steps):
            print(f"signals: {i}/{len(steps)} steps ({t:%Y-%m-%d %H:%M}), "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    fields = list(rows[0]) if rows else ["asof"]
    tmp = temp_beside(args.csv)  # complete or not at all: written aside, then renamed
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, args.csv)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise usage_error(f"--csv '{args.csv}' not written: {exc.strerror or exc}") from None
    print(f"signals: wrote {len(rows)} rows to {printable(args.csv)}", file=sys.stderr)
    return 0
