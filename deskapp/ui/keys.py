"""Keyboard helpers shared by the panes and the checklist."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent


class KeepSpace(QObject):
    """Event filter: Space belongs to the focused button or list it is installed on, not to a
    window-wide Space shortcut (the replay's play / pause), which would otherwise take it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.ShortcutOverride
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.accept()
            return True
        return False
