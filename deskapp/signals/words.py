"""How evidence texts write numbers, trends and flags (one place for the regime, the snapshot's
evidence and the checklist)."""

from __future__ import annotations

from typing import Any


def num(x: Any, spec: str = ".2f") -> str:
    """A number in `spec`, or 'n/a' when there is none."""
    return "n/a" if x is None else format(x, spec)


def trend_word(trend: int | None) -> str:
    return "n/a" if trend is None else {1: "up", -1: "down", 0: "flat"}[trend]


def yes_no(flag: bool | None) -> str:
    return "n/a" if flag is None else ("yes" if flag else "no")
