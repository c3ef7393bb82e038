"""Issue 13, item 5: a user config that says nonsense is refused with one line naming the file,
the key and what is accepted; a relative journal_url is taken from the config file's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskapp.cli import main
from deskapp.config import ConfigError, load_config


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", ["ndx", "btc"])
@pytest.mark.parametrize("value", ["nan", "inf", "0", "0.0", "-1", "-inf", "6.0"])
def test_vol_target_must_be_a_positive_finite_volatility(key, value, tmp_path):
    user = write(tmp_path, f"[vol_target]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert str(user) in msg and f"'vol_target.{key}'" in msg and "above 0" in msg
    assert "\n" not in msg


def test_a_nan_vol_target_no_longer_shows_a_zero_pressure(tmp_path, capsys):
    """Before: `ndx = nan` printed an NDX de-leveraging pressure of 0.0 (the default target
    gives a positive one at this time). Now the config is refused, exit 2, one line."""
    argv = ["signals", "--replay", "2026-02-risk-off", "--at", "2026-02-05T22:00Z", "--json"]
    assert main(argv) == 0
    shown = json.loads(capsys.readouterr().out)["volatility"]
    assert shown["ndx_delever_pressure"] > 0.05  # with the default target (0.0758 here)
    user = write(tmp_path, "[vol_target]\nndx = nan\n")
    assert main(argv + ["--config", str(user)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "vol_target.ndx" in lines[0] and str(user) in lines[0]


@pytest.mark.parametrize(("text", "key", "accepted"), [
    ('jounal_url = "j.sqlite3"\n', "jounal_url", "did you mean 'journal_url'"),
    ("[correlaton]\nh1_window = 30\n", "correlaton", "did you mean 'correlation'"),
    ("[correlation]\nh1_windw = 30\n", "correlation.h1_windw",
     "did you mean 'correlation.h1_window'"),
    ("[vol_target]\nspx = 0.2\n", "vol_target.spx", "btc, ndx"),
    ("[alerts]\nbaner_seconds = 5\n", "alerts.banner_seconds", "did you mean"),
    ("[smallcaps]\nbreakout = 2600\n", "smallcaps.breakout", "breakout_level"),
], ids=["top-level key", "section", "key in a section", "no near match", "alerts", "smallcaps"])
def test_unknown_keys_and_sections_are_named_with_what_is_accepted(text, key, accepted,
                                                                    tmp_path):
    user = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert msg.startswith(f"{user}: unknown key '{key.split('.')[0]}") or f"'{key}" in msg
    assert str(user) in msg and accepted in msg


def test_every_key_of_the_default_file_is_known(tmp_path):
    """The defaults copied whole into a user file (as the default file invites) are accepted,
    with the optional keys set too."""
    from deskapp.resources import resource_dir

    text = (resource_dir() / "default_config.toml").read_text(encoding="utf-8")
    text = 'journal_url = "/tmp/x.sqlite3"\n' + text + "breakout_level = 2600.0\n"
    cfg = load_config(write(tmp_path, text))
    assert cfg.rut_breakout_level == 2600.0 and cfg.journal_url == "/tmp/x.sqlite3"


@pytest.mark.parametrize(("text", "key", "accepted"), [
    ("[correlation]\nh1_window = 9223372036854775807\n", "correlation.h1_window", "2 to 10000"),
    ("[correlation]\ndaily_windows = [30, 100000]\n", "correlation.daily_windows", "2 to 10000"),
    ("[alerts.cooldown_minutes]\nregime = 99999999999\n", "alerts.cooldown_minutes.regime",
     "0 to 525600"),
    ("[alerts]\nbanner_seconds = 99999999999\n", "alerts.banner_seconds", "1 to 86400"),
    ("[smallcaps]\nbreakout_level = inf\n", "smallcaps.breakout_level", "level > 0"),
    ("[smallcaps]\nbreakout_level = nan\n", "smallcaps.breakout_level", "level > 0"),
], ids=["h1 huge", "daily huge", "cooldown huge", "banner huge", "level inf", "level nan"])
def test_out_of_range_values_name_the_key_and_the_range(text, key, accepted, tmp_path):
    user = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(user)
    msg = str(err.value)
    assert str(user) in msg and f"'{key}'" in msg and accepted in msg


def test_relative_journal_url_is_taken_from_the_config_files_folder(tmp_path, monkeypatch):
    user = write(tmp_path / "cfg", 'journal_url = "books/j.sqlite3"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(user).journal_url == str(tmp_path / "cfg" / "books" / "j.sqlite3")
    # given as a relative --config too: still the config's folder, not the current one
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("cfg/config.toml")).journal_url == str(
        tmp_path / "cfg" / "books" / "j.sqlite3")


def test_absolute_home_and_url_journal_urls_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for given, expect in (("/srv/j.sqlite3", "/srv/j.sqlite3"),
                          ("~/j.sqlite3", str(tmp_path / "home" / "j.sqlite3")),
                          ("postgresql://desk@db/deskapp", "postgresql://desk@db/deskapp")):
        user = write(tmp_path, f'journal_url = "{given}"\n')
        assert load_config(user).journal_url == expect


def test_journal_add_writes_to_the_journal_the_config_names(tmp_path, monkeypatch, capsys):
    """End to end: the decision lands next to the config, not in the current folder."""
    user = write(tmp_path / "cfg", 'journal_url = "j.sqlite3"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["journal", "--config", str(user), "add", "--decision", "wait",
                 "--profile", "swing"]) == 0
    assert (tmp_path / "cfg" / "j.sqlite3").is_file()
    assert not (tmp_path / "j.sqlite3").exists()


def test_the_desk_refuses_a_bad_user_config_in_the_config_folder(tmp_path, capsys):
    """The desk reads the platform folder's config.toml without --config: the same refusal,
    one line and exit 2 before any window opens (as a malformed TOML file always was)."""
    from deskapp.paths import config_dir

    user = write(config_dir(), "[vol_target]\nndx = 0\n")
    png = tmp_path / "a.png"
    assert main(["--replay", "2026-02-risk-off", "--screenshot", str(png)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(user) in err[0] and "vol_target.ndx" in err[0]
    assert not png.exists()
