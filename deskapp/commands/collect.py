"""`deskapp collect --db URL [--config FILE] [--once] [--interval S]`: the team feed's collector,
headless (Qt is never imported). Runs the desk's live adapters and writes into PostgreSQL (see
deskapp/team/collector.py). SIGTERM or Ctrl-C stop it between commits; `--once` does one round.
"""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
from pathlib import Path

# The adapters' own per-batch warnings: the collector says one line per series instead.
QUIET_LOGGERS = ("deskapp.data.live", "deskapp.data.exchanges", "deskapp.data.yahoo",
                 "deskapp.data.fred", "deskapp.data.liquidations")


def add_parser(sub: argparse._SubParsersAction, parser_class: type) -> None:
    p = sub.add_parser("collect", help="poll the markets once for a team: write into PostgreSQL",
                       description="The team feed's collector: polls Yahoo, the crypto venues "
                                   "and FRED and writes the bars into a PostgreSQL database "
                                   "that every desk reads (deskapp --source postgresql://...). "
                                   "Several collectors may run: one polls, the others stand by.")
    p.add_argument("--db", metavar="URL",
                   help="postgresql://user@host/db (default: the config's market_url); keep the "
                        "password in ~/.pgpass or PGPASSFILE, not in the URL")
    p.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    p.add_argument("--interval", metavar="SECONDS", default="1",
                   help="seconds between rounds (default 1; each source still asks upstream "
                        "only when its series are due)")
    p.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                   help="user config TOML")
    p.set_defaults(command="collect")


def make_sources(stage) -> list:
    """The desk's live sources (Yahoo, the crypto venues, FRED, liquidations) writing `stage`."""
    from deskapp.data.sources import live_sources
    from deskapp.paths import data_dir

    return live_sources(stage, data_dir())


def _interval(text: str, usage_error: type[Exception]) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.05 <= value <= 3600:
        raise usage_error(f"--interval '{text}' must be a number of seconds from 0.05 to 3600")
    return value


def run(args: argparse.Namespace, usage_error: type[Exception]) -> int:
    from deskapp.config import ConfigError, load_config
    from deskapp.journal.locate import is_url
    from deskapp.team.collector import Collector
    from deskapp.team.schema import TeamDbError, safe_url

    interval = _interval(args.interval, usage_error)
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise usage_error(str(exc)) from None
    url = args.db or getattr(config, "market_url", None)
    if not url:
        raise usage_error("collect needs --db postgresql://user@host/dbname (or market_url in "
                          "the config)")
    if not is_url(url):
        raise usage_error(f"--db '{safe_url(url)}' must be a postgresql:// URL")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    log = logging.getLogger("deskapp.collector")
    log.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    collector = Collector(url, make_sources, interval_s=interval, once=args.once)
    try:
        collector.open()
    except TeamDbError as exc:
        raise usage_error(str(exc)) from None
    if "password" in url.lower() or _has_password(url):
        log.warning("the --db URL holds a password: anyone on this host can read it in the "
                    "process list; keep it in ~/.pgpass or PGPASSFILE instead")

    def stop(signum: int, _frame) -> None:
        log.info("%s: stopping after the current round", signal.Signals(signum).name)
        collector.stop.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return collector.run()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _has_password(url: str) -> bool:
    from deskapp.journal.locate import split_credentials

    parts = split_credentials(url)
    return parts is not None and ":" in parts[1]
