"""Which journal to open: `--journal PATH_OR_URL`, else the config's `journal_url`, else the
platform data folder; and opening it (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

from pathlib import Path

URL_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_url(location: str) -> bool:
    return location.lower().startswith(URL_SCHEMES)


def resolve_location(cli_value: str | Path | None, config_value: str | None) -> str:
    """The journal location in order of precedence; a path comes back absolute."""
    from deskapp.paths import journal_path

    chosen = cli_value or config_value
    if not chosen:
        return str(journal_path())
    chosen = str(chosen)
    return chosen if is_url(chosen) else str(Path(chosen).expanduser().resolve())


def display_location(location: str) -> str:
    """The location with any password in a URL blanked, for messages and logs."""
    if not is_url(location):
        return location
    import re
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(location)
    shown = location
    if parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        shown = urlunsplit(parts._replace(netloc=netloc))
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", shown, flags=re.IGNORECASE)


def open_journal(location: str, app_version: str, recover: bool = False):
    """A JournalStore (SQLite) for a path, a PostgresJournal for a postgresql:// URL.

    Raises JournalError with a one-line message when it cannot be opened."""
    if is_url(location):
        from deskapp.journal.postgres import PostgresJournal

        return PostgresJournal(location, app_version)
    from deskapp.journal.store import JournalStore

    return JournalStore(Path(location), app_version, recover=recover)
