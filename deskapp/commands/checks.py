"""Checks shared by the command line: output paths before the work, text safe to echo.

No Qt, no I/O beyond probing a folder for writing (and reading the config and a replay for
`config_and_replay`).
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd


def printable(text: object) -> str:
    """`text` with control characters, undecodable bytes and line breaks escaped, so repeating
    user input can neither drive the terminal nor split a one-line message."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def undecodable(text: str) -> bool:
    """True if `text` holds bytes that were not UTF-8 (decoded with surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def output_problem(path: Path) -> str | None:
    """Why a file cannot be written at `path` (checked before the work), or None.

    A folder there, a missing parent, a parent that is a file, a read-only or full place: each
    gives the reason. The folder is probed by creating and removing a temporary file.
    """
    parent = Path(os.path.abspath(path)).parent
    try:
        if path.is_dir():
            return "is a folder, not a file"
        if not parent.is_dir():
            return f"folder {parent} does not exist"
        if path.exists() and not os.access(path, os.W_OK):
            return "exists and is not writable"
        fd, probe = tempfile.mkstemp(prefix=".deskapp-probe-", dir=parent)
    except OSError as exc:  # e.g. a name too long, a read-only or full file system
        return f"cannot be written: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def journal_path_problem(location: str) -> str | None:
    """For a journal file (not a URL): a parent that is a file, not a folder, or None."""
    from deskapp.journal.locate import is_url

    if is_url(location):
        return None
    try:
        for parent in Path(os.path.abspath(location)).parents:
            if parent.exists():
                return None if parent.is_dir() else f"{parent} is a file, not a folder"
    except OSError as exc:  # e.g. a name too long
        return exc.strerror or str(exc)
    return None


def temp_beside(path: Path) -> Path:
    """A fresh temporary name in the folder of `path` (same file system: os.replace is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def span(lo: pd.Timestamp, hi: pd.Timestamp) -> str:
    """'2026-01-02T00:00Z .. 2026-02-17T00:00Z': the full time of both ends."""
    return f"{lo:%Y-%m-%dT%H:%MZ} .. {hi:%Y-%m-%dT%H:%MZ}"


def config_and_replay(args, usage_error: type[Exception]):
    """(config, replay name, dataset) a command reads: `--config`, and `--replay` else the
    config's default replay; a bad one is `usage_error` with its one-line message."""
    from deskapp.config import ConfigError, load_config
    from deskapp.data.replay import DatasetError, load_dataset

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise usage_error(str(exc)) from None
    name = args.replay or config.default_replay
    try:
        return config, name, load_dataset(name)
    except DatasetError as exc:
        raise usage_error(str(exc)) from None
