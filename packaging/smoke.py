"""Smoke test of the BUILT app: build it (packaging/build.py), unpack the Linux tarball into a
temporary folder and run the binary from there, headless, with the same command lines as the
`deskapp` console script. A missing data file, hidden import or Qt plugin fails here.

    .venv/bin/python packaging/smoke.py               build, unpack, run every check
    .venv/bin/python packaging/smoke.py --no-build    check the last build (packaging/dist)
    ... --dist DIR --work DIR                          build into private folders (the test does)

Every run uses QT_QPA_PLATFORM=offscreen and DESKAPP_HOME=<temporary folder>, from a working
folder outside the repository, with no PYTHON* / DESKAPP_* / QT_* variables of the caller, so
nothing touches the user's folders and nothing can come from the source tree.
Exit 0 when every check passed; the last line says `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = "deskapp"
REPLAY, AT = "2026-02-risk-off", "2026-02-10T21:00Z"
SIZE = (1600, 900)
# stderr lines that are not problems: the offscreen platform says it has no real screen, and
# `journal list` reports the outcomes it filled in.
BENIGN = (re.compile(r"^This plugin does not support"),
          re.compile(r"^journal: filled in \d+ outcomes?$"))
BAD_OUTPUT = re.compile(r"Traceback|CRITICAL|ERROR|No module named|Failed to execute|"
                        r"Cannot load library|Could not load|could not find|not found",
                        re.IGNORECASE)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Failed(Exception):
    pass


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


class Smoke:
    def __init__(self, app: Path, work: Path, source_python: str | None):
        self.app = app
        self.work = work
        self.home = work / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.source_python = source_python  # renders the same board from the source tree
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTHON", "DESKAPP_", "QT_", "VIRTUAL_ENV"))}
        self.env.update(QT_QPA_PLATFORM="offscreen", DESKAPP_HOME=str(self.home))
        self.passed: list[str] = []
        self.failed: list[str] = []
        self.figures: dict[str, float] = {}

    # ------------------------------------------------------------------ running
    def run(self, *args: str, timeout: float = 120, cmd: list[str] | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
        cmd = (cmd or [str(self.app)]) + list(args)
        return subprocess.run(cmd, cwd=self.work, env=env or self.env, capture_output=True,
                              text=True, timeout=timeout)

    @staticmethod
    def problems(stderr: str) -> list[str]:
        """stderr lines that point at a broken build (benign lines removed)."""
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        lines = [ln for ln in lines if not any(b.search(ln) for b in BENIGN)]
        return [ln for ln in lines if BAD_OUTPUT.search(ln)]

    def expect_ok(self, proc: subprocess.CompletedProcess, what: str) -> None:
        bad = self.problems(proc.stderr)
        if proc.returncode != 0 or bad:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            raise Failed(f"{what}: exit {proc.returncode}\n{tail}")

    def check(self, name: str, fn: Callable[[], str | None]) -> None:
        t0 = time.perf_counter()
        try:
            note = fn()
        except Failed as exc:
            self.failed.append(name)
            print(f"FAIL {name}: {exc}", flush=True)
            return
        except (subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
            self.failed.append(name)
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", flush=True)
            return
        self.passed.append(name)
        extra = f" - {note}" if note else ""
        print(f"ok   {name} ({time.perf_counter() - t0:.1f} s){extra}", flush=True)

    # ------------------------------------------------------------------ checks
    def version(self) -> str:
        proc = self.run("--version")
        self.expect_ok(proc, "--version")
        want = f"{NAME} {project_version()}"
        if proc.stdout.strip() != want:
            raise Failed(f"--version printed {proc.stdout.strip()!r}, expected {want!r} "
                         "(the package metadata is missing from the bundle?)")
        return proc.stdout.strip()

    def list_replays(self) -> str:
        proc = self.run("--list-replays")
        self.expect_ok(proc, "--list-replays")
        datasets = json.loads((ROOT / "resources" / "replay" / "datasets.json").read_text())
        names = [d["name"] for d in datasets]
        listed = {ln.split()[0] for ln in proc.stdout.splitlines() if ln.strip()}
        missing = [n for n in names if n not in listed]
        if missing:
            raise Failed(f"--list-replays lacks {missing}:\n{proc.stdout}")
        return f"{len(names)} bundled datasets"

    def screenshot(self) -> str:
        png = self.work / "board.png"
        png.unlink(missing_ok=True)
        t0 = time.perf_counter()
        proc = self.run("--replay", REPLAY, "--at", AT, "--screenshot", str(png),
                        "--size", f"{SIZE[0]}x{SIZE[1]}")
        elapsed = time.perf_counter() - t0
        self.expect_ok(proc, "--screenshot")
        self.figures["screenshot_seconds"] = elapsed
        stats = png_stats(png)
        if stats["size"] != SIZE:
            raise Failed(f"PNG is {stats['size']}, expected {SIZE}")
        if stats["colors"] < 64:
            raise Failed(f"PNG looks blank: {stats['colors']} distinct colours")
        empty = [cell for cell, n in stats["cells"].items() if n < 8]
        if empty:
            raise Failed(f"board areas with next to nothing drawn: {empty} ({stats['cells']})")
        note = f"{stats['colors']} colours, start -> PNG {elapsed:.2f} s"
        if self.source_python:
            ref = self.work / "board-source.png"
            ref_proc = self.run("-m", NAME, "--replay", REPLAY, "--at", AT, "--screenshot",
                                str(ref), "--size", f"{SIZE[0]}x{SIZE[1]}",
                                cmd=[self.source_python], env={**self.env, **_source_env()})
            if ref_proc.returncode == 0 and ref.exists():
                diff = png_difference(png, ref)
                self.figures["pixels_differing_from_source"] = diff
                if diff > 0.02:
                    raise Failed(f"the built app's board differs from the source tree's in "
                                 f"{diff:.1%} of its pixels (see {png} and {ref})")
                note += f", {diff:.2%} of pixels differ from the source tree's render"
        return note

    def engine_process(self) -> str:
        """The desk as a trader runs it (no --screenshot): its boards come from the engine
        process, this binary started again by multiprocessing's spawn (launcher.py's
        freeze_support), and SIGTERM closes the desk and ends that process. Linux (/proc)."""
        log_file = self.home / "data" / "deskapp.log"
        log_file.unlink(missing_ok=True)
        said = "boards are computed in the engine process (pid "
        proc = subprocess.Popen([str(self.app), "--replay", REPLAY, "--at", AT, "--speed",
                                 "3600", "--size", f"{SIZE[0]}x{SIZE[1]}"], cwd=self.work,
                                env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        pid = None
        try:
            deadline = time.monotonic() + 90
            while pid is None and time.monotonic() < deadline and proc.poll() is None:
                text = log_file.read_text(errors="replace") if log_file.exists() else ""
                if said in text:
                    pid = int(text.split(said, 1)[1].split(")", 1)[0])
                else:
                    time.sleep(0.25)  # another process's log file: nothing to wait on
        finally:
            if proc.poll() is None:
                proc.terminate()  # SIGTERM: the desk closes as on Ctrl+C
            out, err = proc.communicate(timeout=60)
        if pid is None:
            tail = "\n".join(err.strip().splitlines()[-15:])
            raise Failed(f"no board from the engine process within 90 s\n{tail}")
        self.expect_ok(subprocess.CompletedProcess(proc.args, proc.returncode, out, err),
                       "the desk on a running replay")
        if Path(f"/proc/{pid}").exists() and "Z" not in _proc_state(pid):
            raise Failed(f"the engine process {pid} outlived the desk")
        return f"engine process pid {pid}, ended with the desk"

    def signals_json(self) -> str:
        proc = self.run("signals", "--json", "--replay", REPLAY, "--at", AT)
        self.expect_ok(proc, "signals --json")
        data = json.loads(proc.stdout)
        for key in ("asof", "correlation", "breadth"):
            if key not in data:
                raise Failed(f"signals --json has no {key!r}: {sorted(data)}")
        if self.source_python:
            ref = self.run("-m", NAME, "signals", "--json", "--replay", REPLAY, "--at", AT,
                           cmd=[self.source_python], env={**self.env, **_source_env()})
            if ref.returncode == 0 and json.loads(ref.stdout) != data:
                raise Failed("signals --json differs from the source tree's output")
            return f"{len(data)} sections, same as the source tree"
        return f"{len(data)} sections"

    def journal(self) -> str:
        add = self.run("journal", "add", "--decision", "hedge", "--profile", "swing",
                       "--note", "smoke test of the built app", "--replay", REPLAY, "--at", AT)
        self.expect_ok(add, "journal add")
        uid = add.stdout.strip().splitlines()[-1] if add.stdout.strip() else ""
        if not UUID.match(uid):
            raise Failed(f"journal add printed {add.stdout!r}, not a uuid")
        listed = self.run("journal", "list", "--json")
        self.expect_ok(listed, "journal list --json")
        records = {r["id"]: r for r in json.loads(listed.stdout)}
        if uid not in records:
            raise Failed(f"journal list --json lacks {uid}")
        if records[uid].get("app_version") != project_version():
            raise Failed(f"record's app_version is {records[uid].get('app_version')!r}, "
                         f"expected {project_version()!r}")
        text = self.run("journal", "list")
        self.expect_ok(text, "journal list")
        if uid not in text.stdout:
            raise Failed(f"journal list lacks {uid}:\n{text.stdout}")
        return f"{uid} listed, app_version {project_version()}"

    def postgres_driver(self) -> str:
        """The PostgreSQL journal's driver (psycopg + libpq) loads: a URL at a closed loopback
        port is refused by the server side, not by a missing module."""
        import socket

        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        url = f"postgresql://deskapp@127.0.0.1:{port}/journal"
        proc = self.run("journal", "--journal", url, "list", timeout=60)
        if proc.returncode == 0 or re.search(r"No module named|ImportError|Traceback|"
                                             r"libpq|not installed", proc.stderr):
            raise Failed(f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}")
        if "127.0.0.1" not in proc.stderr:
            raise Failed(f"unexpected message: {proc.stderr.strip()}")
        return f"exit {proc.returncode}: connection refused, as expected"

    def bad_arguments(self) -> str:
        cases = [("--no-such-option",),
                 ("--replay", "no-such-replay", "--at", AT),
                 ("--replay", REPLAY, "--at", "not-a-time", "--screenshot",
                  str(self.work / "x.png")),
                 ("--size", "12x12", "--replay", REPLAY, "--screenshot", str(self.work / "x.png")),
                 ("signals", "--json", "--replay", REPLAY, "--at", "1999-01-01")]
        for args in cases:
            proc = self.run(*args)
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()
                     and not any(b.search(ln) for b in BENIGN)]
            if proc.returncode != 2 or len(lines) != 1 or not lines[0].startswith("deskapp:"):
                raise Failed(f"{' '.join(args)}: exit {proc.returncode}, stderr {proc.stderr!r} "
                             "(expected exit 2 and one 'deskapp: ...' line)")
        return f"{len(cases)} bad command lines exit 2 with one line"

    def help(self) -> str:
        for args in (("--help",), ("signals", "--help"), ("journal", "--help")):
            proc = self.run(*args)
            self.expect_ok(proc, " ".join(args))
            if "usage:" not in proc.stdout:
                raise Failed(f"{' '.join(args)} printed no usage")
        return None

    def qt_libraries(self) -> str:
        """Linux: every bundled Qt library and plugin finds the Qt / ICU libraries it links."""
        internal = self.app.parent / "_internal"
        qt = internal / "PySide6"
        files = [p for p in qt.rglob("*.so*") if p.is_file()]
        unresolved = {}
        system_missing = set()
        for f in files:
            out = subprocess.run(["ldd", str(f)], capture_output=True, text=True).stdout
            for ln in out.splitlines():
                if "not found" in ln:
                    lib = ln.split()[0]
                    if lib.startswith(("libQt6", "libicu", "libpyside6", "libshiboken6",
                                       "libpython")):
                        unresolved.setdefault(lib, []).append(f.name)
                    else:
                        system_missing.add(lib)
        if unresolved:
            raise Failed(f"bundled libraries missing from the bundle: {unresolved}")
        note = f"{len(files)} Qt files resolve"
        if system_missing:
            note += (f"; not on this machine (system libraries, needed only by the X11 "
                     f"plugin): {', '.join(sorted(system_missing))}")
        return note

    def desktop_entry(self) -> str:
        """Linux: the desktop entry validates and install.sh puts a working one in the menu."""
        folder = self.app.parent
        entry = folder / f"{NAME}.desktop"
        for f in (entry, folder / f"{NAME}.png", folder / "install.sh"):
            if not f.exists():
                raise Failed(f"{f.name} is not in the app folder")
        validator = shutil.which("desktop-file-validate")
        if validator:
            proc = subprocess.run([validator, str(entry)], capture_output=True, text=True)
            if proc.returncode != 0 or proc.stdout.strip():
                raise Failed(f"desktop-file-validate: {proc.stdout}{proc.stderr}")
        fake_home = self.work / "fakehome"
        env = {**self.env, "HOME": str(fake_home), "XDG_DATA_HOME": str(fake_home / "share")}
        proc = subprocess.run(["sh", str(folder / "install.sh")], env=env, capture_output=True,
                              text=True, timeout=60)
        if proc.returncode != 0:
            raise Failed(f"install.sh: exit {proc.returncode}: {proc.stderr}")
        installed = fake_home / "share" / "applications" / f"{NAME}.desktop"
        text = installed.read_text()
        if f'Exec="{self.app}"' not in text:
            raise Failed(f"installed entry does not run {self.app}:\n{text}")
        if validator:
            proc = subprocess.run([validator, str(installed)], capture_output=True, text=True)
            if proc.returncode != 0 or proc.stdout.strip():
                raise Failed(f"desktop-file-validate (installed entry): {proc.stdout}")
        link = fake_home / ".local" / "bin" / NAME
        proc = self.run("--version", cmd=[str(link)])
        self.expect_ok(proc, "deskapp through the ~/.local/bin link")
        return "valid entry" + (" (desktop-file-validate)" if validator else "") + \
            ", install.sh works, the command link runs"


def _proc_state(pid: int) -> str:
    """A process's state letter from /proc (Z: a zombie), "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _source_env() -> dict:
    """The reference renders run this checkout's deskapp, the one that was built: first on
    PYTHONPATH, whatever the caller's PYTHONPATH or editable install points at (a worktree's
    venv is often another checkout's)."""
    rest = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([str(ROOT), rest] if rest else [str(ROOT)])}


# ---------------------------------------------------------------------- images
def _qimage(path: Path):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    if image.isNull():
        raise Failed(f"{path} is not a readable PNG")
    return image.convertToFormat(QImage.Format.Format_RGB32)


def png_stats(path: Path) -> dict:
    """Size, distinct colours (sampled) and distinct colours per sixth of the board."""
    if not path.exists():
        raise Failed(f"no PNG written at {path}")
    image = _qimage(path)
    w, h = image.width(), image.height()
    colors = set()
    cells: dict[str, set] = {}
    step = 3
    for y in range(0, h, step):
        row = "top" if y < h // 2 else "bottom"
        for x in range(0, w, step):
            rgb = image.pixel(x, y) & 0xFFFFFF
            colors.add(rgb)
            col = "left" if x < w * 0.37 else "middle" if x < w * 0.74 else "right"
            cells.setdefault(f"{row}-{col}", set()).add(rgb)
    return {"size": (w, h), "colors": len(colors),
            "cells": {k: len(v) for k, v in sorted(cells.items())}}


def png_difference(a: Path, b: Path) -> float:
    """Share of pixels that differ between two PNGs of the same size (1.0 if sizes differ)."""
    ia, ib = _qimage(a), _qimage(b)
    if ia.size() != ib.size():
        return 1.0
    import numpy as np

    def arr(img):
        ptr = img.constBits()
        return np.frombuffer(ptr, dtype=np.uint32, count=img.width() * img.height()).copy()

    return float(np.mean(arr(ia) != arr(ib)))


# ---------------------------------------------------------------------- main
def build(extra: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "build.py"), *extra],
                          capture_output=True, text=True)
    sys.stdout.write("\n".join(ln for ln in proc.stdout.splitlines()
                               if ln.startswith("build:") or ln.startswith("deskapp.spec:")))
    print(flush=True)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"smoke: the build failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def unpack(tarball: Path, into: Path) -> Path:
    with tarfile.open(tarball) as tar:
        tar.extractall(into, filter="tar")
    return into / NAME / NAME


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build deskapp and smoke-test the built binary.")
    ap.add_argument("--no-build", action="store_true", help="test the last build")
    ap.add_argument("--dist", type=Path, default=HERE / "dist", help="build output folder")
    ap.add_argument("--work", type=Path, default=HERE / "build",
                    help="build work folder (PyInstaller's cache, icons)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--no-source-compare", action="store_true",
                    help="do not compare with the source tree's screenshot and signals")
    args = ap.parse_args(argv)
    dist = args.dist.resolve()
    t0 = time.perf_counter()
    if args.no_build:
        tarballs = sorted(dist.glob(f"{NAME}-*-linux-*.tar.gz"), key=lambda p: p.stat().st_mtime)
        summary = {"package": str(tarballs[-1]) if tarballs else None,
                   "folder": str(dist / NAME)}
    else:
        summary = build(["--dist", str(dist), "--work", str(args.work.resolve())])
    work = Path(tempfile.mkdtemp(prefix="deskapp-smoke-"))
    try:
        linux = sys.platform.startswith("linux")
        if linux and summary.get("package"):
            app = unpack(Path(summary["package"]), work / "unpacked")
            print(f"smoke: testing {app} (unpacked from {Path(summary['package']).name})")
        else:
            folder = Path(summary["folder"])
            app = folder / (f"{NAME}-cli.exe" if sys.platform == "win32" else NAME)
            print(f"smoke: testing {app}")
        if not app.exists():
            raise SystemExit(f"smoke: no built app at {app}")
        source = None if args.no_source_compare else sys.executable
        smoke = Smoke(app, work, source)
        smoke.check("--version shows the package version", smoke.version)
        smoke.check("--help", smoke.help)
        smoke.check("--list-replays lists the bundled replays", smoke.list_replays)
        smoke.check("--screenshot paints the whole board", smoke.screenshot)
        smoke.check("signals --json", smoke.signals_json)
        smoke.check("journal add, then journal list", smoke.journal)
        smoke.check("bad arguments exit 2", smoke.bad_arguments)
        smoke.check("the PostgreSQL journal driver loads", smoke.postgres_driver)
        if linux:
            smoke.check("bundled Qt libraries resolve", smoke.qt_libraries)
            smoke.check("desktop entry and install.sh", smoke.desktop_entry)
            smoke.check("boards from the engine process; SIGTERM ends both",
                        smoke.engine_process)
        print(f"smoke: {time.perf_counter() - t0:.1f} s in all; screenshot kept at "
              f"{dist / 'smoke-board.png'}")
        if (work / "board.png").exists():
            shutil.copy2(work / "board.png", dist / "smoke-board.png")
        print(f"{len(smoke.passed)} passed, {len(smoke.failed)} failed", flush=True)
        return 1 if smoke.failed else 0
    finally:
        if args.keep:
            print(f"smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
