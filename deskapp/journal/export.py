"""Spreadsheet-safe CSV export of the decision journal."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets; OWASP's CSV-injection guidance also lists tab and carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (shown as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, rows: Iterable[dict], fields: list[str]) -> int:
    """Write rows (dicts) with those columns; returns the number of rows written."""
    n = 0
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
            n += 1
    return n
