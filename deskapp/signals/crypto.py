"""Crypto derivatives structure (DESIGN.md section 5, "Crypto structure")."""

from __future__ import annotations

import pandas as pd


def annualised_funding(rate: pd.Series, interval_hours: float = 8.0) -> pd.Series:
    """Funding annualised = rate x (24 / funding interval hours) x 365, as a fraction per year."""
    return rate * (24.0 / interval_hours) * 365.0
