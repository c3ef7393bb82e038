"""`deskapp journal add|list|export|stats`: the decision journal without the GUI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from deskapp.journal.model import DECISIONS, PROFILES, RECORD_FIELDS, damage_line

OUTCOME_FIELDS = [f"{a.lower()}_{h}_{m}" for a in ("BTC", "SPX") for h in ("1d", "1w")
                  for m in ("return", "max_drawdown")]


def _where_options() -> argparse.ArgumentParser:
    """--journal and --config, accepted before or after the verb (the last one given wins)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--journal", metavar="PATH_OR_URL", default=argparse.SUPPRESS,
                        help="journal file or postgresql:// URL (default: the config's "
                             "journal_url, else the platform data folder)")
    common.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                        help="user config TOML")
    return common


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    common = _where_options()
    p = sub.add_parser("journal", parents=[common],
                       help="record, list, export or summarise decisions",
                       description="The decision journal: SQLite (WAL, synchronous=FULL) or a "
                                   "shared PostgreSQL database.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", parser_class=parser_class)
    a = verbs.add_parser("add", parents=[common],
                         help="record a decision; prints its uuid once committed")
    a.add_argument("--decision", required=True, choices=DECISIONS)
    a.add_argument("--profile", required=True, choices=PROFILES)
    a.add_argument("--risk-limit", metavar="PCT", type=float,
                   help="position risk limit, percent of the book (0..100)")
    a.add_argument("--note", metavar="TEXT")
    a.add_argument("--replay", metavar="NAME", help="take the evidence from this replay")
    a.add_argument("--at", metavar="ISO", help="the replay time of the evidence")
    ls = verbs.add_parser("list", parents=[common], help="every decision, oldest first")
    ls.add_argument("--json", action="store_true",
                    help="JSON with the full evidence, snapshot and outcomes")
    e = verbs.add_parser("export", parents=[common], help="spreadsheet-safe CSV")
    e.add_argument("--csv", required=True, type=Path, metavar="PATH")
    verbs.add_parser("stats", parents=[common],
                     help="decisions and their 1-week outcomes by decision and regime")
    p.set_defaults(command="journal")


def run(args: argparse.Namespace, usage_error: type[Exception], parse_time) -> int:
    from deskapp import __version__
    from deskapp.commands.checks import journal_path_problem, output_problem
    from deskapp.config import ConfigError, load_config
    from deskapp.journal.locate import open_journal, resolve_location
    from deskapp.journal.model import JournalError

    if args.verb is None:
        raise usage_error("say what to do: journal add, list, export or stats")
    problem = output_problem(args.csv) if args.verb == "export" else None
    if problem:  # before the journal is opened: no work for a file that cannot be written
        raise usage_error(f"--csv '{args.csv}': {problem}")
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise usage_error(str(exc)) from None
    location = resolve_location(getattr(args, "journal", None), config.journal_url)
    problem = journal_path_problem(location)
    if problem:
        raise usage_error(f"journal {location}: {problem}")
    try:  # the read verbs never write: they open the journal read-only
        store = open_journal(location, __version__, read_only=args.verb != "add")
    except JournalError as exc:
        raise usage_error(str(exc)) from None
    try:
        if args.verb == "add":
            return _add(args, store, config, usage_error, parse_time)
        _fill_outcomes(store, location)
        rows = store.records()
        _say_damaged(rows)
        if args.verb == "list":
            return _list(rows, args.json)
        if args.verb == "export":
            return _export(rows, args.csv, usage_error)
        return _stats(rows, store.location)
    except JournalError as exc:
        raise usage_error(str(exc)) from None
    finally:
        store.close()


def _add(args, store, config, usage_error, parse_time) -> int:
    from deskapp.commands.checks import span
    from deskapp.journal.model import Decision

    if args.at and not args.replay:
        raise usage_error("--at needs --replay (the evidence comes from a replay)")
    if args.risk_limit is not None and not 0 <= args.risk_limit <= 100:
        raise usage_error(f"--risk-limit {args.risk_limit:g} must be a percentage 0..100")
    snapshot: dict = {}
    market_time = dataset = None
    source = "manual"
    if args.replay:
        from deskapp.data.replay import DatasetError, load_dataset
        from deskapp.signals.engine import SignalSettings, compute

        try:
            ds = load_dataset(args.replay)
        except DatasetError as exc:
            raise usage_error(str(exc)) from None
        at = parse_time(args.at) if args.at else ds.info.default_at
        if not ds.info.start <= at <= ds.info.end:
            raise usage_error(f"--at {at:%Y-%m-%dT%H:%MZ} is outside replay '{args.replay}', "
                              f"which runs {span(ds.info.start, ds.info.end)}")
        snap = compute(ds.frames, ds.meta, at, SignalSettings.from_config(config),
                       dataset=ds.info.name, panes=False).snapshot
        snapshot = snap.to_dict()
        market_time, dataset, source = snap.asof, ds.info.name, "replay"
    else:
        snapshot, market_time, source = _cached_snapshot(config)
    rid = store.record(Decision(decision=args.decision, source=source, market_time=market_time,
                                profile=args.profile, risk_limit=args.risk_limit,
                                notes=args.note, snapshot=snapshot, dataset=dataset))
    print(rid)  # only now: the row is committed and durable
    sys.stdout.flush()
    return 0


def _cached_snapshot(config) -> tuple[dict, str | None, str]:
    """The snapshot of the local market cache now, as the desk's cache mode would show it."""
    import pandas as pd

    from deskapp.data.cache import CacheError, MarketCache
    from deskapp.data.sources import universe_meta
    from deskapp.paths import data_dir
    from deskapp.signals.engine import SignalSettings, compute

    path = data_dir() / "market-cache.sqlite3"
    frames: dict = {}
    if path.exists():
        try:
            with MarketCache(path) as cache:
                frames, _ = cache.get_all()
        except CacheError as exc:
            print(f"journal: the market cache cannot be read ({exc}); recorded without a "
                  "snapshot", file=sys.stderr)
            return {}, None, "manual"
    if not frames:
        print("journal: no market data cached here (open the desk live once, or use --replay); "
              "recorded without a snapshot", file=sys.stderr)
        return {}, None, "manual"
    now = pd.Timestamp.now(tz="UTC").floor("min")
    snap = compute(frames, universe_meta(), now, SignalSettings.from_config(config),
                   source="cache", panes=False).snapshot
    return snap.to_dict(), snap.asof, "cache"


class _OutcomeWriter:
    """The journal as `fill_from_datasets` uses it: pending outcomes read from the read-only
    store, saved through a writable journal opened only when there is something to save."""

    def __init__(self, reader, location: str):
        self.reader = reader
        self.location = location
        self.writer = None

    def pending_outcomes(self) -> list[dict]:
        return self.reader.pending_outcomes()

    def save_outcomes(self, decision_id: str, outcomes: list[dict]) -> None:
        from deskapp import __version__
        from deskapp.journal.locate import open_journal

        if self.writer is None:
            self.writer = open_journal(self.location, __version__)
        self.writer.save_outcomes(decision_id, outcomes)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _fill_outcomes(store, location: str) -> None:
    """Fill in the outcomes the data now allows (replays from their datasets, live and cached
    decisions from the local market cache): a separate write, skipped with one line when the
    journal cannot take it; the listing goes on either way."""
    from deskapp.journal.model import JournalError
    from deskapp.journal.outcome_fill import fill_from_datasets

    writer = _OutcomeWriter(store, location)
    try:
        filled = fill_from_datasets(writer)
    except JournalError as exc:
        print(f"journal: outcomes not saved: {exc}", file=sys.stderr)
        return
    finally:
        writer.close()
    if filled:
        print(f"journal: filled in {filled} outcomes", file=sys.stderr)


def _say_damaged(rows: list[dict]) -> None:
    """One line on stderr naming the damaged records (the listing marks them too)."""
    bad = [r["id"] for r in rows if r.get("damaged")]
    if bad:
        print(f"journal: {len(bad)} of {len(rows)} records damaged (shown with what is "
              f"readable): {', '.join(bad)}", file=sys.stderr)


def _flat(row: dict) -> dict:
    out = {k: row.get(k) for k in RECORD_FIELDS}
    out["damaged"] = damage_line(row)
    for f in OUTCOME_FIELDS:
        asset, horizon, measure = f.split("_", 2)
        o = (row["outcomes"].get(asset.upper()) or {}).get(horizon) or {}
        out[f] = o.get("ret" if measure == "return" else "max_drawdown")
    return out


def _list(rows: list[dict], as_json: bool) -> int:
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    for r in rows:
        btc = (r["outcomes"].get("BTC") or {}).get("1w")
        week = f"BTC 1w {btc['ret']:+.1%}" if btc else "BTC 1w pending"
        damage = f"  damaged: {damage_line(r)}" if r.get("damaged") else ""
        print(f"{r['created_utc'] or '-'}  {r['decision']:<6}  {r['profile'] or '-':<10}  "
              f"{r['regime'] or '-':<18}  {r['source']}:{r['dataset'] or '-'}  "
              f"{r['market_time'] or '-'}  {week}  {r['id']}{damage}")
    return 0


def _export(rows: list[dict], path: Path, usage_error) -> int:
    from deskapp.commands.checks import printable, temp_beside
    from deskapp.journal.export import write_csv

    tmp = temp_beside(path)  # complete or not at all: written aside, then renamed
    try:
        n = write_csv(tmp, [_flat(r) for r in rows],
                      RECORD_FIELDS + OUTCOME_FIELDS + ["damaged"])
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise usage_error(f"--csv '{path}' not written: {exc.strerror or exc}") from None
    print(f"journal: wrote {n} decisions to {printable(path)}", file=sys.stderr)
    return 0


def _stats(rows: list[dict], where: str) -> int:
    from deskapp.journal.review import summarise

    by = {d: sum(r["decision"] == d for r in rows) for d in DECISIONS}
    print(f"{len(rows)} decisions in {where}: " + ", ".join(f"{d} {n}" for d, n in by.items()))
    print(f"  {'regime':<20} {'decision':<8} {'n':>3}  {'BTC 1w':>8} {'SPX 1w':>8} "
          f"{'BTC 1w DD':>9} (means over the decisions whose week is complete)")
    for s in summarise(rows, "1w"):
        def pct(x: float | None) -> str:
            return "-" if x is None else f"{x:+.1%}"
        print(f"  {s.regime:<20} {s.decision:<8} {s.n:>3}  {pct(s.btc_ret):>8} "
              f"{pct(s.spx_ret):>8} {pct(s.btc_dd):>9}")
    return 0
