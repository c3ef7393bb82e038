"""A pane added to a shown watch screen: the panes already there are laid out at their new size
before anything is painted, so none of them is painted at its old size first (that paint and
the one at the new size came in the same turn: ~12 ms each, the soak's longest gaps)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from tests.ui.test_screens import drawn_desk


class PaintSizes(QObject):
    """The width of every paint a plot area receives."""

    def __init__(self, viewport):
        super().__init__()
        self.widths: list[int] = []
        viewport.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.widths.append(event.rect().width())
        return False


def settle(qtbot, window) -> None:
    """Until every pane of `window` is built and the screen shows the board."""
    qtbot.waitUntil(lambda: not window._building and not window._staging, timeout=60000)  # noqa: SLF001
    for _ in range(20):
        QApplication.processEvents()


def test_a_second_pane_never_has_the_first_painted_at_its_old_size(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot)
    watch = desk.window.screens.open_screen()
    watch.add_pane("macro")
    settle(qtbot, watch)
    macro = watch.panes["macro"]
    old_width = macro.graphics.viewport().width()
    paints = PaintSizes(macro.graphics.viewport())
    watch.add_pane("crypto")
    settle(qtbot, watch)
    new_width = macro.graphics.viewport().width()
    assert new_width < old_width * 0.7  # side by side now: the first pane got narrower
    assert paints.widths, "the first pane was not painted at its new size"
    assert max(paints.widths) <= new_width, paints.widths
