"""Reading a book CSV file (the Book dock's import and `deskapp --book`): its text or one line
saying why not. Parsing is portfolio.parse_book_csv's."""

from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 100_000  # a book CSV is a few hundred bytes; a bigger file is the wrong one
MAX_LINES = 500  # positions: more is another file (and would hold the GUI thread to parse)


def read_book_file(path: Path) -> tuple[str | None, str]:
    """The text of a CSV file, or None and one line saying why not."""
    try:
        if not path.exists():
            return None, f"{path.name} cannot be read: no such file"
        if not path.is_file():  # a folder, a FIFO, /dev/zero: never opened
            return None, f"{path.name} cannot be read: not a regular file"
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"{path.name} is larger than {MAX_FILE_BYTES // 1000} kB: not a book"
        text = path.read_text(encoding="utf-8-sig")
        if text.count("\n") > MAX_LINES:
            return None, f"{path.name} has more than {MAX_LINES} lines: not a book"
        return text, ""
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text: not a book CSV"
    except OSError as exc:
        return None, f"{path.name} cannot be read: {exc.strerror or exc}"
