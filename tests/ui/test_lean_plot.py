"""LeanPlotItem (deskapp/ui/panes/lean_plot.py): a pyqtgraph PlotItem without its hidden "Plot
Options" widgets, whose stand-in controls behave as the real form's do. Every comparison is
against a plain pyqtgraph PlotItem made beside it: its real Qt widgets are the reference."""

from __future__ import annotations

import gc
import inspect
import re
import weakref

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from deskapp.ui.panes import lean_plot
from deskapp.ui.panes.lean_plot import LeanPlotItem

pytestmark = pytest.mark.usefixtures("qapp")


def control_names() -> list[str]:
    """Every control of the form that pyqtgraph's PlotItem code names (self.ctrl.X or c.X)."""
    src = inspect.getsource(lean_plot.plot_item_module)
    names = re.findall(r"\b(?:self\.ctrl|c)\.(\w+(?:Check|Radio|Spin|Slider|Group|List))\b", src)
    return sorted(set(names))


def state(control) -> tuple:
    """What PlotItem can read of a control, real widget or stand-in."""
    if hasattr(control, "isChecked"):
        return ("checked", control.isChecked())
    if hasattr(control, "value"):
        return ("value", control.value(), control.minimum(), control.maximum())
    if hasattr(control, "count"):
        return ("items", [control.item(i).text() for i in range(control.count())])
    return ("frame",)


def modes(plot: pg.PlotItem) -> dict:
    """The plot's modes, as its own methods read them, and each control's state."""
    return {"downsample": plot.downsampleMode(), "clip": plot.clipToViewMode(),
            "alpha": plot.alphaState(), "points": plot.pointMode(),
            **{name: state(getattr(plot.ctrl, name)) for name in control_names()
               if state(getattr(plot.ctrl, name)) != ("frame",)}}


CURVE_OPTS = ("downsample", "autoDownsample", "downsampleMethod", "clipToView", "alphaHint",
              "alphaMode", "logMode", "fftMode", "derivativeMode", "phasemapMode",
              "subtractMeanMode")


def test_every_control_plotitem_names_exists_with_the_real_forms_state():
    names = control_names()
    assert len(names) >= 25, names  # the regex still finds the form's controls
    real, lean = pg.PlotItem(), LeanPlotItem()
    for name in names:
        assert hasattr(lean.ctrl, name), name
        if getattr(lean.ctrl, name) is None:  # a plain frame: only placed in the menu
            assert not hasattr(getattr(real.ctrl, name), "isChecked"), name
            continue
        assert state(getattr(lean.ctrl, name)) == state(getattr(real.ctrl, name)), name


def test_a_lean_plot_makes_no_widget():
    app = QApplication.instance()
    before = len(app.allWidgets())
    plain = pg.PlotItem()
    assert len(app.allWidgets()) > before + 20  # the reference: the form's hidden widgets
    before = len(app.allWidgets())
    lean = LeanPlotItem()
    assert len(app.allWidgets()) == before
    assert not lean.menuEnabled() and plain.menuEnabled()


def test_the_same_calls_give_the_same_modes_as_the_real_form():
    real, lean = pg.PlotItem(), LeanPlotItem()
    real_curve, lean_curve = real.plot([1.0, 2.0, 3.0]), lean.plot([1.0, 2.0, 3.0])
    calls = [
        lambda p: p.setDownsampling(auto=True, mode="peak"),  # as the desk's rows
        lambda p: p.setClipToView(True),
        lambda p: p.setDownsampling(ds=4, mode="mean"),
        lambda p: p.setDownsampling(ds=0),  # clamped to the spin box's minimum
        lambda p: p.setDownsampling(ds=10**7, mode="subsample"),  # and to its maximum
        lambda p: p.setDownsampling(ds=False, auto=False),
        lambda p: p.setDownsampling(mode="peak"),
        lambda p: p.setLogMode(x=False, y=True),
        lambda p: p.showGrid(x=True, y=True, alpha=0.3),
        lambda p: p.ctrl.alphaSlider.setValue(400),  # what the menu's controls would do
        lambda p: p.ctrl.autoAlphaCheck.setChecked(True),
        lambda p: p.ctrl.alphaGroup.setChecked(False),
        lambda p: p.ctrl.fftCheck.setChecked(True),
        lambda p: p.ctrl.fftCheck.setChecked(False),
        lambda p: p.ctrl.pointsGroup.setChecked(False),
        lambda p: p.setClipToView(False),
        lambda p: p.setLogMode(y=False),
    ]
    for i, call in enumerate(calls):
        call(real)
        call(lean)
        assert modes(lean) == modes(real), i
        for key in CURVE_OPTS:
            assert lean_curve.opts[key] == real_curve.opts[key], (i, key)
    assert lean.ctrl.avgParamList.count() == real.ctrl.avgParamList.count() == 0


def test_radio_buttons_and_check_boxes_signal_as_qts_do():
    real, lean = pg.PlotItem(), LeanPlotItem()
    seen: dict[str, list] = {"real": [], "lean": []}
    for who, plot in (("real", real), ("lean", lean)):
        for name in ("peakRadio", "meanRadio", "subsampleRadio", "logYCheck"):
            getattr(plot.ctrl, name).toggled.connect(
                lambda on, n=name, w=who: seen[w].append((n, on)))
        plot.ctrl.downsampleSpin.valueChanged.connect(lambda v, w=who: seen[w].append(v))
    for plot in (real, lean):
        c = plot.ctrl
        c.meanRadio.setChecked(True)
        c.meanRadio.setChecked(True)  # no change: no signal
        c.meanRadio.setChecked(False)  # the checked one of an exclusive group stays checked
        c.subsampleRadio.setChecked(True)
        c.logYCheck.setChecked(True)
        c.logYCheck.setChecked(True)
        c.logYCheck.setChecked(False)
        c.downsampleSpin.setValue(5)
        c.downsampleSpin.setValue(5)
        c.downsampleSpin.setValue(-3)
    assert seen["real"], "the reference emitted nothing"
    assert seen["lean"] == seen["real"]


def test_the_constructor_puts_pyqtgraphs_module_back_even_when_it_fails():
    module = lean_plot.plot_item_module
    before = {name: getattr(module, name) for name in ("QtWidgets", "ui_template", "WidgetGroup")}
    LeanPlotItem()
    with pytest.raises(Exception):  # noqa: B017 (any failure inside pyqtgraph's constructor)
        LeanPlotItem(axisItems={"bottom": "not an axis"})
    assert {name: getattr(module, name) for name in before} == before
    assert pg.PlotItem().ctrl.logYCheck.metaObject().className() == "QCheckBox"


def test_a_lean_plot_goes_with_its_last_reference_as_a_plain_one_does():
    """No reference cycle: a closed pane's plots are freed at once, not by a later pass of the
    cyclic collector (ui/gui_thread_gc.py) that would free a whole watch screen in one turn."""
    assert not gc.isenabled()  # the tests' collector runs passes itself (tests/conftest.py)
    for cls in (pg.PlotItem, LeanPlotItem):  # the plain one: the reference
        plot = cls(viewBox=pg.ViewBox(enableMenu=False))
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.plot([1.0, 2.0, 3.0])
        ref = weakref.ref(plot)
        del plot
        assert ref() is None, cls.__name__
