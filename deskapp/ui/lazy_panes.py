"""Time panes built when first needed: the four tabs behind the front panes cost ~60 % of the
panes' build time at start-up, before anyone has raised them.

`LazyPanes` maps pane key -> pane like a dict. Reading a pane (`panes[key]`, `values()`) builds
it; `built()` gives only the panes made so far (what a board update walks). A placeholder holds
each unbuilt pane's dock, naming the pane's class (watch screens list it by that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from PySide6.QtWidgets import QWidget

from deskapp.ui.panes.base import TimePane


class PanePlaceholder(QWidget):
    """Stands in a dock for a pane not built yet."""

    def __init__(self, pane_class: type[TimePane], parent: QWidget | None = None):
        super().__init__(parent)
        self.pane_class = pane_class
        self.setObjectName(f"placeholder_{pane_class.pane_key}")


class LazyPanes(Mapping[str, TimePane]):
    """Pane key -> pane, each built on first read; `on_built(key, pane)` then places it."""

    def __init__(self, classes: dict[str, type[TimePane]], eager: set[str],
                 on_built: Callable[[str, TimePane], None]):
        self.classes = classes
        self._on_built = on_built
        self._panes: dict[str, TimePane] = {}
        self._building: set[str] = set()
        self._partial: dict[str, TimePane] = {}  # built ahead of need, a part of a row per step
        for key in classes:
            if key in eager:
                self._panes[key] = classes[key]()

    def __getitem__(self, key: str) -> TimePane:
        pane = self._panes.get(key)
        if pane is None:
            cls = self.classes[key]  # KeyError for an unknown key, as a dict
            if key in self._building:
                raise RuntimeError(f"pane {key} read while it is being built")
            self._building.add(key)
            try:
                pane = self._partial.pop(key, None)
                if pane is None:
                    pane = cls()
                while pane.build_step():  # the rest of a pane begun by prebuild_step
                    pass
                self._panes[key] = pane
                self._on_built(key, pane)
            finally:
                self._building.discard(key)
        return pane

    def prebuild_step(self, key: str) -> bool:
        """A share of building pane `key` before anyone reads it: the pane, then half a plot
        row per call, then its placing (`on_built`). True while more remains. The window calls it
        once per idle event-loop turn: a whole pane in one turn held the GUI ~30-70 ms."""
        if key in self._panes:
            return False
        pane = self._partial.get(key)
        if pane is None:
            self._partial[key] = self.classes[key](staged=True)
            return True
        if pane.build_step():
            return True
        self[key]  # noqa: B018 (finished: placed as a read would place it)
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(self.classes)

    def __len__(self) -> int:
        return len(self.classes)

    def is_built(self, key: str) -> bool:
        return key in self._panes

    def built(self) -> dict[str, TimePane]:
        """The panes made so far, in the window's order."""
        return {k: self._panes[k] for k in self.classes if k in self._panes}
