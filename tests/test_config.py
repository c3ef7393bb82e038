"""Typed configuration: defaults, a user file on top, and errors that name file, key and type."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from deskapp.config import Config, ConfigError, load_config
from deskapp.resources import resource_dir

DEFAULTS = resource_dir() / "default_config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_and_match_the_default_file():
    raw = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    cfg = load_config()
    assert isinstance(cfg, Config)
    assert cfg.default_replay == raw["replay"]["default"] == "2026-02-risk-off"
    assert cfg.ai_basket == tuple(raw["universe"]["ai_basket"])
    assert cfg.correlation.daily_windows == (30, 60, 90)  # DESIGN.md section 5
    assert cfg.correlation.h1_window == 120 and cfg.correlation.h4_window == 90
    assert cfg.vol_target_ndx == 0.15 and cfg.vol_target_btc == 0.50
    assert cfg.source_files == (str(DEFAULTS),)


def test_user_file_overrides_one_key_and_keeps_the_rest(tmp_path):
    user = write(tmp_path, "[correlation]\nh1_window = 35\n")
    cfg = load_config(user)
    base = load_config()
    assert cfg.correlation.h1_window == 35
    assert cfg.correlation.h4_window == base.correlation.h4_window
    assert cfg.correlation.daily_windows == base.correlation.daily_windows
    assert cfg.ai_basket == base.ai_basket
    assert cfg.source_files == (str(DEFAULTS), str(user))


def test_int_where_float_expected_is_accepted(tmp_path):
    cfg = load_config(write(tmp_path, "[vol_target]\nbtc = 1\n"))
    assert cfg.vol_target_btc == 1.0 and isinstance(cfg.vol_target_btc, float)


def test_malformed_toml_names_the_file(tmp_path):
    user = write(tmp_path, "[correlation\nh1_window = \n")
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert str(user) in msg and "not valid TOML" in msg


@pytest.mark.parametrize(("text", "shown"), [
    ('[correlation]\nh1_window = "120"\n', "str '120'"),
    ("[correlation]\nh1_window = 1.5\n", "float 1.5"),
    ("[correlation]\nh1_window = true\n", "bool True"),
])
def test_wrong_type_names_key_and_expected_type(tmp_path, text, shown):
    user = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert str(user) in msg
    assert "'correlation.h1_window' must be int" in msg
    assert shown in msg


def test_window_below_two_is_refused(tmp_path):
    user = write(tmp_path, "[correlation]\nh4_window = 1\n")
    with pytest.raises(ConfigError, match="key 'correlation.h4_window' must be a window of 2 to"):
        load_config(user)


def test_bad_daily_windows_list(tmp_path):
    user = write(tmp_path, "[correlation]\ndaily_windows = [30, \"x\"]\n")
    with pytest.raises(ConfigError) as err:
        load_config(user)
    assert "correlation.daily_windows" in str(err.value) and str(user) in str(err.value)


@pytest.mark.parametrize("windows", ["[30, 60]", "[20, 30, 60, 90]"])
def test_daily_windows_are_three(tmp_path, windows):
    """The snapshot has three daily slots (daily_30/60/90): two or four windows is an error."""
    user = write(tmp_path, f"[correlation]\ndaily_windows = {windows}\n")
    with pytest.raises(ConfigError, match="must list three windows") as err:
        load_config(user)
    assert str(user) in str(err.value)
    ok = write(tmp_path, "[correlation]\ndaily_windows = [20, 45, 90]\n")
    assert load_config(ok).correlation.daily_windows == (20, 45, 90)


def test_missing_user_file(tmp_path):
    missing = tmp_path / "nope" / "config.toml"
    with pytest.raises(ConfigError) as err:
        load_config(missing)
    assert str(err.value) == f"config file not found: {missing}"


def test_errors_are_one_line(tmp_path):
    for text in ("[a\n", "[correlation]\nh1_window = 'x'\n", "[universe]\nai_basket = [1, 2]\n"):
        with pytest.raises(ConfigError) as err:
            load_config(write(tmp_path, text))
        assert "\n" not in str(err.value), str(err.value)


def test_smallcaps_breakout_level_is_optional_typed_and_positive(tmp_path):
    assert load_config().rut_breakout_level is None  # default: the prior 252-session high
    assert load_config(write(tmp_path, "[smallcaps]\nbreakout_level = 2600\n")) \
        .rut_breakout_level == 2600.0
    for text, expect in (('[smallcaps]\nbreakout_level = "2600"\n', "must be float"),
                         ("[smallcaps]\nbreakout_level = -1.0\n", "level > 0"),
                         ("smallcaps = 2600\n", "'smallcaps' must be dict")):
        with pytest.raises(ConfigError, match=expect) as err:
            load_config(write(tmp_path, text))
        assert "config.toml" in str(err.value) and "smallcaps" in str(err.value)
