"""A scrolling block of rich text that changes every board, laid out once per change.

The Regime pane's rules, early warnings and flywheel were a word-wrapped rich-text QLabel in a
QScrollArea. Each new text had Qt lay the label's document out several times (the scroll area
asks the label's height for its width, resizes it, then it is painted): ~11 ms of the GUI
thread a board idle, 20-35 ms under the soak's load, the largest part of its longest heartbeat
gaps (docs/ARCHITECTURE.md, "Start-up and steady speed"). A read-only QTextBrowser holds one
document, laid out once at the width it has. Here it is made to look and behave like that label: no
frame, margin, own background, focus or selection; and a new text keeps the scroll position.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget


class RichTextView(QTextBrowser):
    """Rich text (HTML) in a scroll area of its own; `text()`/`setText()` as a QLabel's."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().setDocumentMargin(0)
        self.viewport().setAutoFillBackground(False)  # the pane's background, as a label's
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setOpenLinks(False)
        self._html = ""
        self.setText(text)

    def text(self) -> str:
        """The HTML last set (what QLabel.text() gives)."""
        return self._html

    def setText(self, html: str) -> None:  # noqa: N802 (QLabel's name)
        """Show `html`; nothing is done for the same text. The scroll position is kept."""
        if html == self._html:
            return
        bar = self.verticalScrollBar()
        kept = bar.value()
        self._html = html
        self.setHtml(html)
        bar.setValue(kept)  # (setHtml scrolls to the top; clamped if the text got shorter)
