"""The book's CSV, its validation and the table editor's checks (issue 17)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.data.portfolio import (
    NO_PRICE,
    Book,
    BookError,
    Position,
    canonical_symbol,
    edit_position,
    make_position,
    parse_book_csv,
    price_series,
)

GOOD = """symbol,quantity,notional_usd,asset_class,multiplier
QQQ,100,,,
NVDA,50,,,
BTC,0.5,,,
USD,,25000,,
MES,-2,,,
"""


def test_good_csv_infers_class_and_multiplier():
    book, msgs = parse_book_csv(GOOD)
    assert msgs == []
    by = {p.symbol: p for p in book.positions}
    assert [p.symbol for p in book.positions] == ["QQQ", "NVDA", "BTC", "USD", "MES"]
    assert by["QQQ"] == Position("QQQ", 100.0, None, "etf", 1.0)
    assert by["NVDA"].asset_class == "equity"
    assert by["BTC"].asset_class == "crypto_spot"
    assert by["USD"] == Position("USD", None, 25000.0, "cash", 1.0)
    assert by["MES"] == Position("MES", -2.0, None, "future", 5.0)


def test_headerless_two_columns_and_aliases():
    book, msgs = parse_book_csv("stk.NVDA,10\nbtc-perp,-0.25\ncrypto.eth,3\nES,1\ncash,1000\n")
    assert msgs == []
    assert [(p.symbol, p.asset_class, p.multiplier) for p in book.positions] == [
        ("NVDA", "equity", 1.0), ("BTC_PERP", "crypto_perp", 1.0), ("ETH", "crypto_spot", 1.0),
        ("ES", "future", 50.0), ("USD", "cash", 1.0)]
    assert book.positions[-1].notional_usd == 1000.0 and book.positions[-1].quantity is None


@pytest.mark.parametrize("row, words", [
    ("NVDA,nan,,,", "not a finite number"),
    ("NVDA,inf,,,", "not a finite number"),
    ("NVDA,1e12,,,", "beyond"),
    ("NVDA,abc,,,", "not a number"),
    ("ES,1,,,-50", "multiplier -50 must be above 0"),
    ("ES,1,,,0", "multiplier 0 must be above 0"),
    ("QQQ,5,,,", "in the book already"),
    ("XYZ,5,,bond,", "asset class 'bond' is not one of"),
    ("NVDA,5,,crypto_spot,", "NVDA is equity in the desk's data, not crypto_spot"),
    ("IWM,5,100,,", "give a quantity or a notional"),
    ("IWM,,,,", "give a quantity or a notional"),
    (",5,,,", "no symbol"),
    ("IWM,5,,,,,", "fields"),
    ("IW M,5,,,", "symbol 'IW M'"),
])
def test_each_bad_row_gets_one_message_and_the_rest_is_kept(row, words):
    good, _ = parse_book_csv(GOOD)
    book, msgs = parse_book_csv(GOOD + row + "\nSPY,4,,,\n")
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("row 7: ") and words in msgs[0]
    assert "\n" not in msgs[0]
    assert book.positions[:5] == good.positions  # nothing else in the book changes
    assert book.positions[5:] == (Position("SPY", 4.0, None, "etf"),)
    assert all(p.symbol != "IW M" for p in book.positions)


def test_unknown_symbol_is_kept_and_said_once():
    book, msgs = parse_book_csv("symbol,quantity\nNVDA,10\nZZZQ,7\n")
    assert [p.symbol for p in book.positions] == ["NVDA", "ZZZQ"]
    assert book.positions[1].asset_class == "equity" and book.positions[1].quantity == 7.0
    assert msgs == [f"row 3: ZZZQ kept, {NO_PRICE}"]
    book2, msgs2 = parse_book_csv("symbol,quantity\nNVDA,10\nZZZQ,7\n",
                                  known_symbols=["NVDA", "ZZZQ"])
    assert msgs2 == [] and book2 == book


def test_unknown_layout_refused_whole():
    book, msgs = parse_book_csv("ticker,amount\nNVDA,1\n")
    assert book.positions == () and len(msgs) == 1 and "unknown column layout" in msgs[0]
    assert parse_book_csv("")[1] == ["the file holds no positions (expected symbol,quantity rows)"]


def test_csv_and_rows_round_trip():
    book, _ = parse_book_csv(GOOD)
    again, msgs = parse_book_csv(book.to_csv())
    assert msgs == [] and again == book
    assert Book.from_rows(book.as_rows()) == book
    with pytest.raises(BookError, match="book row 2"):
        Book.from_rows([book.as_rows()[0], {**book.as_rows()[1], "multiplier": -1}])


def test_edit_position_validates_and_changes_only_its_row():
    book, _ = parse_book_csv(GOOD)
    same, problem = edit_position(book, 1, make_position("QQQ", 3))
    assert same is book and "in the book already" in problem
    same, problem = edit_position(book, 1, make_position("NVDA", math.nan))
    assert same is book and "finite" in problem
    new, problem = edit_position(book, 1, make_position("NVDA", 75))
    assert problem is None and new.positions[1].quantity == 75.0
    assert new.positions[:1] + new.positions[2:] == book.positions[:1] + book.positions[2:]
    added, problem = edit_position(book, 5, make_position("eth", 2))
    assert problem is None and added.positions[-1] == Position("ETH", 2.0, None, "crypto_spot")
    assert edit_position(book, 9, make_position("ETH", 2))[1] == "no row 10 in a book of 5"


def test_symbols_map_to_store_series():
    assert canonical_symbol(" nvda ") == "NVDA"
    assert price_series("NVDA") == ("stk.NVDA", "stk.NVDA.hist")
    assert price_series("QQQ")[0] == "etfpool.qqq"
    assert price_series("ZZZQ") == ()


_FIELD = st.one_of(st.sampled_from(["NVDA", "btc", "USD", "ES", "ZZZQ", "1e12", "nan", "-5", "0",
                                    "2.5", "etf", "cash", "bond", "", " ", '"', "1,0", "inf"]),
                   st.text(max_size=8))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_FIELD, max_size=7), max_size=8), st.booleans())
def test_any_text_gives_a_book_and_one_line_messages(rows, header):
    text = ("symbol,quantity,notional_usd,asset_class,multiplier\n" if header else "") + \
        "\n".join(",".join(r) for r in rows)
    book, msgs = parse_book_csv(text)
    assert all(isinstance(m, str) and "\n" not in m and "\r" not in m for m in msgs)
    assert len({p.symbol for p in book.positions}) == len(book.positions)
    again, _ = parse_book_csv(book.to_csv())
    assert again == book  # every accepted book survives its own CSV
