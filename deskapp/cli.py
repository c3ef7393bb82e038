"""Command line: `deskapp [--replay NAME] [--at ISO] [--speed X] [--screens N] [--theme T]
[--screenshot PNG --size WxH]`.

Bad input prints one line on stderr naming what was wrong and what is accepted, and exits 2.
"""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
from pathlib import Path

import pandas as pd

from deskapp import __version__
from deskapp.commands.checks import (
    journal_path_problem,
    output_problem,
    printable,
    span,
    undecodable,
)

EXIT_BAD_INPUT = 2
MAX_SCREENS = 6  # = deskapp.ui.screens.MAX_SCREENS (not imported: this stays Qt-free)


class UsageError(Exception):
    """Bad command-line input; the message is the one line shown."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        m = re.match(r"argument COMMAND: invalid choice: '([^']*)'", message)
        if m:  # a stray word: usually the value of an option deskapp does not have
            message = (f"unrecognized argument '{m.group(1)}' (options start with --; the "
                       "commands are 'signals', 'record', 'journal', 'evaluate', 'collect' and "
                       "'book')")
        raise UsageError(f"{message} (see deskapp --help)")


def _read_book(path: Path):
    """--book: the good rows of the CSV (each refused row said on stderr); a file that cannot
    be read or holds no good row is a usage error."""
    from deskapp.data.book_file import read_book_file
    from deskapp.data.portfolio import parse_book_csv

    text, why = read_book_file(path)
    if text is None:
        raise UsageError(f"--book: {why}")
    book, messages = parse_book_csv(text)
    if not book.positions:
        raise UsageError(f"--book {path.name}: " + ("; ".join(messages) or "no positions"))
    for message in messages:
        print(f"deskapp: --book {path.name} {message}", file=sys.stderr)
    return book


COMMANDS = ("signals", "record", "journal", "evaluate", "collect", "book")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given `argv` that names no command and asks for no help (the
    desk), the commands are there by name only (their options: ~5 ms of every desk start)."""
    p = _Parser(prog="deskapp", description="Cross-asset risk-off desk: US equities and crypto.")
    p.add_argument("--version", action="version", version=f"deskapp {__version__}")
    p.add_argument("--list-replays", action="store_true",
                   help="print the bundled replay datasets and exit")
    p.add_argument("--source", metavar="live|cache|replay|URL", type=parse_source,
                   help="live: Yahoo Finance and the crypto venues, painting from the local cache "
                        "first (the default); cache: the cache only, offline; replay: a bundled "
                        "or recorded dataset (implied by --replay); a postgresql:// URL: the "
                        "team feed a collector fills (the default when the config gives "
                        "market_url; docs/TEAM.md)")
    p.add_argument("--replay", metavar="NAME", help="replay dataset to open")
    p.add_argument("--at", metavar="ISO-TIME",
                   help="replay start time, ISO 8601 (UTC when no offset is given)")
    p.add_argument("--speed", metavar="X",
                   help="replay speed in market seconds per wall second (0 = paused; "
                        "3600 = one market hour per second)")
    p.add_argument("--screenshot", metavar="PATH.png", type=Path,
                   help="render the board at --at to a PNG and exit")
    p.add_argument("--size", metavar="WxH", help="window size in pixels, e.g. 1600x900")
    p.add_argument("--screens", metavar="N",
                   help="windows to open, 1..6: the main window and N-1 watch screens (the "
                        "saved layout when it has N windows, else the panes put across them); "
                        "with --screenshot, one PNG per window: PATH.png, PATH-screen2.png, ...")
    p.add_argument("--theme", choices=["dark", "light"],
                   help="colours for this run (default: the View > Theme choice, else dark)")
    p.add_argument("--book", metavar="FILE.csv", type=Path,
                   help="open the desk with this book (symbol,quantity[,notional_usd,"
                        "asset_class,multiplier]); stored in the journal as a new version when "
                        "it differs; with --screenshot the Book dock is shown")
    p.add_argument("--config", metavar="PATH", type=Path, help="user config TOML")
    p.add_argument("--journal", metavar="PATH_OR_URL",
                   help="decision journal: a file or a postgresql:// URL (default: the "
                        "config's journal_url, else the platform data folder)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if argv is not None and not any(a in COMMANDS or a.startswith(("-h", "--h")) for a in argv):
        for name in COMMANDS:  # an unknown command still names them all
            sub.add_parser(name, help=argparse.SUPPRESS)
        return p
    import importlib

    for name in COMMANDS:
        importlib.import_module(f"deskapp.commands.{name}").add_parser(sub, _Parser)
    return p


def parse_source(text: str) -> str:
    """live | cache | replay, or a postgresql:// URL (checked, never echoed with its password)."""
    if text in ("live", "cache", "replay"):
        return text
    from deskapp.journal.locate import is_url

    if not is_url(text):  # another scheme's user info may hold a password: not shown
        shown = re.sub(r"//[^/?#]*@", "//***@", text)
        raise UsageError(f"--source '{shown}' must be live, cache, replay or a "
                         "postgresql:// URL of a team feed")
    return team_url(text, "--source")


def team_url(url: str, where: str) -> str:
    """`url` when libpq can parse it; else UsageError (one line, password masked)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from deskapp.team.schema import one_line, safe_url

    try:
        conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://", 1))
    except psycopg.Error as exc:
        raise UsageError(f"{where} {safe_url(url)} is not a usable PostgreSQL URL: "
                         f"{one_line(exc, url)}") from None
    return url


def parse_time(text: str, flag: str = "--at") -> pd.Timestamp:
    try:
        t = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        t = pd.NaT
    if pd.isna(t) or not 1900 <= t.year <= 2200:  # e.g. '-1' is year -1
        raise UsageError(f"{flag} '{text}' is not a date/time from 1900 to 2200; use ISO 8601, "
                         "e.g. 2026-02-05 or 2026-02-05T14:00Z")
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*", text)
    if not m or not all(200 <= int(v) <= 10000 for v in m.groups()):
        raise UsageError(f"--size '{text}' must be WIDTHxHEIGHT in pixels, each 200..10000, "
                         "e.g. 1600x900")
    return int(m.group(1)), int(m.group(2))


def parse_screens(text: str) -> int:
    if not re.fullmatch(r"\s*\d{1,2}\s*", text) or not 1 <= int(text) <= MAX_SCREENS:
        raise UsageError(f"--screens '{text}' must be a whole number of windows from 1 to "
                         f"{MAX_SCREENS}")
    return int(text)


def parse_speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = float("nan")
    if not (0 <= speed <= 1e8):
        raise UsageError(f"--speed '{text}' must be a number from 0 (paused) to 100000000")
    return speed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        _refuse_undecodable(argv)
        return _run(build_parser(argv).parse_args(argv))
    except UsageError as exc:  # user input in the message is escaped: one line, inert
        print(f"deskapp: {printable(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        gc.enable()  # the desk's start-up pause (below) never outlives a call


def _cache_head_start(config):
    """The cache's first board, computed in a helper process while Qt loads (startup_board.py);
    None where it cannot start (the desk then computes it as always)."""
    try:
        from deskapp.app import CACHE_VIEW_DAYS
        from deskapp.data.sources import universe_meta
        from deskapp.paths import data_dir
        from deskapp.signals.engine import SignalSettings
        from deskapp.startup_board import HeadStart

        path = data_dir() / "market-cache.sqlite3"
        if not path.is_file():
            return None
        return HeadStart(path, universe_meta(), SignalSettings.from_config(config),
                         CACHE_VIEW_DAYS)
    except (OSError, ValueError) as exc:  # e.g. no process can be started here
        logging.getLogger("deskapp").info("no head start for the cache's first board: %s", exc)
        return None


def _refuse_undecodable(argv: list[str]) -> None:
    """Bytes that are not UTF-8 (or a NUL) in an argument would fail deep inside."""
    for i, arg in enumerate(argv):
        flag = argv[i - 1] if i and argv[i - 1].startswith("-") else "argument"
        if undecodable(arg):
            raise UsageError(f"{flag} '{arg}' holds bytes that are not UTF-8 text; "
                             "deskapp takes UTF-8")
        if "\x00" in arg:  # only possible in-process (a shell cannot pass one)
            raise UsageError(f"{flag} '{arg}' holds a NUL character")


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "command", None) is not None:
        gc.enable()  # a command: collection as usual (the entry scripts pause it for the desk)
    if getattr(args, "command", None) == "signals":
        from deskapp.commands import signals

        return signals.run(args, UsageError, parse_time)
    if getattr(args, "command", None) == "journal":
        from deskapp.commands import journal

        return journal.run(args, UsageError, parse_time)
    if getattr(args, "command", None) == "evaluate":
        from deskapp.commands import evaluate

        return evaluate.run(args, UsageError, parse_time)
    if getattr(args, "command", None) == "collect":
        from deskapp.commands import collect

        return collect.run(args, UsageError)
    if getattr(args, "command", None) == "book":
        from deskapp.commands import book

        return book.run(args, UsageError, parse_time)
    if getattr(args, "command", None) == "record":
        from deskapp.commands import record

        return record.run(args, UsageError)
    # The desk: no cyclic garbage collection until its first board is drawn. Start-up makes
    # hundreds of thousands of long-lived objects (Qt, pyqtgraph, pandas, the window) and little
    # garbage; passes over them cost ~50 ms of a ~0.6 s start. The first board freezes what
    # start-up made and turns collection back on (app._freeze_startup_objects). The entry
    # scripts (__main__, packaging/launcher.py) pause it before the first import already.
    gc.disable()
    from deskapp.config import ConfigError, load_config

    if args.list_replays:
        from deskapp.data.replay import DatasetError, list_datasets

        try:
            for info in list_datasets():
                print(info.describe())
        except DatasetError as exc:
            raise UsageError(str(exc)) from None
        return 0
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    size = parse_size(args.size) if args.size else None
    speed = parse_speed(args.speed) if args.speed is not None else None
    screens = parse_screens(args.screens) if args.screens is not None else None
    if args.screenshot is not None:
        if args.screenshot.suffix.lower() != ".png":
            raise UsageError(f"--screenshot '{args.screenshot}' must name a .png file")
        from deskapp.app import screenshot_paths

        for path in screenshot_paths(args.screenshot, screens or 1):
            problem = output_problem(path)
            if problem:
                raise UsageError(f"--screenshot '{path}': {problem}")
        size = size or (1600, 900)
    book = _read_book(args.book) if args.book is not None else None
    journal = args.journal or config.journal_url
    problem = journal_path_problem(journal) if journal else None
    if problem:
        raise UsageError(f"journal {journal}: {problem}")
    source = args.source or ("replay" if args.replay or args.at or args.speed
                             else team_url(config.market_url, "market_url")
                             if config.market_url else "live")
    market_url = None
    if "://" in source:  # a team feed
        market_url, source = source, "team"
    if source != "replay":
        for flag, value in (("--replay", args.replay), ("--at", args.at), ("--speed", args.speed)):
            if value is not None:
                raise UsageError(f"{flag} applies to replays; drop it or use --source replay")
        if market_url is not None:
            from deskapp.team.preflight import refusal

            reason = refusal(market_url)
            if reason:
                raise UsageError(reason)
        from deskapp.app import DeskOptions, run_desk

        head_start = _cache_head_start(config) if source == "cache" else None
        return run_desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0,
                                    screenshot=args.screenshot, size=size, journal=args.journal,
                                    source=source, screens=screens, theme=args.theme,
                                    head_start=head_start, market_url=market_url,
                                    book=book, engine_process=args.screenshot is None))
    from deskapp.data.replay import DatasetError, load_dataset

    name = args.replay or config.default_replay
    at = parse_time(args.at) if args.at else None
    try:
        dataset = load_dataset(name)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    info = dataset.info
    if at is None:
        at = info.default_at
    elif not info.start <= at <= info.end:
        raise UsageError(f"--at {at:%Y-%m-%dT%H:%MZ} is outside replay '{name}', which runs "
                         f"{span(info.start, info.end)}")
    if args.screenshot is not None:
        speed = 0.0  # the board exactly at --at
    elif speed is None:
        speed = info.default_speed

    from deskapp.app import DeskOptions, run_desk

    return run_desk(DeskOptions(config=config, dataset=dataset, at=at, speed=speed,
                                screenshot=args.screenshot, size=size, journal=args.journal,
                                screens=screens, theme=args.theme, book=book,
                                engine_process=args.screenshot is None))
