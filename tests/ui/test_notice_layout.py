"""A row's "no data" message is laid out above its plot: it never covers the legend or a curve.

On `history` at 2020-03-16 the crypto pane's liquidation row has no data at all (liquidations
start in 2020-12) and the correlation row draws its daily curves without the intraday ones;
their messages used to sit in the middle of the plot, across the legends and the curves.
Checked on the geometry each item occupies."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QGraphicsTextItem

AT = "2020-03-16T21:30:00Z"


def drawn_text(scene, line: str):
    """The scene rectangle of the one text item that shows `line` (whatever pane code made it)."""
    found = [item for item in scene.items()
             if isinstance(item, QGraphicsTextItem) and item.isVisible()
             and line in item.toPlainText()]
    assert len(found) == 1, (line, [i.toPlainText() for i in found])
    return found[0].mapRectToScene(found[0].boundingRect())


def message_rows(pane) -> list:
    return [row for row in pane._rows if row.notice.text]  # noqa: SLF001


def test_no_data_messages_never_overlap_a_legend_or_a_curve(make_desk, qtbot):
    desk = make_desk("history", at=AT, size=(1600, 900))
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=30000):
        pass
    panes = desk.window.panes
    # The cases of the issue are there (else this test would check nothing).
    corr = message_rows(panes["correlation"])
    assert [r.spec.title for r in corr] == ["Rolling correlation of returns"]
    assert "1h, 120 bars: " in corr[0].notice.text and "4h, 90 bars: " in corr[0].notice.text
    liq = message_rows(panes["crypto"])
    assert [r.spec.title for r in liq] == ["Liquidations"]
    checked = 0
    for key, pane in panes.items():
        if pane.visibleRegion().isEmpty():
            continue  # a tab behind another: not laid out at its size
        for row in message_rows(pane):
            plot = row.plot
            lines = [html.unescape(x) for x in row.notice.text.split("<br>")]
            message = drawn_text(pane.graphics.scene(), lines[0])
            assert all(drawn_text(pane.graphics.scene(), x) == message for x in lines), key
            view = plot.getViewBox().sceneBoundingRect()  # every curve is drawn inside it
            legend = plot.legend.sceneBoundingRect()
            where = f"{key}: {row.spec.title}"
            assert not message.intersects(view), (where, message, view)
            assert not message.intersects(legend), (where, message, legend)
            # the message is above the plot and inside its pane, not cut by the row above
            assert message.bottom() <= view.top() + 0.5, where
            title = drawn_text(pane.graphics.scene(), row.spec.title)
            assert title.top() >= 0 and message.top() >= title.top(), where
            checked += 1
    assert checked >= 2
    # A row that draws everything keeps a title of one line and no message.
    macro = panes["macro"]
    assert all(not r.notice.text for r in macro._rows)  # noqa: SLF001
