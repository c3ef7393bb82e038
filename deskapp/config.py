"""Typed configuration from TOML: defaults in resources/, overridden by the user's file.

Every error names the file, the key and what was expected.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskapp.resources import resource_dir


class ConfigError(Exception):
    """A config file that cannot be used. The message is one line."""


@dataclass(frozen=True)
class CorrelationConfig:
    daily_windows: tuple[int, ...] = (30, 60, 90)
    h1_window: int = 120
    h4_window: int = 90


@dataclass(frozen=True)
class AlertsConfig:
    """[alerts]: cooldown per kind in minutes of market time (deskapp/signals/alerts.py)."""

    cooldown_minutes: tuple[tuple[str, int], ...] = (
        ("regime", 240), ("early_warning", 240), ("correlation_zone", 240), ("flywheel", 240))
    tray: bool = True  # system tray notifications, where the desktop has a tray
    banner_seconds: int = 30  # the in-app banner hides itself after this long
    history_file: bool = True  # keep the alert history in alerts.jsonl in the data folder

    @property
    def cooldowns(self) -> dict[str, int]:
        return dict(self.cooldown_minutes)


@dataclass(frozen=True)
class Config:
    default_replay: str = "2026-02-risk-off"
    ai_basket: tuple[str, ...] = ()
    correlation: CorrelationConfig = field(default_factory=CorrelationConfig)
    vol_target_ndx: float = 0.15
    vol_target_btc: float = 0.50
    rut_breakout_level: float | None = None  # [smallcaps] breakout_level; None: 252d high
    journal_url: str | None = None  # a journal file path or a postgresql:// URL
    market_url: str | None = None  # a team feed's postgresql:// URL (deskapp collect fills it)
    source_files: tuple[str, ...] = ()
    alerts: AlertsConfig = field(default_factory=AlertsConfig)


MAX_CONFIG_BYTES = 1 << 20  # a config is a few hundred bytes; more is not a config


def _read_capped(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_CONFIG_BYTES. Opened non-blocking and checked
    before reading, so a pipe, a device (/dev/zero) or a folder is refused, never waited on."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # no O_NONBLOCK on Windows
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"config file {path} is not a regular file (a folder, a device or "
                              "a pipe); give a .toml file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES} bytes; "
                          "a config holds a few settings")
    return data


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read_capped(path).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _get(tree: dict[str, Any], dotted: str, kind: type, files: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"{files}: key '{dotted}' is missing")
        node = node[part]
    if kind is float and isinstance(node, int) and not isinstance(node, bool):
        node = float(node)
    if not isinstance(node, kind) or isinstance(node, bool) and kind is not bool:
        raise ConfigError(f"{files}: key '{dotted}' must be {kind.__name__}, "
                          f"got {type(node).__name__} {node!r}")
    return node


MAX_WINDOW = 10_000  # bars; longer than any stored history
MAX_VOL_TARGET = 5.0  # annualised volatility 500 %
MAX_COOLDOWN_MINUTES = 525_600  # a year
MAX_BANNER_SECONDS = 86_400  # a day


def _int_list(tree: dict[str, Any], dotted: str, files: str) -> tuple[int, ...]:
    vals = _get(tree, dotted, list, files)
    if not vals or not all(isinstance(v, int) and not isinstance(v, bool)
                           and 2 <= v <= MAX_WINDOW for v in vals):
        raise ConfigError(f"{files}: key '{dotted}' must be a non-empty list of integers from 2 "
                          f"to {MAX_WINDOW}, got {vals!r}")
    return tuple(vals)


def _window(tree: dict[str, Any], dotted: str, files: str) -> int:
    bars = _get(tree, dotted, int, files)
    if not 2 <= bars <= MAX_WINDOW:
        raise ConfigError(f"{files}: key '{dotted}' must be a window of 2 to {MAX_WINDOW} bars, "
                          f"got {bars}")
    return bars


def _vol_target(tree: dict[str, Any], dotted: str, files: str) -> float:
    """An annualised volatility target: finite, > 0 (a 0, NaN or inf target would turn the
    de-leveraging pressure into a wrong number, not an error)."""
    value = _get(tree, dotted, float, files)
    if not (math.isfinite(value) and 0 < value <= MAX_VOL_TARGET):
        raise ConfigError(f"{files}: key '{dotted}' must be an annualised volatility above 0 and "
                          f"at most {MAX_VOL_TARGET:g} (e.g. 0.15 for 15 %), got {value!r}")
    return value


# Keys the defaults leave unset but a user file may give.
OPTIONAL_KEYS: dict[str, Any] = {"journal_url": "", "market_url": "",
                                 "smallcaps": {"breakout_level": 0.0}}


def _check_known(over: dict[str, Any], known: dict[str, Any], file: str, prefix: str = "") -> None:
    """Refuse a key or section the desk does not read (a misspelling would be ignored)."""
    for key, value in over.items():
        dotted = prefix + key
        if key not in known:
            near = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean '{prefix}{near[0]}'?" if near else ""
            place = f"in [{prefix[:-1]}]" if prefix else "at the top level"
            raise ConfigError(f"{file}: unknown key '{dotted}'{hint} (accepted {place}: "
                              f"{', '.join(sorted(known))})")
        if isinstance(known[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{file}: key '{dotted}' must be dict (a table [{dotted}]), "
                                  f"got {type(value).__name__} {value!r}")
            _check_known(value, known[key], file, dotted + ".")


def _journal_url(value: Any, user_file: Path | None, files: str) -> str | None:
    """None, a postgresql:// URL, or an absolute path: a relative one is taken from the
    folder of the config file that gives it, not the current folder."""
    from deskapp.journal.locate import is_url

    if value is None:
        return None
    if not (isinstance(value, str) and value.strip() and "\x00" not in value):
        raise ConfigError(f"{files}: key 'journal_url' must be a file path or a "
                          f"postgresql:// URL, got {value!r}")
    value = value.strip()
    if is_url(value):
        return value
    path = Path(value).expanduser()
    if not path.is_absolute() and user_file is not None:
        path = Path(os.path.abspath(user_file)).parent / path
    return str(path)


def _market_url(value: Any, files: str) -> str | None:
    """None, or a postgresql:// URL of a team feed (docs/TEAM.md)."""
    from deskapp.journal.locate import is_url

    if value is None:
        return None
    if not (isinstance(value, str) and is_url(value.strip()) and "\x00" not in value):
        shown = value if not isinstance(value, str) else value.split("@")[-1]
        raise ConfigError(f"{files}: key 'market_url' must be a postgresql:// URL of a team "
                          f"feed (docs/TEAM.md), got {shown!r}")
    return value.strip()


ALERT_KINDS = ("regime", "early_warning", "correlation_zone", "flywheel")


def _alerts(tree: dict[str, Any], files: str) -> AlertsConfig:
    cooldowns = []
    for kind in ALERT_KINDS:
        minutes = _get(tree, f"alerts.cooldown_minutes.{kind}", int, files)
        if not 0 <= minutes <= MAX_COOLDOWN_MINUTES:
            raise ConfigError(f"{files}: key 'alerts.cooldown_minutes.{kind}' must be minutes "
                              f"from 0 to {MAX_COOLDOWN_MINUTES}, got {minutes}")
        cooldowns.append((kind, minutes))
    extra = set(_get(tree, "alerts.cooldown_minutes", dict, files)) - set(ALERT_KINDS)
    if extra:
        raise ConfigError(f"{files}: unknown key 'alerts.cooldown_minutes.{sorted(extra)[0]}' "
                          f"(expected one of {', '.join(ALERT_KINDS)})")
    seconds = _get(tree, "alerts.banner_seconds", int, files)
    if not 1 <= seconds <= MAX_BANNER_SECONDS:
        raise ConfigError(f"{files}: key 'alerts.banner_seconds' must be seconds from 1 to "
                          f"{MAX_BANNER_SECONDS}, got {seconds}")
    return AlertsConfig(tuple(cooldowns), _get(tree, "alerts.tray", bool, files), seconds,
                        _get(tree, "alerts.history_file", bool, files))


def user_config_file() -> Path:
    """The trader's own config.toml in the platform config folder (it may not exist)."""
    from deskapp.paths import config_dir

    return config_dir() / "config.toml"


def load_config(user_file: Path | None = None) -> Config:
    """Defaults from resources/default_config.toml, then `user_file` on top: the given file,
    else the platform config folder's config.toml when there is one."""
    if user_file is None and user_config_file().is_file():
        user_file = user_config_file()
    default = resource_dir() / "default_config.toml"
    tree = _load_toml(default)
    files = [str(default)]
    if user_file is not None:
        over = _load_toml(user_file)
        _check_known(over, _merge(tree, OPTIONAL_KEYS), str(user_file))
        tree = _merge(tree, over)
        files = [str(user_file)]
    where = files[-1]
    basket = _get(tree, "universe.ai_basket", list, where)
    if not all(isinstance(s, str) and s for s in basket):
        raise ConfigError(f"{where}: key 'universe.ai_basket' must be a list of ticker strings")
    daily = _int_list(tree, "correlation.daily_windows", where)
    if len(daily) != 3:
        raise ConfigError(f"{where}: key 'correlation.daily_windows' must list three windows "
                          f"(short, medium, long; the short one sets the zone), got {list(daily)}")
    h1, h4 = (_window(tree, f"correlation.{k}", where) for k in ("h1_window", "h4_window"))
    journal_url = _journal_url(tree.get("journal_url"), user_file, where)
    level = None  # optional: the prior 252-session high when unset
    if "smallcaps" in tree and "breakout_level" in _get(tree, "smallcaps", dict, where):
        level = _get(tree, "smallcaps.breakout_level", float, where)
        if not (math.isfinite(level) and level > 0):
            raise ConfigError(f"{where}: key 'smallcaps.breakout_level' must be a Russell 2000 "
                              f"level > 0, got {level!r}")
    return Config(
        journal_url=journal_url,
        market_url=_market_url(tree.get("market_url"), where),
        default_replay=_get(tree, "replay.default", str, where),
        ai_basket=tuple(basket),
        correlation=CorrelationConfig(daily, h1, h4),
        vol_target_ndx=_vol_target(tree, "vol_target.ndx", where),
        vol_target_btc=_vol_target(tree, "vol_target.btc", where),
        rut_breakout_level=level,
        source_files=tuple([str(default)] + ([str(user_file)] if user_file else [])),
        alerts=_alerts(tree, where),
    )
