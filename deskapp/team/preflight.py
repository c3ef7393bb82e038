"""Before a desk opens on a team feed: is the database wrong for it, or only out of reach?

A server that answers and refuses (wrong user or password, no such database, another
application's tables, a newer schema) or a URL it cannot use is a configuration error: the
command line says so in one line and exits 2, never opening the window. A server that does not
answer (down, unreachable, too slow) is a state: the desk opens offline on its local cache and
reconnects by itself, as it does when the database goes away later. So does a database the
collector has not set up yet.
"""

from __future__ import annotations

import psycopg

from deskapp.team import schema

# libpq prefixes what the server itself said with its severity; a network failure has none.
_SERVER_ANSWERED = ("FATAL:", "ERROR:")
PREFLIGHT_TIMEOUT_S = 2  # an unreachable host delays the offline start by at most this


def refusal(url: str, timeout_s: int = PREFLIGHT_TIMEOUT_S) -> str | None:
    """The one-line reason a desk must not start on `url` (no password in it), or None when it
    may: the database holds the team schema, or it does not answer (the desk starts offline)."""
    location = schema.safe_url(url)
    try:
        conn = schema.connect(url, application_name="deskapp preflight",
                              connect_timeout=timeout_s)
    except schema.TeamDbError as exc:  # a URL libpq would misread
        return str(exc)
    except psycopg.Error as exc:
        if not any(m in str(exc) for m in _SERVER_ANSWERED):
            return None  # no answer: the desk opens offline
        return f"team database {location} cannot be opened: {schema.one_line(exc, url)}"
    try:
        schema.ensure_schema(conn, location, create=False)
    except schema.NoTeamSchema:
        return None
    except schema.TeamDbError as exc:
        return str(exc)
    except psycopg.Error as exc:
        return f"team database {location} cannot be read: {schema.one_line(exc, url)}"
    finally:
        conn.close()
    return None
