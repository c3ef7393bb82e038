"""Issue 13: command lines built from the CLI's own grammar (the argparse parser walked: every
verb and every flag) with valid, invalid, empty, huge, unicode and control-character values.
Each ends in exit 0 or 2; a refusal is exactly one line on stderr; never a traceback.

Run in-process through deskapp.cli.main, each example in its own DESKAPP_HOME and current
folder. Left out, and why:
- `record` fetches from the network (its argument checks are in tests/test_record.py);
- the desk itself: `deskapp.app.run_desk` is replaced by a stub that returns 0, so every
  check the CLI makes before opening a window runs, but no window opens (the GUI's own
  refusals, e.g. a market cache that is a folder, are in tests/test_cli_hardening.py);
- postgresql:// journals (network); /dev/zero (held by tests/test_cli_hardening.py in a
  memory-capped subprocess).
A successful `signals` timeline prints progress lines ("signals: ..."), `evaluate` its progress
bar and summary ("evaluate: ..."), and journal commands may print a notice ("journal: ..."): on
exit 0, those are the only lines allowed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from deskapp import cli
from deskapp.data.replay import list_datasets

NAMES = [i.name for i in list_datasets()]
NASTY = ["", " ", "-", "x" * 5000, "9" * 400, "café ☃ 日本語", "\x1b[31mred\x1b[0m", "a\nb\rc",
         "\x00", "caf\udcff", "-1", "nan", "inf", "1e400", "\u202egnp.txt", "..", "/"]
# Valid values per destination (relative paths are made in the example's own folder).
VALID: dict[str, list[str]] = {
    "replay": NAMES,
    "at": ["2025-10-09", "2025-10-09T12:00Z", "2026-02-05T14:00Z", "2026-02-17T23:59Z",
           "2024-08-05T13:30+02:00", "1900-01-01", "2026-13-45"],
    "start": ["2025-10-08", "2025-10-09T06:00Z", "2026-02-16"],
    "end": ["2025-10-09", "2025-10-10T12:00Z", "2026-02-17"],
    "every": ["1d", "12h", "1w", "1min", "0d", "99999999999999999999d", "3 h"],
    "csv": ["out.csv", "adir", "afile/out.csv", "missing/out.csv", "ünï.csv"],
    "screenshot": ["a.png", "adir.png", "afile/a.png", "a.jpg", "missing/a.png"],
    "size": ["1600x900", "200x200", "10x10", "99999x1", "wide"],
    "speed": ["0", "3600", "-1", "1e9"],
    "screens": ["1", "3", "6", "7", "0"],
    "config": ["good.toml", "nan.toml", "typo.toml", "missing.toml", "adir", "/dev/null",
               "fifo.toml"],
    "journal": ["j.sqlite3", "adir", "afile/j.sqlite3", "missing/j.sqlite3", "notadb.sqlite3"],
    "risk_limit": ["5", "0", "100", "101", "-0.5"],
    "note": ["flat into the close", "=1+1", "日本語"],
    "source": ["live", "cache", "replay", "postgresql://u:pw@db.lan/d", "postgresql://h/d?x=1",
               "mysql://u:pw@h/d"],
    "portfolio": ["book.csv", "badbook.csv", "adir", "missing.csv", "fifo.toml", "/dev/null"],
    "limit": ["10", "0", "100", "nan", "-3"],
    "instruments": ["MES,BTC_PERP", "sh", "MES,NOPE", ","],
}


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(verbs, options, sub-verbs) for the parser and every sub-parser under it."""
    options = [a for a in parser._actions
               if a.option_strings and not isinstance(a, argparse._HelpAction)]
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    verbs = {name: sp for a in subs for name, sp in a.choices.items()}
    yield path, options, bool(verbs)
    for name, sub in verbs.items():
        if name != "record":  # network
            yield from _walk(sub, path + (name,))


GRAMMAR = list(_walk(cli.build_parser()))


def test_the_grammar_walk_sees_every_verb_and_flag():
    paths = {p for p, _, _ in GRAMMAR}
    assert {(), ("signals",), ("journal",), ("journal", "add"), ("journal", "list"),
            ("journal", "export"), ("journal", "stats")} <= paths
    flags = {s for _, opts, _ in GRAMMAR for a in opts for s in a.option_strings}
    assert {"--replay", "--at", "--screenshot", "--config", "--every", "--csv", "--note",
            "--decision", "--risk-limit", "--journal", "--theme", "--source"} <= flags


def _value(action: argparse.Action) -> st.SearchStrategy[str]:
    valid = list(action.choices or []) + VALID.get(action.dest, [])
    pools = [st.sampled_from(NASTY), st.text(max_size=12)]
    if valid:
        pools = [st.sampled_from(valid)] * 8 + pools  # mostly valid: reach the deep code
    return st.one_of(pools)


@st.composite
def command_lines(draw) -> list[str]:
    verbs, options, has_verbs = draw(st.sampled_from(GRAMMAR))
    if has_verbs and verbs:  # `journal` without a verb is fine too, but rarely
        verbs = verbs if draw(st.integers(0, 9)) == 0 else verbs
    argv: list[str] = list(verbs)
    chosen = draw(st.lists(st.sampled_from(options), max_size=5, unique_by=id)) if options else []
    required = [a for a in options if a.required and draw(st.integers(0, 4)) > 0]
    for action in chosen + [a for a in required if a not in chosen]:
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(_value(action))]
    if draw(st.integers(0, 9)) == 0:  # a stray word or an option deskapp does not have
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(NASTY + ["--nope"])))
    return argv


def _folder(where: Path) -> None:
    (where / "adir").mkdir()
    (where / "adir.png").mkdir()
    (where / "afile").write_text("a file\n")
    (where / "good.toml").write_text("[vol_target]\nndx = 0.2\n")
    (where / "nan.toml").write_text("[vol_target]\nndx = nan\n")
    (where / "typo.toml").write_text('jounal_url = "x.sqlite3"\n')
    (where / "notadb.sqlite3").write_bytes(b"not a database at all" * 10)
    (where / "book.csv").write_text("symbol,quantity\nQQQ,10\nBTC,0.5\nUSD,1000\n")
    (where / "badbook.csv").write_text("symbol,quantity\nQQQ,nan\nBTC,1e12\n")
    os.mkfifo(where / "fifo.toml")


@pytest.fixture
def no_window(monkeypatch):
    import deskapp.app
    from deskapp.commands import signals

    monkeypatch.setattr(deskapp.app, "run_desk", lambda opts: 0)
    monkeypatch.setattr(signals, "MAX_STEPS", 40)  # the cap is what stops a long timeline here


EXAMPLES = int(os.environ.get("DESKAPP_PROPERTY_EXAMPLES", "60"))  # more to hunt locally


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_command_line_exits_0_or_2_in_one_line_without_a_traceback(argv, no_window):
    old_cwd, old_home = os.getcwd(), os.environ.get("DESKAPP_HOME")
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as where:
        _folder(Path(where))
        os.chdir(where)
        os.environ["DESKAPP_HOME"] = str(Path(where) / "home")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = cli.main(list(argv))
                except SystemExit as exc:  # --help, --version
                    code = exc.code
        finally:
            os.chdir(old_cwd)
            if old_home is None:
                os.environ.pop("DESKAPP_HOME", None)
            else:
                os.environ["DESKAPP_HOME"] = old_home
    text = err.getvalue()
    event(f"exit {code}")  # --hypothesis-show-statistics: how many got through to the work
    assert "Traceback" not in text, (argv, text)
    lines = text.splitlines()
    assert code in (0, 2), (argv, code, text)
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("deskapp: "), (argv, text)
        assert not any(ord(c) < 32 or ord(c) == 127 for c in lines[0]), (argv, text)
    else:
        assert all(line.startswith(("signals: ", "journal: ", "evaluate: ")) for line in lines), \
            (argv, text)
