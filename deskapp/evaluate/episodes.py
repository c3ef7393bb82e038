"""The episode list of docs/EPISODES.md: stress episodes and calm stretches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DEFAULT = Path(__file__).resolve().parents[2] / "docs" / "EPISODES.md"
_ROW = re.compile(r"^\|\s*(stress|calm)\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|"
                  r"\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$")


class EpisodeError(ValueError):
    """The episode file cannot be read; the message is one line."""


@dataclass(frozen=True)
class Episode:
    kind: str  # "stress" or "calm"
    start: pd.Timestamp
    end: pd.Timestamp
    name: str
    what: str


def parse_episodes(text: str) -> list[Episode]:
    """Rows `| stress|calm | start | end | name | what happened |` of the markdown table."""
    out = []
    for line in text.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        kind, a, b, name, what = m.groups()
        start, end = pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")
        if end < start:
            raise EpisodeError(f"episode '{name}': end {b} is before start {a}")
        out.append(Episode(kind, start, end, name, what))
    return out


def load_episodes(path: Path = DEFAULT) -> list[Episode]:
    from deskapp.commands.checks import printable

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EpisodeError(f"cannot read episodes '{printable(path)}': "
                           f"{printable(exc.strerror or exc)}") from None
    except (ValueError, UnicodeError) as exc:  # a NUL in the name, a file that is not text
        raise EpisodeError(f"cannot read episodes '{printable(path)}': {printable(exc)}") from None
    return parse_episodes(text)
