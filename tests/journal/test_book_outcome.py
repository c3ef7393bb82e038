"""A decision's book after it, unhedged and hedged, against a hand-worked two-holding book."""

from __future__ import annotations

import pytest

from deskapp.journal.book_outcome import book_outcome

# QQQ $60k (beta 1.2 to the S&P 500), BTC $20k (beta 1.0 to BTC), $20k cash: a $100k book.
FIGURES = {
    "book_value_usd": 100_000.0,
    "positions": [
        {"symbol": "QQQ", "asset_class": "etf", "value_usd": 60_000.0, "beta_spx": 1.2,
         "beta_btc": 0.3},
        {"symbol": "BTC", "asset_class": "crypto_spot", "value_usd": 20_000.0,
         "beta_spx": 0.4, "beta_btc": 1.0},
        {"symbol": "USD", "asset_class": "cash", "value_usd": 20_000.0},
    ],
}
MES_BTC = {"instrument": "MES+BTC_PERP", "unit": "beta-neutral", "rounded": 0.5,
           "legs": [{"instrument": "MES", "unit": "contracts", "rounded": 2.0},
                    {"instrument": "BTC_PERP", "unit": "BTC", "rounded": 0.1}]}


def _o(ret: float, start: float) -> dict:
    return {"ret": ret, "start_price": start}


def record(hedge, chosen=None, btc=True) -> dict:
    figures = dict(FIGURES, **({"hedge_chosen": chosen} if chosen else {}))
    outcomes = {"SPX": {"1w": _o(-0.05, 5000.0)}}
    if btc:
        outcomes["BTC"] = {"1w": _o(-0.10, 60_000.0)}
    return {"book_figures": figures, "hedge": hedge, "outcomes": outcomes}


# unhedged: 0.6 x 1.2 x -5 % + 0.2 x 1.0 x -10 % = -3.6 % - 2 % = -5.6 %
@pytest.mark.parametrize(("hedge", "chosen", "hedged"), [
    ("none", None, -0.056),
    # 2 MES: -2 x 5 x 5000 x -5 % / 100k = +2.5 %; 0.1 BTC: -0.1 x 60k x -10 % / 100k = +0.6 %
    ("short 2 MES + short 0.1 BTC perp", MES_BTC, -0.056 + 0.025 + 0.006),
    ("buy $30,000 SH", {"instrument": "SH", "unit": "USD", "rounded": 30_000.0}, -0.041),
    ("short 1 ES", {"instrument": "ES", "unit": "contracts", "rounded": 1.0}, -0.056 + 0.125),
    ("sell 50% of the crypto", {"instrument": "SELL_CRYPTO", "unit": "fraction",
                                "rounded": 0.5}, -0.056 + 0.01),
])
def test_hand_worked_book(hedge, chosen, hedged):
    unhedged, with_hedge = book_outcome(record(hedge, chosen), "1w")
    assert unhedged == pytest.approx(-0.056)
    assert with_hedge == pytest.approx(hedged)


def test_pending_or_unvalued_is_none():
    assert book_outcome(record("none", btc=False), "1w") == (None, None)  # BTC still pending
    assert book_outcome(record("none"), "1d") == (None, None)  # no 1-day outcome yet
    unhedged, hedged = book_outcome(record("short 2 NQ", {"instrument": "NQ",
                                                          "unit": "contracts", "rounded": 2}),
                                    "1w")
    assert unhedged == pytest.approx(-0.056) and hedged is None
    assert book_outcome({"book_figures": {}, "hedge": None, "outcomes": {}}, "1w") == (None,
                                                                                         None)
