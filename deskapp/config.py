"""Typed configuration from TOML: defaults in resources/, overridden by the user's file.

Every error names the file, the key and what was expected.
"""

from __future__ import annotations

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
    source_files: tuple[str, ...] = ()
    alerts: AlertsConfig = field(default_factory=AlertsConfig)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
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


def _int_list(tree: dict[str, Any], dotted: str, files: str) -> tuple[int, ...]:
    vals = _get(tree, dotted, list, files)
    if not vals or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 2 for v in vals):
        raise ConfigError(f"{files}: key '{dotted}' must be a non-empty list of integers >= 2")
    return tuple(vals)


ALERT_KINDS = ("regime", "early_warning", "correlation_zone", "flywheel")


def _alerts(tree: dict[str, Any], files: str) -> AlertsConfig:
    cooldowns = []
    for kind in ALERT_KINDS:
        minutes = _get(tree, f"alerts.cooldown_minutes.{kind}", int, files)
        if minutes < 0:
            raise ConfigError(f"{files}: key 'alerts.cooldown_minutes.{kind}' must be minutes "
                              f">= 0, got {minutes}")
        cooldowns.append((kind, minutes))
    extra = set(_get(tree, "alerts.cooldown_minutes", dict, files)) - set(ALERT_KINDS)
    if extra:
        raise ConfigError(f"{files}: unknown key 'alerts.cooldown_minutes.{sorted(extra)[0]}' "
                          f"(expected one of {', '.join(ALERT_KINDS)})")
    seconds = _get(tree, "alerts.banner_seconds", int, files)
    if seconds < 1:
        raise ConfigError(f"{files}: key 'alerts.banner_seconds' must be seconds >= 1, "
                          f"got {seconds}")
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
        tree = _merge(tree, _load_toml(user_file))
        files = [str(user_file)]
    where = files[-1]
    basket = _get(tree, "universe.ai_basket", list, where)
    if not all(isinstance(s, str) and s for s in basket):
        raise ConfigError(f"{where}: key 'universe.ai_basket' must be a list of ticker strings")
    h1 = _get(tree, "correlation.h1_window", int, where)
    h4 = _get(tree, "correlation.h4_window", int, where)
    if h1 < 2 or h4 < 2:
        raise ConfigError(f"{where}: correlation windows must be integers >= 2")
    journal_url = tree.get("journal_url")
    if journal_url is not None and not (isinstance(journal_url, str) and journal_url.strip()):
        raise ConfigError(f"{where}: key 'journal_url' must be a file path or a "
                          f"postgresql:// URL, got {journal_url!r}")
    level = None  # optional: the prior 252-session high when unset
    if "smallcaps" in tree and "breakout_level" in _get(tree, "smallcaps", dict, where):
        level = _get(tree, "smallcaps.breakout_level", float, where)
        if not level > 0:
            raise ConfigError(f"{where}: key 'smallcaps.breakout_level' must be a Russell 2000 "
                              f"level > 0, got {level!r}")
    return Config(
        journal_url=journal_url.strip() if journal_url else None,
        default_replay=_get(tree, "replay.default", str, where),
        ai_basket=tuple(basket),
        correlation=CorrelationConfig(_int_list(tree, "correlation.daily_windows", where), h1, h4),
        vol_target_ndx=_get(tree, "vol_target.ndx", float, where),
        vol_target_btc=_get(tree, "vol_target.btc", float, where),
        rut_breakout_level=level,
        source_files=tuple([str(default)] + ([str(user_file)] if user_file else [])),
        alerts=_alerts(tree, where),
    )
