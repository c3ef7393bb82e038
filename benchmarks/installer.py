"""The installer: build time, folder and tarball size before / after trimming, and the built
app's time to its first painted board.

1. an untrimmed build (DESKAPP_TRIM=0: every Qt module and plugin PyInstaller's hooks collect,
   no exclusions, debug sections kept) - the "before" figure;
2. the shipped build (packaging/deskapp.spec as is), into packaging/dist;
3. start-up of the built app: process start -> PNG written (the file appears), and -> exit, for
   `deskapp --replay 2026-02-risk-off --at 2026-02-10T21:00Z --screenshot` and for
   `deskapp --source cache --screenshot` on a filled market cache; one warm-up run, then the
   median of N (default 5); the same for `python -m deskapp` from the source tree, for reference.

Usage: python benchmarks/installer.py [runs] [--skip-untrimmed] [--no-build]
(prints figures; asserts nothing; Linux; about 5 minutes with both builds)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.startup import _fill_cache  # noqa: E402

BUILD = ROOT / "packaging" / "build.py"
DIST = ROOT / "packaging" / "dist"
REPLAY_ARGS = ["--replay", "2026-02-risk-off", "--at", "2026-02-10T21:00Z"]


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def build(dist: Path, work: Path, trimmed: bool) -> dict:
    env = {**os.environ, "DESKAPP_TRIM": "1" if trimmed else "0"}
    proc = subprocess.run([sys.executable, str(BUILD), "--dist", str(dist), "--work", str(work)],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def time_to_png(cmd: list[str], env: dict, png: Path, runs: int) -> tuple[list[float], list[float]]:
    """(start -> PNG written, start -> exit) per run, after one warm-up run."""
    to_png, to_exit = [], []
    for i in range(runs + 1):
        png.unlink(missing_ok=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while not png.exists() and proc.poll() is None:
            time.sleep(0.002)
        t_png = time.perf_counter() - t0
        proc.wait()
        t_exit = time.perf_counter() - t0
        if proc.returncode != 0 or not png.exists():
            sys.exit(f"{' '.join(cmd)} failed (exit {proc.returncode})")
        if i:  # the first run warms the page cache
            to_png.append(t_png)
            to_exit.append(t_exit)
    return to_png, to_exit


def report(label: str, times: tuple[list[float], list[float]]) -> None:
    png, done = times
    print(f"  {label}: start -> PNG median {statistics.median(png):.2f} s "
          f"(min {min(png):.2f}, max {max(png):.2f}); start -> exit median "
          f"{statistics.median(done):.2f} s")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 5
    if not sys.platform.startswith("linux"):
        sys.exit("benchmarks/installer.py runs on Linux (the platform built and tested here)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-") as tmp:
        tmp = Path(tmp)
        before = None
        if "--skip-untrimmed" not in sys.argv and "--no-build" not in sys.argv:
            before = build(tmp / "untrimmed", tmp / "untrimmed-work", trimmed=False)
            shutil.rmtree(tmp / "untrimmed-work", ignore_errors=True)
        if "--no-build" in sys.argv:
            tarballs = sorted(DIST.glob("deskapp-*-linux-*.tar.gz"))
            after = {"build_seconds": float("nan"), "folder": str(DIST / "deskapp"),
                     "folder_bytes": folder_size(DIST / "deskapp"),
                     "package_bytes": tarballs[-1].stat().st_size if tarballs else 0}
        else:
            # a fresh work folder: the time a clean clone (and CI) takes
            after = build(DIST, tmp / "work", trimmed=True)

        print("build (python packaging/build.py: icons, PyInstaller, strip, tarball)")
        if before:
            print(f"  untrimmed: {before['build_seconds']:.1f} s, folder "
                  f"{mib(before['folder_bytes'])}, tarball {mib(before['package_bytes'])}")
        print(f"  shipped:   {after['build_seconds']:.1f} s, folder {mib(after['folder_bytes'])}, "
              f"tarball {mib(after['package_bytes'])}")
        if before:
            saved = before["folder_bytes"] - after["folder_bytes"]
            print(f"  trimming saves {mib(saved)} of the folder "
                  f"({saved / before['folder_bytes']:.0%}) and "
                  f"{mib(before['package_bytes'] - after['package_bytes'])} of the tarball")

        app = Path(after["folder"]) / "deskapp"
        home = tmp / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKAPP_", "QT_"))}
        env.update(QT_QPA_PLATFORM="offscreen", DESKAPP_HOME=str(home))
        png = tmp / "board.png"
        shot = ["--screenshot", str(png), "--size", "1600x900"]
        source = [sys.executable, "-m", "deskapp"]
        print(f"time to the first painted board, 1600x900 offscreen, median of {runs} after "
              "one warm-up run")
        report("built app, replay", time_to_png([str(app), *REPLAY_ARGS, *shot], env, png, runs))
        report("source,    replay", time_to_png([*source, *REPLAY_ARGS, *shot], env, png, runs))
        rows = _fill_cache(home)
        report(f"built app, --source cache ({rows} cached values)",
               time_to_png([str(app), "--source", "cache", *shot], env, png, runs))
        report("source,    --source cache",
               time_to_png([*source, "--source", "cache", *shot], env, png, runs))


if __name__ == "__main__":
    main()
