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


def split_credentials(location: str) -> tuple[str, str, str] | None:
    """A URL as (scheme://, user info, @host...) where it has user info: the user info ends at
    the last '@' before any '?', so a password with a raw '@' or '/' is all inside it."""
    import re

    m = re.match(r"([a-z][a-z0-9+.-]*://)([^?#]*)(.*)", location, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    scheme, head, tail = m.groups()
    userinfo, at, rest = head.rpartition("@")
    if not at:
        return None
    return scheme, userinfo, "@" + rest + tail


def display_location(location: str) -> str:
    """The location with any password in a URL blanked, for messages and logs."""
    if not is_url(location):
        return location
    import re

    shown = location
    parts = split_credentials(location)
    if parts is not None and ":" in parts[1]:
        scheme, userinfo, rest = parts
        shown = f"{scheme}{userinfo.split(':', 1)[0]}:***{rest}"
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", shown, flags=re.IGNORECASE)


def open_journal(location: str, app_version: str, recover: bool = False,
                 read_only: bool = False):
    """A JournalStore (SQLite) for a path, a PostgresJournal for a postgresql:// URL;
    `read_only` never writes (a missing journal reads as empty).

    Raises JournalError with a one-line message when it cannot be opened."""
    if is_url(location):
        from deskapp.journal.postgres import PostgresJournal

        return PostgresJournal(location, app_version, read_only=read_only)
    from deskapp.journal.store import JournalStore

    return JournalStore(Path(location), app_version, recover=recover, read_only=read_only)


class RefusedJournal:
    """Stands in for a journal the desk was refused (a folder, another application's database,
    a read-only place...): the desk runs, records nothing, reads nothing, and says why."""

    recovered_from = None

    def __init__(self, location: str, reason: str):
        self.location = display_location(location)
        self.reason = reason

    def _refuse(self):
        from deskapp.journal.model import JournalError

        return JournalError(f"recording is off: {self.reason}")

    def record(self, d) -> str:
        raise self._refuse()

    def records(self) -> list[dict]:
        return []

    def pending_outcomes(self) -> list[dict]:
        return []

    def save_outcomes(self, decision_id: str, outcomes: list[dict]) -> None:
        raise self._refuse()

    def count(self) -> int:
        return 0

    def save_book(self, rows: list[dict]) -> int:
        raise self._refuse()

    def book(self, version: int | None = None) -> dict | None:
        return None

    def close(self) -> None:
        pass
