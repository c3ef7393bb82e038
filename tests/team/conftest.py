"""The team tests' PostgreSQL server: one per test module (tests/support/postgres_server.py).
A module that needs another password or set-up defines its own `pg`."""

from __future__ import annotations

import pytest
from support.postgres_server import postgres_server, require_binaries
from team_db import PASSWORD


@pytest.fixture(scope="module")
def pg():
    with postgres_server(require_binaries(), password=PASSWORD) as server:
        yield server
