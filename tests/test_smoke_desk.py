"""The desk opens on a replay and draws a board."""


def test_desk_draws_first_board(make_desk, qtbot):
    desk = make_desk(at="2026-02-10T21:00Z")
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000) as blocker:
        pass
    view = blocker.args[0]
    assert view.dataset == "2026-02-risk-off"
    assert str(view.asof) == "2026-02-10 21:00:00+00:00"
