"""A dock's widget that does its drawing when someone can see it (ui/panes/base.py, the Track
record): behind another tab or in a closed dock it waits, and draws when raised."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDockWidget


class DrawnWhenRaised:
    """Mixin (before QWidget in the bases): `_on_raised()` runs when the widget is shown, or
    when its dock becomes visible (a tab raised in a dock group shows no showEvent: its dock
    says visibilityChanged). `_hidden_in_window()` says whether nobody sees it now."""

    _dock: QDockWidget | None = None

    def _on_raised(self) -> None:
        raise NotImplementedError

    def _hidden_in_window(self) -> bool:
        """Behind another tab or in a closed dock of a window on screen: nobody sees it."""
        window = self.window()
        return (window is not self and window.isVisible()
                and (not self.isVisible() or self.visibleRegion().isEmpty()))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._on_raised()
        super().showEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ParentChange:
            dock = self.parentWidget()
            if isinstance(dock, QDockWidget) and dock is not self._dock:
                if self._dock is not None:
                    self._dock.visibilityChanged.disconnect(self._on_dock_visibility)
                self._dock = dock
                dock.visibilityChanged.connect(self._on_dock_visibility)
        super().changeEvent(event)

    def _on_dock_visibility(self, visible: bool) -> None:
        if visible:
            self._on_raised()
