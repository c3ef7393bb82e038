"""A pyqtgraph PlotItem made without its hidden "Plot Options" form.

pyqtgraph's PlotItem builds, for its right-click menu, a form of 44 hidden widgets (check
boxes, radio buttons, spin boxes, sliders, a list, group boxes, a menu with six sub-menus) and
keeps the plot's modes in them: downsampling, clip to view, log, FFT, alpha, grid, averaging.
The desk never shows that menu (`setMenuEnabled(False)`), yet the form was ~2 ms of the ~6 ms
of making a plot, and each of its widgets received every application palette change (a theme
switch): 30 plain plots, ~34 ms of events after one, idle (docs/ARCHITECTURE.md).

`LeanPlotItem` is a PlotItem whose form is `PlotControls`: plain-Python stand-ins with the same
names and the Qt behaviour PlotItem relies on (`setChecked` emits `toggled` only on a change,
auto-exclusive radio buttons, spin boxes and sliders clamped to their range). PlotItem's own
methods read and set them unchanged. It swaps three names of pyqtgraph's PlotItem module while
its constructor runs (GUI thread only); a pyqtgraph whose module lacks them gets the plain form.
`tests/ui/test_lean_plot.py` checks every control PlotItem's code names against the real form.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

log = logging.getLogger(__name__)
# The module, not the class the package exports under the same name.
plot_item_module = importlib.import_module("pyqtgraph.graphicsItems.PlotItem.PlotItem")


class _Signal:
    """A Qt signal's connect/emit, for a stand-in: each slot gets as many of the arguments as
    it takes, as PySide6 does (`toggled(bool)` connected to `updateDownsampling(self)`). A
    bound method is held weakly, as a Qt connection does not keep its receiver: the plot's
    controls connected to its own methods would otherwise make a reference cycle, and a
    closed pane's plots would wait for the cyclic collector (one pass freeing a watch
    screen's panes held the GUI thread 57 ms under the soak's load) instead of going at once."""

    __slots__ = ("_slots",)

    def __init__(self) -> None:
        self._slots: list[tuple[Callable, int | None]] = []

    def connect(self, slot: Callable) -> None:
        held = weakref.WeakMethod(slot) if inspect.ismethod(slot) else (lambda: slot)
        self._slots.append((held, _arity(slot)))

    def emit(self, *args: Any) -> None:
        for held, arity in list(self._slots):
            slot = held()
            if slot is not None:  # (a receiver already gone: nothing to call)
                slot(*(args if arity is None else args[:arity]))


def _arity(slot: Callable) -> int | None:
    """How many positional arguments `slot` takes (None: any number)."""
    try:
        params = inspect.signature(slot).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


class CheckControl:
    """A check box, or a checkable group box: `isChecked`, `setChecked`, `toggled`."""

    def __init__(self, checked: bool = False) -> None:
        self._checked = checked
        self.toggled = _Signal()

    def isChecked(self) -> bool:  # noqa: N802 (Qt's name)
        return self._checked

    def setChecked(self, checked: bool) -> None:  # noqa: N802
        checked = bool(checked)
        if checked != self._checked:
            self._checked = checked
            self.toggled.emit(checked)


class RadioControl(CheckControl):
    """An auto-exclusive radio button: checking it unchecks the group's checked one (which
    emits `toggled(False)` before this one's `toggled(True)`); the checked one cannot be
    unchecked."""

    def __init__(self, group: list[weakref.ref[RadioControl]], checked: bool = False) -> None:
        super().__init__(checked)
        self._group = group  # weak: no reference cycle among the radio buttons
        group.append(weakref.ref(self))

    def setChecked(self, checked: bool) -> None:  # noqa: N802
        checked = bool(checked)
        if checked == self._checked or not checked:
            return
        self._checked = True  # first, as Qt: the other's toggled(False) sees this one checked
        for ref in self._group:
            other = ref()
            if other is not None and other is not self and other._checked:
                other._checked = False
                other.toggled.emit(False)
        self.toggled.emit(True)


class RangeControl:
    """A spin box or slider: an integer clamped to [minimum, maximum]; `valueChanged`."""

    def __init__(self, minimum: int, maximum: int, value: int) -> None:
        self._min, self._max, self._value = minimum, maximum, value
        self.valueChanged = _Signal()  # noqa: N815 (Qt's name)

    def value(self) -> int:
        return self._value

    def minimum(self) -> int:
        return self._min

    def maximum(self) -> int:
        return self._max

    def setValue(self, value: float) -> None:  # noqa: N802
        value = min(max(int(value), self._min), self._max)
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)


class ListControl:
    """The averaging parameters' list: QListWidgetItems kept in order."""

    def __init__(self) -> None:
        self._items: list = []
        self.itemClicked = _Signal()  # noqa: N815

    def clear(self) -> None:
        self._items.clear()

    def addItem(self, item) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def item(self, row: int):
        return self._items[row] if 0 <= row < len(self._items) else None

    def findItems(self, text: str, flags: Qt.MatchFlag) -> list:  # noqa: N802
        if flags != Qt.MatchFlag.MatchExactly:
            raise NotImplementedError(f"findItems with {flags!r}: only MatchExactly is kept")
        return [i for i in self._items if i.text() == text]


class PlotControls:
    """Stand-in for pyqtgraph's `plotConfigTemplate` Ui_Form: each control PlotItem uses, with
    the form's initial state."""

    def __init__(self) -> None:
        self.averageGroup = CheckControl(False)  # noqa: N815 (the form's names)
        self.avgParamList = ListControl()  # noqa: N815
        self.clipToViewCheck = CheckControl()  # noqa: N815
        self.maxTracesCheck = CheckControl()  # noqa: N815
        self.downsampleCheck = CheckControl()  # noqa: N815
        radios: list[weakref.ref[RadioControl]] = []
        self.peakRadio = RadioControl(radios, True)  # noqa: N815
        self.meanRadio = RadioControl(radios)  # noqa: N815
        self.subsampleRadio = RadioControl(radios)  # noqa: N815
        self.maxTracesSpin = RangeControl(0, 99, 0)  # noqa: N815
        self.forgetTracesCheck = CheckControl()  # noqa: N815
        self.autoDownsampleCheck = CheckControl(True)  # noqa: N815
        self.downsampleSpin = RangeControl(1, 100000, 1)  # noqa: N815
        self.logXCheck = CheckControl()  # noqa: N815
        self.logYCheck = CheckControl()  # noqa: N815
        self.derivativeCheck = CheckControl()  # noqa: N815
        self.phasemapCheck = CheckControl()  # noqa: N815
        self.fftCheck = CheckControl()  # noqa: N815
        self.subtractMeanCheck = CheckControl()  # noqa: N815
        self.pointsGroup = CheckControl(True)  # noqa: N815
        self.autoPointsCheck = CheckControl(True)  # noqa: N815
        self.xGridCheck = CheckControl()  # noqa: N815
        self.yGridCheck = CheckControl()  # noqa: N815
        self.gridAlphaSlider = RangeControl(0, 255, 128)  # noqa: N815
        self.alphaGroup = CheckControl(True)  # noqa: N815
        self.autoAlphaCheck = CheckControl(False)  # noqa: N815
        self.alphaSlider = RangeControl(0, 1000, 1000)  # noqa: N815
        # The form's plain frames: only placed in the (absent) menu.
        self.transformGroup = self.decimateGroup = self.gridGroup = None  # noqa: N815

    def setupUi(self, form: object) -> None:  # noqa: N802 (Ui_Form's)
        """Nothing to lay out: the controls exist from construction."""


class _NoMenu:
    """The "Plot Options" menu, never shown: it takes what PlotItem puts in it and has none."""

    def __init__(self, *_args: Any) -> None:
        pass

    def addMenu(self, *_args: Any) -> _NoMenu:  # noqa: N802
        return _NoMenu()

    def addAction(self, *_args: Any) -> None:  # noqa: N802
        pass

    def setDefaultWidget(self, *_args: Any) -> None:  # noqa: N802
        pass

    def actions(self) -> list:
        return []

    def setParent(self, *_args: Any) -> None:  # noqa: N802
        pass


class _NoStateGroup:
    """The form's WidgetGroup: no widgets, so no saved state (the desk never asks for one)."""

    def autoAdd(self, *_args: Any) -> None:  # noqa: N802
        pass

    def state(self) -> dict:
        raise NotImplementedError("a LeanPlotItem has no Plot Options form to save")

    def setState(self, _state: dict) -> None:  # noqa: N802
        raise NotImplementedError("a LeanPlotItem has no Plot Options form to restore")


class _LeanWidgets:
    """pyqtgraph's QtWidgets for the PlotItem constructor, but for the form's own parts."""

    QMenu = _NoMenu
    QWidgetAction = _NoMenu

    def __init__(self, widgets: Any) -> None:
        self._widgets = widgets

    @staticmethod
    def QWidget(*_args: Any) -> None:  # noqa: N802 (the form's parent widget: none)
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._widgets, name)


class _LeanTemplate:
    Ui_Form = PlotControls


_SWAPPED = ("QtWidgets", "ui_template", "WidgetGroup")
_LEAN = all(hasattr(plot_item_module, name) for name in _SWAPPED)


@contextmanager
def _lean_form() -> Iterator[None]:
    module = plot_item_module
    saved = {name: getattr(module, name) for name in _SWAPPED}
    module.QtWidgets = _LeanWidgets(saved["QtWidgets"])
    module.ui_template = _LeanTemplate
    module.WidgetGroup = _NoStateGroup
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


class LeanPlotItem(pg.PlotItem):
    """A PlotItem whose "Plot Options" form is `PlotControls` (no widgets); its menu is off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _LEAN:  # another pyqtgraph: the plain form
            super().__init__(*args, **kwargs)
        else:
            with _lean_form():
                super().__init__(*args, **kwargs)
        self.setMenuEnabled(False)


if not _LEAN:
    log.info("pyqtgraph %s: its PlotItem module lacks %s; plots keep their hidden form",
             pg.__version__, ", ".join(n for n in _SWAPPED if not hasattr(plot_item_module, n)))
