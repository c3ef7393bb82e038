"""`deskapp book`: the book's figures as JSON (the library's own) or a table; bad input: one
line, exit 2, nothing printed on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from deskapp.cli import main
from deskapp.data.portfolio import parse_book_csv
from deskapp.signals.book import book_figures

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample_book.csv"
AT = "2026-02-05T21:00Z"


def test_json_equals_the_library_call(capsys, datasets):
    assert main(["book", "--portfolio", str(SAMPLE), "--replay", "history", "--at", AT,
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    ds = datasets("history")
    book, _ = parse_book_csv(SAMPLE.read_text(encoding="utf-8"))
    direct = book_figures(book, ds.frames, pd.Timestamp(AT), limit_pct=10, meta=ds.meta)
    assert printed == json.loads(json.dumps(direct.as_dict()))
    assert [r["symbol"] for r in printed["positions"]] == ["QQQ", "NVDA", "IWM", "BTC", "ETH",
                                                           "USD"]
    assert printed["summary_line"].startswith("worst stress −")


def test_table_shows_positions_stress_hedges_and_summary(capsys):
    assert main(["book", "--portfolio", str(SAMPLE), "--replay", "history", "--at", AT,
                 "--limit", "15", "--instruments", "mes,sell_crypto"]) == 0
    out = capsys.readouterr().out
    for words in ("QQQ", "stress episode", "COVID crash", "hedge for limit 15% (stress)",
                  "short ", "basis risk:", "correlation 30d", "vs limit 15 %"):
        assert words in out, words
    assert "BTC perp" not in out and "SH" not in out.split("hedge for")[1]


@pytest.mark.parametrize("content, args, words", [
    ("symbol,quantity\nQQQ,10\nNVDA,nan\nBTC,1e12\n", [],
     "row 3: NVDA: quantity nan is not a finite number (and 1 more refused rows)"),
    ("symbol,quantity\nQQQ,10\nQQQ,5\n", [], "row 3: QQQ is in the book already"),
    ("symbol,quantity,multiplier\nES,1,-50\n", [], "multiplier -50 must be above 0"),
    ("ticker,amount\nQQQ,1\n", [], "unknown column layout"),
    ("symbol,quantity\n", [], "holds no positions"),
    ("symbol,quantity\nQQQ,10\n", ["--limit", "0"], "--limit '0' must be a percentage"),
    ("symbol,quantity\nQQQ,10\n", ["--instruments", "MES,NOPE"], "the instruments are"),
    ("symbol,quantity\nQQQ,10\n", ["--at", "1999-01-01"], "outside replay 'history'"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, content, args, words):
    path = tmp_path / "b.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["book", "--portfolio", str(path), "--replay", "history", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and words in err, err


def test_missing_file_and_folder(tmp_path, capsys):
    assert main(["book", "--portfolio", str(tmp_path / "none.csv")]) == 2
    assert main(["book", "--portfolio", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "No such file" in err[0] and "not a regular file" in err[1]
