"""Build deskapp as a one-folder app for this platform, with its icon and its package.

    .venv/bin/python packaging/build.py
    .venv\\Scripts\\python packaging\\build.py                (Windows)

Output (packaging/build/ and packaging/dist/ are git-ignored):
  Linux    packaging/dist/deskapp/ (deskapp, _internal/, deskapp.desktop, deskapp.png,
           install.sh) and packaging/dist/deskapp-VERSION-linux-ARCH.tar.gz; also an AppImage
           when `appimagetool` is on PATH
  Windows  packaging\\dist\\deskapp\\ (deskapp.exe, deskapp-cli.exe) and, when Inno Setup's
           iscc is on PATH, packaging\\dist\\deskapp-VERSION-windows-setup.exe
  macOS    packaging/dist/deskapp.app and, with hdiutil, packaging/dist/deskapp-VERSION-macos.dmg

Options: --clean (PyInstaller rebuilds its cache), --no-archive (skip tarball / installer / dmg),
--dist DIR / --work DIR (instead of packaging/dist and packaging/build).
Environment: DESKAPP_TRIM=0 builds without the exclusions of deskapp.spec and without stripping
debug sections (the size before trimming, for benchmarks/installer.py).
Prints the build time and the sizes; the last line is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / "build"
DIST = HERE / "dist"
ICONS = BUILD / "icons"
NAME = "deskapp"


def log(msg: str) -> None:
    print(f"build: {msg}", flush=True)


def die(msg: str) -> None:
    print(f"build: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def check_version() -> str:
    """The built app reads its version from the installed metadata (deskapp.__version__), which
    the spec copies in; refuse to build when that metadata is missing or stale."""
    from importlib.metadata import PackageNotFoundError, version

    want = project_version()
    try:
        have = version(NAME)
    except PackageNotFoundError:
        die("deskapp is not installed in this Python; run `bash tools/bootstrap.sh test` "
            "(or `pip install -e .[packaging]`) first")
    if have != want:
        die(f"installed deskapp metadata says {have}, pyproject.toml says {want}; re-run "
            "`bash tools/bootstrap.sh test` (pip install -e .) so the built app shows the "
            "right version")
    return want


def folder_size(path: Path) -> int:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


# ------------------------------------------------------------------ icons
def _render_svg(svg: Path, sizes: list[int]) -> dict[int, bytes]:
    """PNG bytes of the SVG at each size (Qt's SVG renderer, offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (keep it alive)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        die(f"cannot read the icon {svg}")
    out = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        out[size] = bytes(data.data())
    return out


def _ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (Vista and later read them)."""
    sizes = sorted(s for s in pngs if s <= 256)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s == 256 else s
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return header + entries + blobs


ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09",
              1024: b"ic10"}


def _icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG images."""
    body = b"".join(ICNS_TYPES[s] + struct.pack(">I", 8 + len(d)) + d
                    for s, d in sorted(pngs.items()) if s in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def make_icons() -> None:
    """deskapp.png / .ico / .icns in packaging/build/icons from packaging/icons/deskapp.svg."""
    svg = HERE / "icons" / f"{NAME}.svg"
    targets = [ICONS / f"{NAME}.{ext}" for ext in ("png", "ico", "icns")]
    if all(t.exists() and t.stat().st_mtime >= svg.stat().st_mtime for t in targets):
        return
    ICONS.mkdir(parents=True, exist_ok=True)
    pngs = _render_svg(svg, [16, 24, 32, 48, 64, 128, 256, 512, 1024])
    (ICONS / f"{NAME}.png").write_bytes(pngs[256])
    (ICONS / f"{NAME}.ico").write_bytes(_ico(pngs))
    (ICONS / f"{NAME}.icns").write_bytes(_icns(pngs))
    log(f"icons written to {ICONS}")


# ------------------------------------------------------------------ PyInstaller
def run_pyinstaller(clean: bool) -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        die("PyInstaller is not installed; run `pip install -e .[packaging]` in the venv "
            "(`bash tools/bootstrap.sh test` does it)")
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
           str(HERE / f"{NAME}.spec")]
    if clean:
        cmd.insert(3, "--clean")
    env = {**os.environ, "DESKAPP_ICON_DIR": str(ICONS), "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode != 0:
        die(f"PyInstaller failed (exit {proc.returncode})")
    return time.perf_counter() - t0


# ------------------------------------------------------------------ Linux
def strip_debug_info(app_dir: Path) -> int:
    """Drop the debug sections of the bundled shared libraries (pyenv's libpython and
    curl_cffi's libcurl carry about 50 MB of them); returns the bytes saved.

    Not the libraries that auditwheel vendored into `<package>.libs/` folders: strip breaks
    their patchelf-edited layout ("ELF load command address/offset not page-aligned"). Not the
    executable either (PyInstaller appends its archive to it)."""
    strip = shutil.which("strip")
    if strip is None:
        log("strip (binutils) not found: debug sections kept")
        return 0
    saved = 0
    for path in sorted((app_dir / "_internal").rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if not (path.suffix == ".so" or ".so." in path.name):
            continue
        if any(part.endswith(".libs") for part in path.relative_to(app_dir).parts):
            continue
        with open(path, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        before = path.stat().st_size
        tmp = path.with_name(path.name + ".stripped")
        proc = subprocess.run([strip, "--strip-debug", "-o", str(tmp), str(path)],
                              capture_output=True)
        if proc.returncode == 0 and tmp.stat().st_size < before:
            shutil.copymode(path, tmp)
            os.replace(tmp, path)
            saved += before - path.stat().st_size
        else:
            tmp.unlink(missing_ok=True)
    return saved


DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.4
Name=deskapp
GenericName=Risk-off trading desk
Comment=Cross-asset risk-off desk for traders who hold US equities and crypto
Exec={exec}
Icon={icon}
Terminal=false
Categories=Office;Finance;
Keywords=trading;risk;hedge;crypto;equities;
StartupWMClass=deskapp
"""


def linux_extras(app_dir: Path) -> None:
    """The desktop entry, its icon and install.sh, inside the app folder."""
    shutil.copy2(ICONS / f"{NAME}.png", app_dir / f"{NAME}.png")
    (app_dir / f"{NAME}.desktop").write_text(DESKTOP_ENTRY.format(exec=NAME, icon=NAME))
    install = app_dir / "install.sh"
    shutil.copy2(HERE / "linux" / "install.sh", install)
    install.chmod(install.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _reset_tarinfo(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def make_tarball(app_dir: Path, version: str) -> Path:
    arch = platform.machine() or "unknown"
    out = DIST / f"{NAME}-{version}-linux-{arch}.tar.gz"
    out.unlink(missing_ok=True)
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(app_dir, arcname=NAME, filter=_reset_tarinfo)
    return out


def make_appimage(app_dir: Path, version: str) -> Path | None:
    tool = shutil.which("appimagetool")
    if tool is None:
        log("appimagetool not on PATH: no AppImage (the tarball is the Linux package)")
        return None
    appdir = BUILD / f"{NAME}.AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(app_dir, appdir / "usr" / "lib" / NAME, symlinks=True)
    (appdir / "AppRun").write_text(
        '#!/bin/sh\nHERE="$(dirname "$(readlink -f "$0")")"\n'
        f'exec "$HERE/usr/lib/{NAME}/{NAME}" "$@"\n')
    (appdir / "AppRun").chmod(0o755)
    shutil.copy2(ICONS / f"{NAME}.png", appdir / f"{NAME}.png")
    (appdir / f"{NAME}.desktop").write_text(DESKTOP_ENTRY.format(exec=NAME, icon=NAME))
    arch = platform.machine() or "x86_64"
    out = DIST / f"{NAME}-{version}-{arch}.AppImage"
    proc = subprocess.run([tool, str(appdir), str(out)], env={**os.environ, "ARCH": arch})
    if proc.returncode != 0:
        log(f"appimagetool failed (exit {proc.returncode}); the tarball is the Linux package")
        return None
    return out


# ------------------------------------------------------------------ Windows / macOS
def windows_installer(version: str) -> Path | None:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"),
                   "Inno Setup 6", "ISCC.exe")
    if iscc is None and default.exists():
        iscc = str(default)
    if iscc is None:
        log("Inno Setup (iscc) not found: no setup.exe; see packaging/README.md")
        return None
    proc = subprocess.run([iscc, f"/DAppVersion={version}", f"/DDistDir={DIST / NAME}",
                           f"/DIconFile={ICONS / (NAME + '.ico')}", f"/O{DIST}",
                           str(HERE / "windows" / f"{NAME}.iss")])
    if proc.returncode != 0:
        die(f"iscc failed (exit {proc.returncode})")
    return DIST / f"{NAME}-{version}-windows-setup.exe"


def macos_dmg(version: str) -> Path | None:
    if shutil.which("hdiutil") is None:
        return None
    out = DIST / f"{NAME}-{version}-macos.dmg"
    out.unlink(missing_ok=True)
    proc = subprocess.run(["hdiutil", "create", "-volname", NAME, "-srcfolder",
                           str(DIST / f"{NAME}.app"), "-ov", "-format", "UDZO", str(out)])
    return out if proc.returncode == 0 else None


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    global DIST, BUILD, ICONS
    ap = argparse.ArgumentParser(description="Build deskapp's one-folder app and its package.")
    ap.add_argument("--clean", action="store_true", help="rebuild PyInstaller's cache")
    ap.add_argument("--no-archive", action="store_true",
                    help="skip the tarball / AppImage / setup.exe / dmg")
    ap.add_argument("--dist", type=Path, default=DIST, help="output folder (packaging/dist)")
    ap.add_argument("--work", type=Path, default=BUILD, help="work folder (packaging/build)")
    args = ap.parse_args(argv)
    DIST, BUILD = args.dist.resolve(), args.work.resolve()
    ICONS = BUILD / "icons"

    t0 = time.perf_counter()
    version = check_version()
    trimmed = os.environ.get("DESKAPP_TRIM", "1") != "0"
    log(f"deskapp {version} for {sys.platform} ({platform.machine()}), "
        f"{'trimmed' if trimmed else 'untrimmed'}")
    make_icons()
    app_dir = DIST / NAME
    shutil.rmtree(app_dir, ignore_errors=True)  # nothing stale from an earlier build
    pyi_seconds = run_pyinstaller(args.clean)
    if not app_dir.is_dir():
        die(f"PyInstaller produced no {app_dir}")
    package = None
    if sys.platform.startswith("linux"):
        if trimmed:
            log(f"debug sections stripped: {mib(strip_debug_info(app_dir))} saved")
        linux_extras(app_dir)
        if not args.no_archive:
            package = make_tarball(app_dir, version)
            make_appimage(app_dir, version)
    elif sys.platform == "win32" and not args.no_archive:
        package = windows_installer(version)
    elif sys.platform == "darwin" and not args.no_archive:
        package = macos_dmg(version)
    total = time.perf_counter() - t0
    size = folder_size(app_dir)
    summary = {"version": version, "trimmed": trimmed, "build_seconds": round(total, 1),
               "pyinstaller_seconds": round(pyi_seconds, 1), "folder": str(app_dir),
               "folder_bytes": size, "package": str(package) if package else None,
               "package_bytes": package.stat().st_size if package else None}
    log(f"built {app_dir} in {total:.1f} s (PyInstaller {pyi_seconds:.1f} s); "
        f"folder {mib(size)}")
    if package:
        log(f"package {package}: {mib(package.stat().st_size)}")
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
