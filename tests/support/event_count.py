"""Count the Qt events of one type that reach some objects (an event filter on each)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class EventCount(QObject):
    """`count`: events of `kind` delivered to any of `objects` since this was made."""

    def __init__(self, kind: QEvent.Type, *objects: QObject):
        super().__init__()
        self.kind = kind
        self.count = 0
        for obj in objects:
            obj.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt override)
        self.count += event.type() == self.kind
        return False
