"""Saved window layouts: one per screen configuration, named layouts, clamped to real screens.

A layout is a JSON document (stored as text in QSettings) describing every window of the desk —
the main window and each watch screen: its geometry and monitor, maximised / full screen, its
docks and splitters (`QMainWindow.saveState`, base64), the panes a watch screen shows and its
time axis (follow live, span, x range). Two version numbers guard it: `LAYOUT_FORMAT` for this
document, and the dock-state version the main window passes to `saveState`/`restoreState`.

The current layout is kept per screen configuration: the set of connected screens (name and
geometry, `screen_key`). When the screens change (a monitor unplugged, a laptop undocked) and no
layout was saved for the new set, the most recently saved layout is used and every window that
was on a screen that is gone is moved onto one that exists (`clamp_rect`). The list of screens
comes from `qt_screens`, looked up at each call, so tests can replace it with a fake.

Spyder's habit (../shared/STYLE.md): a layout that fails to restore falls back to the default
one; the caller says so in the status bar.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication

LAYOUT_FORMAT = 1
CURRENT_KEY = "layouts/current"  # + "/<hash of the screen key>"
LAST_KEY = "layouts/last"  # the hash whose layout was saved last
NAMED_KEY = "layouts/named"  # one JSON object: name -> layout


class LayoutError(Exception):
    """A saved layout that cannot be used; the message says why (one line)."""


@dataclass(frozen=True)
class ScreenInfo:
    name: str
    geometry: QRect
    available: QRect  # without task bars and docks


def qt_screens() -> list[ScreenInfo]:
    """The connected screens, primary first."""
    primary = QGuiApplication.primaryScreen()
    screens = QGuiApplication.screens()
    screens.sort(key=lambda s: s is not primary)
    return [ScreenInfo(s.name(), s.geometry(), s.availableGeometry()) for s in screens]


def screen_key(screens: list[ScreenInfo]) -> str:
    """The screen configuration as text: each screen's name and geometry, sorted."""
    parts = sorted(f"{s.name}@{s.geometry.x()},{s.geometry.y()},"
                   f"{s.geometry.width()}x{s.geometry.height()}" for s in screens)
    return "|".join(parts)


def rect_list(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def list_rect(values: Any) -> QRect:
    if (not isinstance(values, list) or len(values) != 4
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
            or values[2] <= 0 or values[3] <= 0):
        raise LayoutError(f"bad geometry {values!r}")
    return QRect(*values)


def screen_at(rect: QRect, screens: list[ScreenInfo]) -> ScreenInfo | None:
    """The screen holding the rectangle's centre, else the one it overlaps most, else None."""
    centre = rect.center()
    for s in screens:
        if s.geometry.contains(centre):
            return s
    best, area = None, 0
    for s in screens:
        overlap = s.geometry.intersected(rect)
        if overlap.width() * overlap.height() > area:
            best, area = s, overlap.width() * overlap.height()
    return best


def clamp_rect(rect: QRect, screens: list[ScreenInfo]) -> QRect:
    """`rect` moved (and shrunk if needed) to lie on a screen that exists.

    A window whose centre is on a screen stays where it is. Otherwise it goes to the screen it
    overlaps most, or the primary screen, keeping its size when it fits the available area."""
    if not screens:
        return QRect(rect)
    target = screen_at(rect, screens)
    if target is not None and target.geometry.contains(rect.center()):
        return QRect(rect)
    area = (target or screens[0]).available
    width, height = min(rect.width(), area.width()), min(rect.height(), area.height())
    x = min(max(rect.x(), area.x()), area.x() + area.width() - width)
    y = min(max(rect.y(), area.y()), area.y() + area.height() - height)
    return QRect(x, y, width, height)


def place(window: dict, screens: list[ScreenInfo]) -> QRect:
    """Where a saved window goes now: on its monitor when that monitor is still there (moved
    with it if the monitor's position changed), else clamped onto a screen that exists."""
    rect = list_rect(window.get("geometry"))
    name, saved = window.get("screen"), window.get("screen_geometry")
    if isinstance(name, str) and isinstance(saved, list):
        try:
            was = list_rect(saved)
        except LayoutError:
            was = None
        now = next((s for s in screens if s.name == name), None)
        if was is not None and now is not None and name:
            rect.translate(now.geometry.topLeft() - was.topLeft())
    return clamp_rect(rect, screens)


def encode_state(state: QByteArray | bytes) -> str:
    return base64.b64encode(bytes(state)).decode("ascii")


def decode_state(text: Any) -> QByteArray:
    if not isinstance(text, str):
        raise LayoutError("dock state missing")
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, UnicodeError) as exc:
        raise LayoutError(f"dock state unreadable ({exc})") from None


def parse(raw: Any) -> dict:
    """A stored layout, checked: a dict with this format, a main window, well-formed windows."""
    if isinstance(raw, QByteArray):
        raw = bytes(raw)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise LayoutError("not text") from None
    if not isinstance(raw, str):
        raise LayoutError(f"unexpected {type(raw).__name__} in the settings")
    try:
        layout = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise LayoutError(f"not a layout ({exc.__class__.__name__})") from None
    if not isinstance(layout, dict):
        raise LayoutError("not a layout")
    if layout.get("format") != LAYOUT_FORMAT:
        raise LayoutError(f"layout format {layout.get('format')!r}, this deskapp reads "
                          f"{LAYOUT_FORMAT}")
    windows = layout.get("windows")
    if not isinstance(windows, list) or not windows or not all(isinstance(w, dict)
                                                               for w in windows):
        raise LayoutError("no windows")
    if windows[0].get("id") != "main" or any(w.get("id") != "watch" for w in windows[1:]):
        raise LayoutError("windows out of order")
    for w in windows:
        list_rect(w.get("geometry"))
        decode_state(w.get("state"))
        if w["id"] == "watch" and not (isinstance(w.get("panes"), list)
                                       and all(isinstance(p, str) for p in w["panes"])):
            raise LayoutError("a watch screen without its pane list")
    return layout


class LayoutStore:
    """Layouts in QSettings: the current one per screen configuration, and named ones."""

    def __init__(self, settings: QSettings,
                 screens: Callable[[], list[ScreenInfo]] | None = None):
        self.settings = settings
        self._screens = screens

    def screens(self) -> list[ScreenInfo]:
        return (self._screens or qt_screens)()

    def key(self) -> str:
        return screen_key(self.screens())

    @staticmethod
    def _slot(key: str) -> str:
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    # ------------------------------------------------------------------ current
    def save(self, layout: dict) -> None:
        """The layout for the connected screens (and as the latest saved)."""
        key = self.key()
        slot = self._slot(key)
        layout = {**layout, "format": LAYOUT_FORMAT, "screens": key}
        self.settings.setValue(f"{CURRENT_KEY}/{slot}", json.dumps(layout))
        self.settings.setValue(LAST_KEY, slot)
        self.settings.sync()

    def load(self) -> dict | None:
        """The layout saved for the connected screens, else the latest saved one (its windows
        are clamped onto these screens when applied); None when there is none.
        Raises LayoutError when the stored value is unusable."""
        raw = self.settings.value(f"{CURRENT_KEY}/{self._slot(self.key())}")
        if raw is None:
            last = self.settings.value(LAST_KEY)
            if isinstance(last, str):
                raw = self.settings.value(f"{CURRENT_KEY}/{last}")
        return None if raw is None else parse(raw)

    # ------------------------------------------------------------------ named
    def _named(self) -> dict[str, Any]:
        raw = self.settings.value(NAMED_KEY)
        if raw is None:
            return {}
        try:
            named = json.loads(raw) if isinstance(raw, str) else None
        except json.JSONDecodeError:
            named = None
        return named if isinstance(named, dict) else {}

    def names(self) -> list[str]:
        return sorted(self._named(), key=str.casefold)

    def save_named(self, name: str, layout: dict) -> None:
        named = self._named()
        named[name] = {**layout, "format": LAYOUT_FORMAT, "screens": self.key()}
        self.settings.setValue(NAMED_KEY, json.dumps(named))
        self.settings.sync()

    def load_named(self, name: str) -> dict:
        named = self._named()
        if name not in named:
            raise LayoutError(f"no layout named {name!r}")
        return parse(json.dumps(named[name]))

    def delete_named(self, name: str) -> None:
        named = self._named()
        if named.pop(name, None) is not None:
            self.settings.setValue(NAMED_KEY, json.dumps(named))
            self.settings.sync()


def window_entry(window, kind: str, state: QByteArray, screens: list[ScreenInfo],
                 **extra: Any) -> dict:
    """One window of a layout: geometry (normal, not maximised), its monitor, flags, docks."""
    rect = window.normalGeometry() if (window.isMaximized() or window.isFullScreen()) \
        else window.geometry()
    if not rect.isValid():
        rect = window.geometry()
    from PySide6.QtWidgets import QDockWidget

    # Floating docks: Qt's restoreState puts them back clamped to the screens Qt knows; their
    # own entries let `place` treat them like windows (same monitor, or clamped).
    floating = {dock.objectName(): placed(dock.geometry(), screens)
                for dock in window.findChildren(QDockWidget)
                if dock.isFloating() and dock.objectName()}
    return {
        "id": kind,
        **placed(rect, screens),
        "maximized": bool(window.isMaximized()),
        "full_screen": bool(window.isFullScreen()),
        "state": encode_state(state),
        "floating": floating,
        **extra,
    }


def placed(rect: QRect, screens: list[ScreenInfo]) -> dict:
    """A rectangle with the monitor it is on (see `place`)."""
    screen = screen_at(rect, screens)
    return {"geometry": rect_list(rect), "screen": screen.name if screen else "",
            "screen_geometry": rect_list(screen.geometry) if screen else None}
