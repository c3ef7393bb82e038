"""Where the upstream files live (../shared/data beside the clone), and the one way to skip
without them.

A clone on its own has no ../shared: every comparison with the upstream files then skips through
`need_shared()`, from one line with one reason, so `pytest -ra` names it once. Everything the
repository can check by itself (hashes, units, stamps, ranges of the replay store and the
fixtures) never goes through here. `DESKAPP_NO_SHARED=1` hides ../shared even when it is there
(`.ci/run` uses it to prove a lone clone passes).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
HIDE_ENV = "DESKAPP_NO_SHARED"
REASON = (f"comparison with the upstream files in ../shared/data: not beside this clone"
          f" (or {HIDE_ENV}=1)")


def shared_data() -> Path | None:
    """../shared/data if it is there and not hidden, else None."""
    if os.environ.get(HIDE_ENV, "") not in ("", "0"):
        return None
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def need_shared() -> Path:
    """../shared/data, or skip the calling test (always from this line, with REASON)."""
    found = shared_data()
    if found is None:
        pytest.skip(REASON)
    return found


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
