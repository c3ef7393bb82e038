"""The trader's book: positions, its CSV form and the validation of every row (issue 17).

A symbol is the ticker the desk's data names (NVDA, QQQ, IWM, BTC, ES, MES, BTC_PERP ...; "USD" for
cash); a series key of the store (`stk.NVDA`, `crypto.btc`) is read as its ticker. `PRICE_SERIES`
says which series of the store prices each symbol, newest first. A symbol the desk holds no data
for is kept (its row says "no price: add it to the universe"), never valued at zero.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

ASSET_CLASSES = ("equity", "etf", "future", "crypto_spot", "crypto_perp", "cash")
CASH = "USD"
MAX_QUANTITY = 1e9  # units / contracts / coins; 1e12 is a typo, not a position
MAX_NOTIONAL = 1e11  # USD
MAX_MULTIPLIER = 1e6
NO_PRICE = "no price: add it to the universe"

_STOCKS = ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "GOOG", "AMZN", "ORCL", "MU",
           "PLTR", "CRM", "NOW", "ADBE", "ANET", "AMAT", "ASML", "COIN", "INTC", "MSTR", "QCOM",
           "TXN")
_ETFS = {"SPY": ("etfpool.spy", "etf.spy_adj", "etf.spy"), "QQQ": ("etfpool.qqq", "etf.qqq"),
         "IWM": ("etfpool.iwm", "etf.iwm_adj"), "SMH": ("etfpool.smh", "etf.smh_adj.hist"),
         "SOXX": ("etfpool.soxx", "etf.soxx_adj.hist"), "IGV": ("etfpool.igv",),
         "SKYY": ("etfpool.skyy",), "RSP": ("etf.rsp_adj",), "IBIT": ("etf.ibit",),
         "FBTC": ("etf.fbtc",), "SH": (), "PSQ": ()}
_COINS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK")
# Index futures are valued and moved with their index (the continuous futures series jumps at
# every roll; the basis, ~0-1 %, is ignored), the futures series where the index is missing.
_SPX, _NDX = ("idx.spx", "fut.es"), ("idx.ndx", "idx.ndx.hist", "fut.nq")
_FUTURES = {"ES": (50.0, _SPX), "MES": (5.0, _SPX), "NQ": (20.0, _NDX), "MNQ": (2.0, _NDX)}
INDEX_SERIES = {"SPX": _SPX + ("etf.spy_adj", "etfpool.spy"), "NDX": _NDX + ("etf.qqq",),
                "BTC": ("crypto.btc", "crypto.btc.hist")}


def _coin_series(coin: str) -> tuple[str, ...]:
    return (f"crypto.{coin.lower()}",) + (("crypto.btc.hist",) if coin == "BTC" else ())


# symbol -> (asset class, default multiplier, price series keys, newest first)
SYMBOLS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    **{s: ("equity", 1.0, (f"stk.{s}", f"stk.{s}.hist")) for s in _STOCKS},
    **{s: ("etf", 1.0, keys) for s, keys in _ETFS.items()},
    **{s: ("future", m, keys) for s, (m, keys) in _FUTURES.items()},
    **{c: ("crypto_spot", 1.0, _coin_series(c)) for c in _COINS},
    **{f"{c}_PERP": ("crypto_perp", 1.0, _coin_series(c)) for c in _COINS},
    CASH: ("cash", 1.0, ()),
}
_ALIASES = {"BTC-PERP": "BTC_PERP", "ETH-PERP": "ETH_PERP", "CASH": CASH, "USDT": CASH,
            "USDC": CASH, "BTC-USD": "BTC", "ETH-USD": "ETH", "ES=F": "ES", "NQ=F": "NQ"}


def canonical_symbol(text: str) -> str:
    """'nvda', 'stk.NVDA', 'crypto.btc', 'btc-perp' -> NVDA, NVDA, BTC, BTC_PERP."""
    s = text.strip()
    low = s.lower()
    if low.startswith("stk."):
        s = s[4:].split(".")[0]
    elif low.startswith(("crypto.", "etfpool.")):
        s = s.split(".")[1]
    elif low.startswith("etf."):
        s = s[4:].split(".")[0].split("_")[0]
    elif low.startswith("fut."):
        s = s[4:]
    s = s.upper()
    return _ALIASES.get(s, s)


def price_series(symbol: str) -> tuple[str, ...]:
    """The store's series that price `symbol`, newest first; () when the desk has none."""
    return SYMBOLS.get(symbol, ("", 1.0, ()))[2]


@dataclass(frozen=True)
class Position:
    symbol: str  # ticker as the desk's data names it (see SYMBOLS); "USD" for cash
    quantity: float | None  # units / contracts / coins; None when given as a notional
    notional_usd: float | None  # given instead of a quantity (cash is notional_usd)
    asset_class: str  # one of ASSET_CLASSES
    multiplier: float = 1.0  # ES 50, MES 5, NQ 20, MNQ 2, others 1


class BookError(ValueError):
    """A book that cannot be built; the message is one line."""


@dataclass(frozen=True)
class Book:
    positions: tuple[Position, ...] = ()

    COLUMNS = ("symbol", "quantity", "notional_usd", "asset_class", "multiplier")

    def as_rows(self) -> list[dict]:
        """JSON-safe rows (the journal and the dock store these)."""
        return [{"symbol": p.symbol, "quantity": p.quantity, "notional_usd": p.notional_usd,
                 "asset_class": p.asset_class, "multiplier": p.multiplier}
                for p in self.positions]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> Book:
        """The inverse of as_rows; raises BookError naming the first bad row."""
        book = cls()
        for i, row in enumerate(rows, 1):
            try:
                pos = Position(str(row["symbol"]), _opt_float(row.get("quantity")),
                               _opt_float(row.get("notional_usd")), str(row["asset_class"]),
                               float(row.get("multiplier", 1.0)))
            except (KeyError, TypeError, ValueError) as exc:
                raise BookError(f"book row {i}: not a position ({exc})") from None
            book, problem = edit_position(book, len(book.positions), pos)
            if problem:
                raise BookError(f"book row {i}: {problem}")
        return book

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(self.COLUMNS)
        for p in self.positions:
            w.writerow([p.symbol, _fmt(p.quantity), _fmt(p.notional_usd), p.asset_class,
                        _fmt(p.multiplier)])
        return out.getvalue()


def _fmt(v: float | None) -> str:
    return "" if v is None else repr(float(v)).removesuffix(".0")


def _show(text: str, limit: int = 30) -> str:
    """User text quoted in a message: at most `limit` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def _opt_float(v) -> float | None:
    return None if v is None or v == "" else float(v)


def _number(text: str, what: str) -> tuple[float | None, str | None]:
    t = (text or "").strip().replace("_", "")
    if not t:
        return None, None
    try:
        v = float(t)
    except ValueError:
        return None, f"{what} '{_show(t)}' is not a number"
    return v, None


def check_position(pos: Position, others: Iterable[Position] = ()) -> str | None:
    """Why `pos` cannot be in a book holding `others`; None when it can."""
    sym = pos.symbol
    if not sym or len(sym) > 24 or not all(c.isalnum() or c in "._-" for c in sym):
        return f"symbol '{_show(sym)}' must be 1-24 letters, digits, '.', '_' or '-'"
    if pos.asset_class not in ASSET_CLASSES:
        return (f"{sym}: asset class '{_show(pos.asset_class)}' is not one of "
                f"{', '.join(ASSET_CLASSES)}")
    known = SYMBOLS.get(sym)
    if known and known[0] != pos.asset_class:
        return f"{sym} is {known[0]} in the desk's data, not {pos.asset_class}"
    if (pos.quantity is None) == (pos.notional_usd is None):
        return f"{sym}: give a quantity or a notional in USD (one of the two)"
    if pos.asset_class == "cash" and pos.quantity is not None:
        return f"{sym}: cash is a notional in USD, not a quantity"
    for v, what, cap in ((pos.quantity, "quantity", MAX_QUANTITY),
                         (pos.notional_usd, "notional", MAX_NOTIONAL)):
        if v is not None and not math.isfinite(v):
            return f"{sym}: {what} {v} is not a finite number"
        if v is not None and abs(v) > cap:
            return f"{sym}: {what} {v:g} is beyond {cap:g}; a typo?"
    m = pos.multiplier
    if not math.isfinite(m) or m <= 0 or m > MAX_MULTIPLIER:
        return f"{sym}: multiplier {m:g} must be above 0 and at most {MAX_MULTIPLIER:g}"
    if any(o.symbol == sym for o in others):
        return f"{sym} is in the book already (one row per symbol)"
    return None


def make_position(symbol: str, quantity: float | None = None, notional_usd: float | None = None,
                  asset_class: str | None = None, multiplier: float | None = None) -> Position:
    """A Position with the asset class and multiplier inferred from the symbol when not given
    (an unknown symbol without an asset class is taken as an equity); not yet validated."""
    sym = canonical_symbol(symbol)
    known = SYMBOLS.get(sym)
    cls = (asset_class or "").strip().lower() or (known[0] if known else "equity")
    if cls == "cash" and quantity is not None and notional_usd is None:
        quantity, notional_usd = None, quantity  # cash given as a quantity of dollars
    mult = multiplier if multiplier is not None else (known[1] if known else 1.0)
    return Position(sym, quantity, notional_usd, cls, float(mult))


def parse_book_csv(text: str, known_symbols: Collection[str] | None = None
                   ) -> tuple[Book, list[str]]:
    """The book of the good rows of a CSV and one message per refused row.

    Columns: `symbol,quantity` plus optional `notional_usd,asset_class,multiplier` (a header line
    names them; without one the columns are taken in that order). A row is refused for a bad
    number (NaN, inf, 1e12), a zero or negative multiplier, a duplicated symbol, an unknown asset
    class or one that contradicts the desk's data. A symbol outside `known_symbols` (default: the
    SYMBOLS table) is kept and said once: "no price: add it to the universe".
    """
    known = set(SYMBOLS) if known_symbols is None else {canonical_symbol(s) for s in
                                                         known_symbols}
    rows: list[tuple[int, list[str]]] = []  # (line number in the file, fields)
    messages: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rows.append((n, next(csv.reader([line]))))
        except (csv.Error, StopIteration) as exc:
            messages.append(f"row {n}: not a CSV line ({exc})")
    if not rows:
        return Book(), messages or ["the file holds no positions (expected symbol,quantity rows)"]
    head = [c.strip().lower() for c in rows[0][1]]
    header_like = len(head) > 1 and head[1] and _number(head[1], "")[1] is not None
    if "symbol" in head or header_like:  # a header line (a word where a number would be)
        unknown = [c for c in head if c and c not in Book.COLUMNS]
        if unknown or "symbol" not in head or not ({"quantity", "notional_usd"} & set(head)):
            return Book(), [f"unknown column layout {_show(','.join(head), 60)}: expected "
                            "symbol,quantity plus optional notional_usd,asset_class,multiplier"]
        cols, body = head, rows[1:]
    else:
        cols, body = list(Book.COLUMNS), rows
    book = Book()
    for n, row in body:
        if len(row) > len(cols):
            messages.append(f"row {n}: {len(row)} fields, the layout has {len(cols)}")
            continue
        f = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(cols)}
        if not f.get("symbol"):
            messages.append(f"row {n}: no symbol")
            continue
        q, e1 = _number(f.get("quantity", ""), "quantity")
        notional, e2 = _number(f.get("notional_usd", ""), "notional")
        mult, e3 = _number(f.get("multiplier", ""), "multiplier")
        problem = e1 or e2 or e3
        if problem is None:
            pos = make_position(f["symbol"], q, notional, f.get("asset_class"), mult)
            problem = check_position(pos, book.positions)
        if problem:
            messages.append(f"row {n}: {problem}")
            continue
        book = Book(book.positions + (pos,))
        if pos.asset_class != "cash" and pos.symbol not in known:
            messages.append(f"row {n}: {pos.symbol} kept, {NO_PRICE}")
    return book, messages


def edit_position(book: Book, index: int, new_position: Position) -> tuple[Book, str | None]:
    """`book` with row `index` replaced (index == len appends); the unchanged book and the reason
    when the new row is refused."""
    n = len(book.positions)
    if not 0 <= index <= n:
        return book, f"no row {index + 1} in a book of {n}"
    pos = replace(new_position, symbol=canonical_symbol(new_position.symbol))
    others = book.positions[:index] + book.positions[index + 1:]
    problem = check_position(pos, others)
    if problem:
        return book, problem
    return Book(book.positions[:index] + (pos,) + book.positions[index + 1:]), None


def remove_position(book: Book, index: int) -> Book:
    return Book(book.positions[:index] + book.positions[index + 1:])
