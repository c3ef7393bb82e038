"""Build the FRED CSV fixtures in tests/fixtures/fred/ from the real data in ../shared/data.

Run from the repo root:  python tools/build_fred_fixtures.py [--shared ../shared/data]

The files in ../shared/data are FRED `fredgraph.csv` downloads whose header was renamed to
`date,<id in lower case>` (../shared/data/README.md); the original downloads start
`observation_date,<ID>`, keep FRED's blank cell for a missing observation, and are otherwise
the same text. Each fixture is that header restored plus the data lines copied verbatim, over a
window that covers the bundled replay `2026-02-risk-off` (see tests/fixtures/README.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fixture_manifest import write_manifest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "fred"
# FRED id -> (file in ../shared/data/daily, first and last observation date kept)
FIXTURES = {
    "WALCL": ("fed_total_assets_weekly_fred_walcl_2015_2026.csv", "2025-10-01", "2026-02-18"),
    "WTREGEN": ("tga_weekly_fred_wtregen_2026.csv", "2026-01-07", "2026-05-27"),
    "RRPONTSYD": ("on_rrp_daily_fred_rrpontsyd_2015_2026.csv", "2025-12-01", "2026-02-17"),
}


def build(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for series_id, (name, first, last) in FIXTURES.items():
        lines = (shared / "daily" / name).read_text(encoding="utf-8").splitlines()
        assert lines[0] == f"date,{series_id.lower()}", lines[0]
        rows = [ln for ln in lines[1:] if first <= ln[:10] <= last]
        text = f"observation_date,{series_id}\n" + "\n".join(rows) + "\n"
        (OUT / f"{series_id}.csv").write_text(text, encoding="utf-8")
        print(f"{series_id}.csv: {len(rows)} rows {rows[0][:10]} .. {rows[-1][:10]}")
    upstream = [f"daily/{name}" for name, _, _ in FIXTURES.values()]
    write_manifest(OUT, "python tools/build_fred_fixtures.py", shared, upstream)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    build(parser.parse_args().shared)
