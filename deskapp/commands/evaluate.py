"""`deskapp evaluate`: the desk's track record over a replay (docs/EVALUATE.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from deskapp.commands.checks import printable


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("evaluate", help="replay the desk once per trading day and write its "
                       "track record (report.html, timeline.csv, summary.json)",
                       description="The desk's read at each US close and what followed.")
    p.add_argument("--replay", metavar="NAME", help="replay dataset (default: the config's)")
    p.add_argument("--from", dest="start", metavar="DATE", required=True, help="first day")
    p.add_argument("--to", dest="end", metavar="DATE", required=True, help="last day")
    p.add_argument("--out", metavar="DIR", type=Path, required=True,
                   help="output folder (created if its parent exists)")
    p.add_argument("--episodes", metavar="PATH", type=Path,
                   help="episode list (default: docs/EPISODES.md)")
    p.add_argument("--workers", metavar="N", help="processes (default: up to 2)")
    p.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                   help="user config TOML")  # SUPPRESS: `deskapp --config X evaluate` keeps X
    p.set_defaults(command="evaluate")


def out_dir_problem(out: Path) -> str | None:
    """Why `out` cannot take the three files (checked before the work), or None: it must be a
    writable folder, or a new name in a writable folder (probed with a temporary file)."""
    try:
        if out.exists() and not out.is_dir():
            return "is a file, not a folder"
        target = out if out.is_dir() else Path(os.path.abspath(out)).parent
        if not target.is_dir():
            return f"folder {printable(target)} does not exist or is not writable"
        fd, probe = tempfile.mkstemp(prefix=".deskapp-probe-", dir=target)
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a read-only place
        return (f"folder {printable(out)} does not exist or is not writable "
                f"({printable(getattr(exc, 'strerror', None) or exc)})")
    os.close(fd)
    os.unlink(probe)
    return None


def run(args: argparse.Namespace, usage_error: type[Exception], parse_time) -> int:
    from deskapp.evaluate.episodes import DEFAULT, EpisodeError, load_episodes

    start, end = parse_time(args.start, "--from"), parse_time(args.end, "--to")
    if end < start:
        raise usage_error("--to is before --from")
    workers = None
    if args.workers is not None:
        text = args.workers.strip()
        if not (text.isascii() and text.isdigit() and len(text) < 3 and 1 <= int(text) <= 8):
            raise usage_error(f"--workers '{printable(args.workers)}' must be a whole number "
                              "from 1 to 8")
        workers = int(text)
    problem = out_dir_problem(args.out)
    if problem:
        raise usage_error(f"--out '{printable(args.out)}': {problem}")
    try:
        episodes = load_episodes(args.episodes or DEFAULT)
    except EpisodeError as exc:
        raise usage_error(str(exc)) from None

    from deskapp.commands.checks import config_and_replay

    config, name, ds = config_and_replay(args, usage_error)
    lo, hi = ds.info.warmup_start or ds.info.start, ds.info.end
    for t in (start, end):
        if not lo <= t <= hi:
            raise usage_error(f"{t:%Y-%m-%d} is outside replay '{name}', which holds "
                              f"{lo:%Y-%m-%d} .. {hi:%Y-%m-%d}")
    if "idx.spx" not in ds.frames:
        raise usage_error(f"replay '{name}' has no S&P 500 daily closes (idx.spx) to step on")

    from deskapp.evaluate.report import render
    from deskapp.evaluate.run import build_timeline, summarise
    from deskapp.evaluate.timeline import Settings, stderr_bar, trading_days

    if not len(trading_days(ds.frames["idx.spx"], start, end)):
        raise usage_error(f"no S&P 500 session between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    t0 = time.perf_counter()
    timeline = build_timeline(ds.frames, ds.meta, start, end, Settings.from_config(config),
                              workers=workers, progress=stderr_bar("evaluate:"))
    summary = summarise(timeline, episodes, name)
    try:
        args.out.mkdir(exist_ok=True)
    except OSError as exc:
        raise usage_error(f"--out '{printable(args.out)}': {exc.strerror}") from None
    timeline.to_csv(args.out / "timeline.csv", index=False, float_format="%.10g")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, allow_nan=False),
                                           encoding="utf-8")
    (args.out / "report.html").write_text(render(summary, timeline), encoding="utf-8")
    print(f"evaluate: {len(timeline)} trading days in {time.perf_counter() - t0:.1f} s; wrote "
          f"report.html, timeline.csv, summary.json to {args.out}", file=sys.stderr)
    return 0
