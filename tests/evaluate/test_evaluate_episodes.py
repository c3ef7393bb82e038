"""docs/EPISODES.md: enough stress episodes and calm stretches, parsed by evaluate."""

from __future__ import annotations

import pandas as pd
import pytest

from deskapp.evaluate.episodes import EpisodeError, load_episodes, parse_episodes


def test_the_episode_list_has_twenty_stress_episodes_and_ten_calm_stretches():
    eps = load_episodes()
    stress = [e for e in eps if e.kind == "stress"]
    calm = [e for e in eps if e.kind == "calm"]
    assert len(stress) >= 20 and len(calm) >= 10
    for e in eps:
        assert pd.Timestamp("2014-01-01", tz="UTC") <= e.start <= e.end
        assert e.end <= pd.Timestamp("2026-02-13", tz="UTC")
        assert e.name and e.what
    days = {f"{e.start:%Y-%m-%d}" for e in stress} | {f"{e.end:%Y-%m-%d}" for e in stress}
    covered = [d for d in ("2015-08-24", "2018-02-05", "2020-03-16", "2022-05-12",
                           "2022-11-09", "2023-03-13", "2024-08-05", "2025-04-07",
                           "2021-05-19", "2025-10-10", "2026-02-05")
               if any(e.start <= pd.Timestamp(d, tz="UTC") <= e.end for e in stress)]
    assert len(covered) == 11, covered
    assert days


def test_parse_rows_and_reject_reversed_windows():
    text = ("| kind | start | end | name | what |\n|---|---|---|---|---|\n"
            "| stress | 2020-03-09 | 2020-03-16 | Covid | crash |\n"
            "| calm | 2017-10-02 | 2017-11-03 | Autumn | quiet |\n"
            "| other | 2017-10-02 | 2017-11-03 | x | y |\n")
    eps = parse_episodes(text)
    assert [(e.kind, e.name) for e in eps] == [("stress", "Covid"), ("calm", "Autumn")]
    with pytest.raises(EpisodeError, match="end 2020-03-01 is before start"):
        parse_episodes("| stress | 2020-03-09 | 2020-03-01 | Bad | x |")
