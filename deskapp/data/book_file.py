"""Reading a book CSV file (the Book dock's import and `deskapp --book`): its text or one line
saying why not. Parsing is portfolio.parse_book_csv's."""

from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 1_000_000  # a book CSV is a few hundred bytes; a bigger file is the wrong one


def read_book_file(path: Path) -> tuple[str | None, str]:
    """The text of a CSV file, or None and one line saying why not."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"{path.name} is larger than {MAX_FILE_BYTES // 1000} kB: not a book"
        return path.read_text(encoding="utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text: not a book CSV"
    except OSError as exc:
        return None, f"{path.name} cannot be read: {exc.strerror or exc}"
