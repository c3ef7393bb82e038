"""Rebuild resources/track_record.json from `deskapp evaluate` on the bundled `history` replay.

Usage: python tools/build_track_record.py [--from 2014-01-01] [--to 2026-02-13] [--out PATH]
Format: docs/EVALUATE.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deskapp.config import load_config  # noqa: E402
from deskapp.data.replay import load_dataset  # noqa: E402
from deskapp.evaluate.episodes import load_episodes  # noqa: E402
from deskapp.evaluate.run import build_timeline, summarise  # noqa: E402
from deskapp.evaluate.table import track_record  # noqa: E402
from deskapp.evaluate.timeline import Settings, stderr_bar  # noqa: E402


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="start", default="2014-01-01")
    p.add_argument("--to", dest="end", default="2026-02-13")
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "track_record.json")
    args = p.parse_args()
    ds = load_dataset("history")
    timeline = build_timeline(ds.frames, ds.meta, pd.Timestamp(args.start, tz="UTC"),
                              pd.Timestamp(args.end, tz="UTC"),
                              Settings.from_config(load_config(None)),
                              progress=stderr_bar("track record"))
    summary = summarise(timeline, load_episodes(), "history")
    table = track_record(timeline, summary, f"deskapp evaluate --replay history --from "
                         f"{args.start} --to {args.end} (commit {_commit()})")
    args.out.write_text(json.dumps(table, separators=(",", ":"), allow_nan=False),
                        encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(table['days'])} days)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
