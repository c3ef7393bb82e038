"""A pane added to a shown watch screen: the panes already there are laid out at their new size
before anything is painted, so none of them is painted at its old size first (that paint and
the one at the new size came in the same turn: ~12 ms each, the soak's longest gaps)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
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


def test_a_pane_added_to_a_shown_screen_has_it_repainted_in_a_turn_of_its_own(make_desk, qtbot):
    """Making the pane and laying the screen out is one turn; the screen's repaint at the new
    layout another (in the next pass it came before any timer: ~30 ms in one gap)."""
    desk = drawn_desk(make_desk, qtbot)
    watch = desk.window.screens.open_screen()
    watch.add_pane("macro")
    settle(qtbot, watch)
    macro_dock = watch.docks["macro"]
    paints = PaintSizes(watch.panes["macro"].graphics.viewport())
    seen: list[tuple[bool, bool]] = []  # at each later turn: let through, painted
    timer = QTimer()
    timer.timeout.connect(lambda: seen.append((macro_dock.updatesEnabled(), bool(paints.widths))))
    timer.start(0)
    watch.add_pane("crypto")
    assert not macro_dock.updatesEnabled() and not paints.widths  # held: nothing painted yet
    settle(qtbot, watch)
    timer.stop()
    assert seen[0] == (False, False), seen  # a turn between: the repaint is not in its pass
    assert all(painted for let, painted in seen if let), seen  # let through: painted then
    assert paints.widths and all(d.updatesEnabled() for d in watch.docks.values())


def test_a_staged_pane_is_fed_its_first_board_and_painted_in_separate_turns(make_desk, qtbot):
    """Fed in one turn (~5-7 ms), painted whole for the first time in the next (~15-20 ms)."""
    desk = drawn_desk(make_desk, qtbot)
    watch = desk.window.screens.open_screen()
    watch.add_pane("crypto")
    crypto = watch.panes["crypto"]
    paints = PaintSizes(crypto.graphics.viewport())
    seen: list[tuple[bool, bool, bool]] = []  # at each turn: fed, let through, painted
    timer = QTimer()
    timer.timeout.connect(lambda: seen.append(
        (crypto.view is not None, crypto.updatesEnabled(), bool(paints.widths))))
    timer.start(0)
    settle(qtbot, watch)
    timer.stop()
    assert crypto.updatesEnabled() and paints.widths
    assert (True, False, False) in seen, seen  # a turn with the board fed, not yet painted
    assert all(painted for _fed, let, painted in seen if let), seen  # let through: painted


def test_a_staged_pane_is_first_painted_a_row_a_turn(make_desk, qtbot):
    """Its header and first row in one turn, then a row a turn (~4 ms each; the Crypto-structure
    pane whole, ~15-20 ms); the screen's board is drawn once every row is painted."""
    desk = drawn_desk(make_desk, qtbot)
    watch = desk.window.screens.open_screen()
    watch.add_pane("crypto")
    crypto = watch.panes["crypto"]
    shown: list[int] = []  # at each turn once let through: rows painted (opaque)
    timer = QTimer()
    timer.timeout.connect(lambda: crypto.updatesEnabled() and shown.append(
        sum(p.opacity() == 1.0 for p in crypto.plots)))
    timer.start(0)
    with qtbot.waitSignal(watch.sig_board_drawn, timeout=60000):
        pass
    assert sum(p.opacity() == 1.0 for p in crypto.plots) == len(crypto.plots) == 4
    timer.stop()
    counts = sorted(set(shown))
    assert counts[0] == 1 and counts[-1] == 4, shown  # the first row first, alone
    assert all(b - a == 1 for a, b in zip(counts, counts[1:], strict=False)), shown
