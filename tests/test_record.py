"""A recorded store plays like a bundled one: listed, loaded, replayed."""

from __future__ import annotations

import pandas as pd

from deskapp.commands.record import write_store
from deskapp.data.instruments import UNIVERSE
from deskapp.data.replay import find_dataset, list_datasets, load_dataset
from deskapp.paths import data_dir


def test_a_recorded_store_is_listed_and_loads_the_same_values(datasets):
    src = datasets("2026-02-risk-off")
    keys = ["idx.spx", "crypto.btcusdt.1h", "rates.us10y"]
    frames = {k: src.frames[k].loc["2026-02-01":"2026-02-10"] for k in keys}
    series = {s.key: s for s in UNIVERSE}
    folder = write_store(data_dir() / "replays" / "my-week", "my-week", frames, series,
                         {"fx.dxy": "HTTP 502"}, days=10)
    assert (folder / "PROVENANCE.md").read_text().count("`fx.dxy`: HTTP 502") == 1
    names = [i.name for i in list_datasets()]
    assert "my-week" in names and "2026-02-risk-off" in names
    info = find_dataset("my-week")
    assert info.store == folder
    assert info.end == max(f.index[-1] for f in frames.values())
    loaded = load_dataset("my-week")
    for k in keys:
        pd.testing.assert_frame_equal(loaded.frames[k], frames[k], check_freq=False)
    assert loaded.meta["idx.spx"]["freq"] == "1d"
