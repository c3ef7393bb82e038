"""Print the in-sample quantiles behind the regime's thresholds (docs/SIGNALS.md, "Regime").

    python tools/calibrate_regime.py [--from 2014-01-01] [--to 2019-12-31]

Reads the bundled `history` replay only; the thresholds in deskapp/signals/regime.py are these
figures rounded. Years after --to are out of sample and must not move them.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from deskapp.data.replay import load_dataset


def _window(s: pd.Series, start: str, end: str) -> pd.Series:
    lo, hi = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    return s[(s.index >= lo) & (s.index < hi)].dropna()


def quantiles(start: str, end: str) -> dict[str, tuple[float, float]]:
    """name -> (quantile, value) for every measured threshold."""
    f = load_dataset("history").frames
    vix, spx, btc = f["idx.vix"]["close"], f["idx.spx"]["close"], f["crypto.btc"]["close"]
    r_spx, r_btc = np.log(spx).diff(), np.log(btc).diff()
    rv20 = r_spx.rolling(20).std() * np.sqrt(252)
    btc_dd = btc / btc.rolling(90, min_periods=90).max() - 1
    spx_dd = spx / spx.rolling(252, min_periods=252).max() - 1
    measured = {
        "VIX stress level (p90 of closes)": (vix, 0.90),
        "VIX elevated (p80 of closes)": (vix, 0.80),
        "S&P 500 RV(20) elevated (p80)": (rv20, 0.80),
        "S&P 500 drawdown from 252d high (p15)": (spx_dd, 0.15),
        "S&P 500 RV(20) stand-in (p90)": (rv20, 0.90),
        "VIX 5-session change (p90)": (vix.diff(5), 0.90),
        "S&P 500 shock day (p1 of log returns)": (r_spx, 0.01),
        "S&P 500 drawdown from 252d high (p5)": (spx_dd, 0.05),
        "BTC crash day (p3 of log returns)": (r_btc, 0.03),
        "BTC crash week (p3 of 7-day log returns)": (np.log(btc).diff(7), 0.03),
        "BTC drawdown from 90d high (p20)": (btc_dd, 0.20),
    }
    return {name: (q, float(_window(s, start, end).quantile(q)))
            for name, (s, q) in measured.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="start", default="2014-01-01")
    p.add_argument("--to", dest="end", default="2019-12-31")
    a = p.parse_args()
    print(f"in-sample {a.start} .. {a.end} (bundled history)")
    for name, (_, value) in quantiles(a.start, a.end).items():
        print(f"  {name:42s} {value:+.4f}")


if __name__ == "__main__":
    main()
