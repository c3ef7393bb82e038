"""The steps in which a staged TimePane makes its rows (deskapp/ui/panes/base.py build_step)."""

from __future__ import annotations

import math

from deskapp.ui.panes.base import CURVES_PER_STEP


def row_turns(pane_class: type) -> list[int]:
    """For each build step of the rows, the rows already made when it runs: per row its plot,
    its placing in the pane, its curves CURVES_PER_STEP at a time, then its notice."""
    return [i for i, row in enumerate(pane_class.rows)
            for _ in range(3 + math.ceil(len(row.curves) / CURVES_PER_STEP))]


def row_parts(pane_class: type) -> int:
    """How many build steps make the rows (the pane's finish not counted)."""
    return len(row_turns(pane_class))
