"""A throwaway PostgreSQL server for tests: Debian's binaries, a temp dir, a free loopback port.

    with postgres_server(password="s3cret") as pg:
        url = pg.create_database("t1")   # postgresql://deskapp:s3cret@127.0.0.1:PORT/t1
        url = pg.create_schema("s1")     # .../postgres?options=-csearch_path%3Ds1

`initdb` and `postgres` refuse to run as root; as root (CI containers) they run as the
`postgres` user the Debian package creates (else `nobody`), in a temp dir chowned to it.
The server listens on 127.0.0.1 only, keeps its Unix socket in the temp dir, runs with
fsync off (the data is thrown away), and is stopped and deleted when the block ends.

`require_binaries()` is for fixtures: binaries missing -> the test fails saying how to install
them (`bash tools/bootstrap.sh test`), or is skipped when DESKAPP_SKIP_POSTGRES=1.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DEBIAN_GLOB = "/usr/lib/postgresql/*/bin/initdb"
SKIP_ENV = "DESKAPP_SKIP_POSTGRES"
INSTALL_HINT = ("run `bash tools/bootstrap.sh test` to install them (Debian package "
                "'postgresql'), or set DESKAPP_SKIP_POSTGRES=1 to skip the PostgreSQL tests")
SUPERUSER = "deskapp"
START_TIMEOUT_S = 120.0


class PostgresNotInstalled(RuntimeError):
    """No initdb/pg_ctl/postgres to start a server with."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    version: str

    def __getitem__(self, name: str) -> str:
        return str(self.bindir / name)


def _runnable(bindir: Path) -> bool:
    return all(os.access(bindir / n, os.X_OK) for n in ("initdb", "pg_ctl", "postgres"))


def find_binaries() -> Binaries:
    """The highest PostgreSQL version under /usr/lib/postgresql (Debian, Ubuntu), else initdb,
    pg_ctl and postgres on the PATH."""
    found = []
    for initdb in glob.glob(DEBIAN_GLOB):
        bindir = Path(initdb).parent
        version = bindir.parent.name
        if _runnable(bindir):
            found.append((tuple(int(n) for n in re.findall(r"\d+", version)), version, bindir))
    if found:
        _, version, bindir = max(found)
        return Binaries(bindir, version)
    on_path = shutil.which("initdb")
    if on_path and _runnable(Path(on_path).resolve().parent):
        return Binaries(Path(on_path).resolve().parent, "PATH")
    raise PostgresNotInstalled(f"PostgreSQL server binaries not found ({DEBIAN_GLOB}, or "
                               f"initdb on the PATH); {INSTALL_HINT}")


def require_binaries() -> Binaries:
    """find_binaries() for a fixture: missing -> pytest.fail with the install hint, or
    pytest.skip when DESKAPP_SKIP_POSTGRES=1 says so explicitly."""
    import pytest

    try:
        return find_binaries()
    except PostgresNotInstalled as exc:
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(f"{SKIP_ENV}=1: {exc}")
        pytest.fail(str(exc), pytrace=False)


@dataclass(frozen=True)
class _RunAs:
    """Who runs initdb and postgres: ourselves, or (as root) an unprivileged user."""

    uid: int | None = None
    gid: int | None = None
    name: str = ""

    def popen_kwargs(self) -> dict:
        if self.uid is None:
            return {}
        # extra_groups=[] drops root's supplementary groups too.
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)


def _run_as() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs()
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return _RunAs(pw.pw_uid, pw.pw_gid, name)
    raise RuntimeError("running as root, and neither a 'postgres' nor a 'nobody' user exists "
                       "to run PostgreSQL as (initdb and postgres refuse root)")


def _traversable_tmp() -> str:
    """The temp folder, unless another user could not reach into it (e.g. TMPDIR under a
    0700 home): then /tmp."""
    tmp = Path(tempfile.gettempdir()).resolve()
    for p in (tmp, *tmp.parents):
        if not os.stat(p).st_mode & stat.S_IXOTH:
            return "/tmp"
    return str(tmp)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A running server: `url(db)`, `create_database(name)`, `admin()`; `stop()` ends it."""

    def __init__(self, binaries: Binaries, password: str | None = None):
        self.binaries = binaries
        self.password = password
        self.user = SUPERUSER
        self.port = 0
        self.run_as = _run_as()
        self.base = Path(tempfile.mkdtemp(prefix="deskapp-pg-", dir=_traversable_tmp()))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "postgres.log"
        self._proc: subprocess.Popen | None = None
        self._counter = 0

    # -- lifecycle --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        # No PG* variables from the caller's environment (PGDATA, PGPORT...) leak in.
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C",
                "TZ": "UTC", "HOME": str(self.base)}

    def _run(self, *argv: str) -> None:
        proc = subprocess.run(argv, cwd=self.base, env=self._env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300,
                              **self.run_as.popen_kwargs())
        if proc.returncode:
            out = (proc.stdout + proc.stderr).strip()
            raise RuntimeError(f"{Path(argv[0]).name} failed ({proc.returncode}"
                               f"{', as user ' + self.run_as.name if self.run_as.name else ''})"
                               f": {out[-2000:]}")

    def start(self) -> PostgresServer:
        self.base.chmod(0o700)
        self.run_as.own(self.base)
        self.sock.mkdir(mode=0o700)
        self.run_as.own(self.sock)
        initdb = [self.binaries["initdb"], "-D", str(self.data), "-U", self.user,
                  "--encoding=UTF8", "--locale=C", "--no-sync", "--auth-local=trust"]
        if self.password is None:
            initdb.append("--auth-host=trust")
        else:
            pwfile = self.base / "pwfile"
            pwfile.write_text(self.password + "\n", encoding="utf-8")
            pwfile.chmod(0o600)
            self.run_as.own(pwfile)
            initdb += ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        self._run(*initdb)
        for _attempt in range(5):  # another process may grab the free port before postgres
            if self._launch(_free_port()):
                return self
        raise RuntimeError(f"PostgreSQL did not start after 5 ports; log {self.log}:\n"
                           f"{self._log_tail()}")

    def _launch(self, port: int) -> bool:
        """Start postgres on `port` and wait until it accepts connections. False when the port
        was taken; RuntimeError for any other failure."""
        import psycopg

        self.port = port
        with self.log.open("ab") as log:  # opened by us: the server user needs no rights on it
            self._proc = subprocess.Popen(
                [self.binaries["postgres"], "-D", str(self.data), "-p", str(port),
                 "-k", str(self.sock), "-c", "listen_addresses=127.0.0.1",
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "logging_collector=off"],
                cwd=self.base, env=self._env(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, **self.run_as.popen_kwargs())
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._proc.poll() is not None:
                tail = self._log_tail()
                self._proc = None
                if "could not bind" in tail or "already in use" in tail:
                    return False
                raise RuntimeError(f"postgres exited at start ({self.binaries.bindir}); "
                                   f"log:\n{tail}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return True
            except psycopg.OperationalError as exc:
                last = exc
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"PostgreSQL on port {port} did not accept connections "
                                   f"within {START_TIMEOUT_S:.0f} s ({last}); log:\n"
                                   f"{self._log_tail()}")
            time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Immediate shutdown (the data is thrown away), then delete the temp dir."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(self.binaries["pg_ctl"], "stop", "-D", str(self.data),
                          "-m", "immediate", "-w", "-t", "30")
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
        shutil.rmtree(self.base, ignore_errors=True)

    # -- use --------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres", password: str | None = None,
            schema: str | None = None) -> str:
        """postgresql:// URL for `dbname` (with the server's password unless another is given;
        with `schema`, that schema alone is the search_path)."""
        pw = self.password if password is None else password
        auth = self.user + (f":{quote(pw, safe='')}" if pw else "")
        query = f"?options={quote(f'-csearch_path={schema}', safe='')}" if schema else ""
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}{query}"

    @contextlib.contextmanager
    def admin(self, dbname: str = "postgres") -> Iterator:
        """An autocommit superuser connection."""
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            yield conn

    def _name(self, name: str | None) -> str:
        if name is None:
            self._counter += 1
            name = f"t{self._counter}"
        return name

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL. (CREATE DATABASE takes a few hundred ms:
        tests that need no database of their own are faster with create_schema.)"""
        from psycopg import sql

        name = self._name(name)
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def create_schema(self, name: str | None = None) -> str:
        """A new empty schema in the `postgres` database; returns a URL whose search_path is
        that schema alone, so that it looks like an empty database to the client."""
        from psycopg import sql

        name = self._name(name)
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return self.url(schema=name)


@contextlib.contextmanager
def postgres_server(binaries: Binaries | None = None,
                    password: str | None = None) -> Iterator[PostgresServer]:
    """Start a throwaway server (trust auth, or password auth on TCP with `password`);
    yields it running; stops it and deletes its files afterwards."""
    server = PostgresServer(binaries or find_binaries(), password)
    try:
        yield server.start()
    finally:
        server.stop()
