"""Start-up against the floor, measured in the same run: process start to the first painted board
written as PNG, and the signals command's whole process.

Each round runs, one after the other (so every program sees the same machine load):
1. the floor (`benchmarks/floor.py`: PySide6 + pyqtgraph + pandas, 8 docked plot panes, one paint);
2. a replay: `deskapp --replay 2026-02-risk-off --at ... --screenshot`;
3. a warm cache: `deskapp --source cache --screenshot`, the cache filled with the live universe's
   series (real values from the bundled 2026-02 replay under the live keys);
4. with `--app PATH` (a PyInstaller build's `deskapp`), the built app on the replay and the cache;
5. `deskapp signals --replay history --at ... --json`, start to exit, and whether it imported
   PySide6 (`-X importtime` of one more run).

Usage: python benchmarks/startup.py [runs] [--app dist/deskapp/deskapp]
(prints figures and each target's verdict; asserts nothing)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPLAY = ["--replay", "2026-02-risk-off", "--at", "2026-02-10T21:00Z"]
SIGNALS = ["signals", "--replay", "history", "--at", "2020-03-16T21:00Z", "--json"]


def time_to_png(cmd: list[str], env: dict, png: Path) -> float:
    """Seconds from process start to the PNG on disk (the process may still be exiting)."""
    png.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while not png.exists() and proc.poll() is None:
        time.sleep(0.002)
    elapsed = time.perf_counter() - t0
    _, err = proc.communicate()
    if proc.returncode != 0 or not png.exists():
        sys.exit(f"{' '.join(cmd)} failed (exit {proc.returncode}): {err.decode()[-2000:]}")
    return elapsed


def time_to_exit(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def imports_pyside6(cmd: list[str], env: dict) -> bool:
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, capture_output=True)
    return b"PySide6" in proc.stderr


def fill_cache(home: Path) -> int:
    """The warm cache: the live universe's keys, real values from the 2026-02 replay."""
    from deskapp.data.cache import MarketCache
    from deskapp.data.instruments import UNIVERSE
    from deskapp.data.replay import load_dataset

    ds = load_dataset("2026-02-risk-off")
    cache = MarketCache(home / "data" / "market-cache.sqlite3")
    rows = 0
    for s in UNIVERSE:
        if s.key in ds.frames:
            rows += cache.put(s.key, ds.frames[s.key].loc[:"2026-02-10T21:00Z"], s.meta())
    cache.close()
    return rows


def verdict(median: float, floor: float, limit: float) -> str:
    ratio = median / floor
    return f"{ratio:.2f}x the floor (target <= {limit}x: {'met' if ratio <= limit else 'NOT met'})"


def compile_package() -> None:
    """Bytecode for deskapp, as an installed app has: with PYTHONDONTWRITEBYTECODE set (as on
    this machine) a source tree is compiled again by every process, ~90 ms of each start."""
    import compileall

    import deskapp

    compileall.compile_dir(Path(deskapp.__file__).parent, quiet=1)


def main() -> None:
    args = sys.argv[1:]
    app = None
    if "--app" in args:
        i = args.index("--app")
        app = args[i + 1]
        del args[i:i + 2]
    runs = int(args[0]) if args else 5
    compile_package()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"median of {runs} rounds after one warm-up round")
    with tempfile.TemporaryDirectory(prefix="deskapp-startup-") as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKAPP_", "QT_"))}
        env.update(QT_QPA_PLATFORM="offscreen", DESKAPP_HOME=tmp)
        png = home / "board.png"
        shot = ["--screenshot", str(png), "--size", "1600x900"]
        desk = [sys.executable, "-m", "deskapp"]
        rows = fill_cache(home)
        programs: dict[str, list[str]] = {
            "floor": [sys.executable, str(HERE / "floor.py"), str(png)],
            "replay": desk + REPLAY + shot,
            "warm cache": desk + ["--source", "cache"] + shot,
        }
        if app:
            programs["built app, replay"] = [app, *REPLAY, *shot]
            programs["built app, warm cache"] = [app, "--source", "cache", *shot]
        times: dict[str, list[float]] = {name: [] for name in [*programs, "signals --json"]}
        for round_ in range(runs + 1):
            for name, cmd in programs.items():
                t = time_to_png(cmd, env, png)
                if round_:
                    times[name].append(t)
            t = time_to_exit(desk + SIGNALS, env)
            if round_:
                times["signals --json"].append(t)
        med = {name: statistics.median(v) for name, v in times.items()}
        for name, v in times.items():
            print(f"  {name:22s} median {med[name]:.2f} s (min {min(v):.2f}, max {max(v):.2f})")
        floor = med["floor"]
        print(f"start -> painted board, warm cache ({rows} cached values): "
              f"{verdict(med['warm cache'], floor, 1.2)}")
        print(f"start -> painted board, replay: {verdict(med['replay'], floor, 1.3)}")
        for name in ("built app, replay", "built app, warm cache"):
            if name in med:
                print(f"start -> painted board, {name}: {verdict(med[name], floor, 1.3)}")
        qt = imports_pyside6(desk + SIGNALS, env)
        ok = med["signals --json"] <= 0.8 and not qt
        print(f"signals --json, whole process: {med['signals --json']:.2f} s, PySide6 "
              f"{'imported' if qt else 'not imported'} (target <= 0.80 s without PySide6: "
              f"{'met' if ok else 'NOT met'})")


if __name__ == "__main__":
    main()
