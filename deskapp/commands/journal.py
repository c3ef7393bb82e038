"""`deskapp journal add|list|export|stats`: the decision journal without the GUI."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from deskapp.journal.store import DECISIONS

PROFILES = ("short-term", "swing", "long-term")
LIST_FIELDS = ["id", "created_utc", "market_time", "decision", "profile", "regime", "source",
               "dataset", "notes", "app_version"]


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("journal", help="record, list, export or summarise decisions",
                       description="The decision journal (SQLite, WAL, synchronous=FULL).")
    p.add_argument("--journal", metavar="PATH", type=Path,
                   help="journal file (default: the platform data folder)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", parser_class=parser_class)
    a = verbs.add_parser("add", help="record a decision; prints its uuid once committed")
    a.add_argument("--decision", required=True, choices=DECISIONS)
    a.add_argument("--profile", required=True, choices=PROFILES)
    a.add_argument("--note", metavar="TEXT")
    a.add_argument("--replay", metavar="NAME", help="take the evidence from this replay")
    a.add_argument("--at", metavar="ISO", help="the replay time of the evidence")
    a.add_argument("--journal", metavar="PATH", type=Path, dest="journal_here",
                   help=argparse.SUPPRESS)
    ls = verbs.add_parser("list", help="every decision, oldest first")
    ls.add_argument("--json", action="store_true", help="JSON (with the full evidence)")
    ls.add_argument("--journal", metavar="PATH", type=Path, dest="journal_here",
                    help=argparse.SUPPRESS)
    e = verbs.add_parser("export", help="spreadsheet-safe CSV")
    e.add_argument("--csv", required=True, type=Path, metavar="PATH")
    e.add_argument("--journal", metavar="PATH", type=Path, dest="journal_here",
                   help=argparse.SUPPRESS)
    st = verbs.add_parser("stats", help="decisions counted by kind and regime")
    st.add_argument("--journal", metavar="PATH", type=Path, dest="journal_here",
                    help=argparse.SUPPRESS)
    p.set_defaults(command="journal")


def run(args: argparse.Namespace, usage_error: type[Exception], parse_time) -> int:
    from deskapp import __version__
    from deskapp.journal.store import Decision, JournalError, JournalStore
    from deskapp.paths import journal_path

    if args.verb is None:
        raise usage_error("say what to do: journal add, list, export or stats")
    path = getattr(args, "journal_here", None) or args.journal or journal_path()
    try:
        store = JournalStore(path, __version__)
    except JournalError as exc:
        raise usage_error(str(exc)) from None
    try:
        if args.verb == "add":
            return _add(args, store, usage_error, parse_time, Decision)
        rows = store.records()
        if args.verb == "list":
            if args.json:
                print(json.dumps(rows, indent=2, default=str))
            else:
                for r in rows:
                    print(f"{r['created_utc']}  {r['decision']:<6}  {r['profile'] or '-':<10}  "
                          f"{r['regime'] or '-':<18}  {r['source']}:{r['dataset'] or '-'}  "
                          f"{r['market_time'] or '-'}  {r['id']}")
            return 0
        if args.verb == "export":
            from deskapp.journal.export import write_csv

            parent = args.csv.resolve().parent
            if not parent.is_dir():
                raise usage_error(f"--csv '{args.csv}': folder {parent} does not exist")
            n = write_csv(args.csv, rows, LIST_FIELDS)
            print(f"journal: wrote {n} decisions to {args.csv}", file=sys.stderr)
            return 0
        by_decision = Counter(r["decision"] for r in rows)
        by_regime = Counter((r["regime"] or "unknown", r["decision"]) for r in rows)
        print(f"{len(rows)} decisions: " + ", ".join(f"{d} {by_decision[d]}" for d in DECISIONS))
        for (regime, decision), n in sorted(by_regime.items()):
            print(f"  {regime:<20} {decision:<6} {n}")
        return 0
    finally:
        store.close()


def _add(args, store, usage_error, parse_time, Decision) -> int:  # noqa: N803
    evidence: dict = {}
    market_time = dataset = None
    source = "manual"
    if args.at and not args.replay:
        raise usage_error("--at needs --replay (the evidence comes from a replay)")
    if args.replay:
        from deskapp.config import load_config
        from deskapp.data.replay import DatasetError, load_dataset
        from deskapp.signals.snapshot import compute_snapshot

        try:
            ds = load_dataset(args.replay)
        except DatasetError as exc:
            raise usage_error(str(exc)) from None
        at = parse_time(args.at) if args.at else ds.info.default_at
        if not ds.info.start <= at <= ds.info.end:
            raise usage_error(f"--at {at:%Y-%m-%dT%H:%MZ} is outside replay '{args.replay}'")
        cfg = load_config()
        snap = compute_snapshot(ds.frames, at, ds.meta, basket=cfg.ai_basket)
        evidence = {"snapshot": snap.to_dict()}
        market_time, dataset, source = snap.asof, ds.info.name, "replay"
    rid = store.record(Decision(decision=args.decision, source=source, market_time=market_time,
                                evidence=evidence, dataset=dataset, profile=args.profile,
                                notes=args.note))
    print(rid)  # only now: the row is committed and fsynced
    sys.stdout.flush()
    return 0
