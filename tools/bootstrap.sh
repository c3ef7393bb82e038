#!/usr/bin/env bash
# Bootstrap and run deskapp from a clean clone on Debian/Ubuntu.
#
#   bash tools/bootstrap.sh desk [deskapp args...]   # run the app
#   bash tools/bootstrap.sh test [pytest args...]    # ruff + pytest, headless
#
# Steps: find Python >= 3.11, make sure the system libraries Qt needs are present
# (apt-get only when something is missing), create/refresh the virtualenv at
# ${DESKAPP_VENV:-.venv} (pip is skipped while a stamp matches pyproject.toml),
# then exec deskapp or pytest.  See docs/SETUP.md.
#
# Testing hook only: DESKAPP_BOOTSTRAP_EXTRA_SONAMES="libfoo.so.1:foo-pkg[,libbar.so.2:bar-pkg]"
# adds soname:package pairs to the system library check (simulates a missing library).
set -euo pipefail

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: bash tools/bootstrap.sh desk [deskapp args...]
       bash tools/bootstrap.sh test [pytest args...]
EOF
    exit 2
}

MODE=${1:-}
case $MODE in
    desk | test) shift ;;
    *) usage ;;
esac

# 1. Repo root, relative to this script (tools/..).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

VENV=${DESKAPP_VENV:-.venv}
[[ $VENV == /* ]] || VENV=$ROOT/$VENV
STAMP=$VENV/.deskapp-bootstrap-stamp

has_screen() { [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; }

if ((EUID == 0)); then IS_ROOT=1; else IS_ROOT=0; fi

# ---------------------------------------------------------------------------
# 2. Python >= 3.11 (only needed to create the venv; a healthy venv is reused).

find_python() {
    local cand exe
    for cand in python3.13 python3.12 python3.11 python3; do
        command -v "$cand" >/dev/null 2>&1 || continue
        # Ask the interpreter itself: pyenv shims exist even when they cannot run.
        exe=$("$cand" -c 'import sys
if sys.version_info < (3, 11): sys.exit(1)
print(sys.executable)' 2>/dev/null) || continue
        if [[ -n $exe && -x $exe ]]; then
            printf '%s\n' "$exe"
            return 0
        fi
    done
    return 1
}

# The apt line that gives this distro a Python >= 3.11.
python_apt_pkgs() {
    local cand minor=""
    cand=$(apt-cache policy python3 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n1)
    if [[ $cand =~ ^3\.([0-9]+) ]]; then
        minor=${BASH_REMATCH[1]}
    elif [[ -r /etc/os-release ]]; then
        # No apt lists yet: guess from the release (Debian 12 / Ubuntu 23.04 ship >= 3.11).
        minor=$(
            # shellcheck disable=SC1091
            . /etc/os-release
            major=${VERSION_ID%%.*}
            case ${ID:-} in
                debian) [[ $major =~ ^[0-9]+$ ]] && ((major >= 12)) && echo 11 ;;
                ubuntu) [[ $major =~ ^[0-9]+$ ]] && ((major >= 23)) && echo 11 ;;
            esac
            true
        )
    fi
    if [[ -n $minor ]] && ((minor < 11)); then
        echo "python3.11 python3.11-venv"
    elif [[ -n $minor ]]; then
        echo "python3 python3-venv"
    else
        echo "python3.11 python3.11-venv"
    fi
}

venv_python_ok() {
    [[ -x $VENV/bin/python ]] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

venv_has_pip() {
    local f
    for f in "$VENV"/lib/python3*/site-packages/pip/__init__.py; do
        [[ -e $f ]] && return 0
    done
    return 1
}

NEED_VENV=0
if ! venv_python_ok || ! venv_has_pip; then
    NEED_VENV=1
    # Only ever replace a virtualenv that is ours; fail early otherwise.
    if [[ -e $VENV || -L $VENV ]]; then
        if [[ ! -O $VENV ]]; then
            die "$VENV is not usable and belongs to another user; set DESKAPP_VENV to a path of your own"
        elif [[ ! -f $VENV/pyvenv.cfg && -n $(ls -A -- "$VENV" 2>/dev/null) ]]; then
            die "$VENV exists and is not a virtualenv; move it away or set DESKAPP_VENV"
        fi
    fi
fi

PY=""
MISSING_PKGS=() # Debian packages to install
MISSING_WHAT=() # human-readable reasons

NEED_PYTHON=0
if ((NEED_VENV)); then
    if ! PY=$(find_python); then
        # No Python >= 3.11: install the distro's (with the libraries below, in one apt call).
        log "no Python >= 3.11 found (tried python3.13, python3.12, python3.11, python3)"
        NEED_PYTHON=1
        read -r -a pypkgs <<<"$(python_apt_pkgs)"
        MISSING_PKGS+=("${pypkgs[@]}")
        MISSING_WHAT+=("Python >= 3.11")
    else
        log "using $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"
        # The venv module and ensurepip (Debian splits them into pythonX.Y-venv).
        if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
            pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            pyprefix=$("$PY" -c 'import sys; print(sys.base_prefix)')
            if [[ $pyprefix == /usr ]]; then
                MISSING_PKGS+=("python$pyver-venv")
                MISSING_WHAT+=("python$pyver venv/ensurepip")
            else
                die "$PY has no working venv/ensurepip module; rebuild or reinstall that Python (it is not a Debian package)"
            fi
        fi
    fi
fi

# ---------------------------------------------------------------------------
# 3. System libraries the PySide6 wheels load at runtime.

LDCACHE=""
for ldc in ldconfig /sbin/ldconfig /usr/sbin/ldconfig; do
    if command -v "$ldc" >/dev/null 2>&1; then
        LDCACHE=$("$ldc" -p 2>/dev/null || true)
        break
    fi
done

have_soname() {
    local so=$1 f
    [[ $LDCACHE == *$'\t'"$so "* ]] && return 0
    for f in /usr/lib/"$so" /usr/lib/*/"$so" /usr/lib64/"$so" /lib/"$so" /lib/*/"$so" /lib64/"$so"; do
        [[ -e $f ]] && return 0
    done
    return 1
}

SONAMES=(
    libEGL.so.1:libegl1
    libGL.so.1:libgl1
    libX11.so.6:libx11-6
    libxkbcommon.so.0:libxkbcommon0
    libfontconfig.so.1:libfontconfig1
    libfreetype.so.6:libfreetype6
    libdbus-1.so.3:libdbus-1-3
    libglib-2.0.so.0:libglib2.0-0 # libglib2.0-0t64 on newer releases, resolved below
)
if [[ $MODE == desk ]] && has_screen; then
    # The xcb platform plugin (libqxcb.so) and what it links against.
    SONAMES+=(
        libxcb-cursor.so.0:libxcb-cursor0
        libxkbcommon-x11.so.0:libxkbcommon-x11-0
        libxcb-icccm.so.4:libxcb-icccm4
        libxcb-keysyms.so.1:libxcb-keysyms1
        libxcb-image.so.0:libxcb-image0
        libxcb-render-util.so.0:libxcb-render-util0
        libxcb-shape.so.0:libxcb-shape0
        libxcb-randr.so.0:libxcb-randr0
        libxcb-xfixes.so.0:libxcb-xfixes0
        libxcb-xinerama.so.0:libxcb-xinerama0
        libX11-xcb.so.1:libx11-xcb1
        libxcb-util.so.1:libxcb-util1
        libxcb-sync.so.1:libxcb-sync1
        libxcb-shm.so.0:libxcb-shm0
        libxcb-render.so.0:libxcb-render0
        libxcb-xkb.so.1:libxcb-xkb1
        libxcb.so.1:libxcb1
    )
fi
if [[ -n ${DESKAPP_BOOTSTRAP_EXTRA_SONAMES:-} ]]; then
    IFS=', ' read -r -a extra <<<"$DESKAPP_BOOTSTRAP_EXTRA_SONAMES"
    SONAMES+=("${extra[@]}")
fi

missing_sonames() {
    local entry
    for entry in "${SONAMES[@]}"; do
        have_soname "${entry%%:*}" || printf '%s\n' "$entry"
    done
}

while IFS= read -r entry; do
    [[ -n $entry ]] || continue
    MISSING_PKGS+=("${entry#*:}")
    MISSING_WHAT+=("${entry%%:*}")
done < <(missing_sonames)

fonts_ok() { command -v fc-list >/dev/null 2>&1 && [[ -n $(fc-list 2>/dev/null | head -n1) ]]; }
if ! fonts_ok; then
    MISSING_PKGS+=(fontconfig fonts-dejavu-core)
    MISSING_WHAT+=("a font (fc-list is empty or missing)")
fi

# The PostgreSQL journal tests start a throwaway server of their own (tests/support/
# postgres_server.py): they need the server binaries, not a running server. Test mode only;
# DESKAPP_SKIP_POSTGRES=1 skips those tests and this check.
pg_server_ok() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && return 0
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 &&
        command -v postgres >/dev/null 2>&1
}
NEED_PG=0
if [[ $MODE == test && ${DESKAPP_SKIP_POSTGRES:-} != 1 ]] && ! pg_server_ok; then
    NEED_PG=1
    MISSING_PKGS+=(postgresql)
    MISSING_WHAT+=("PostgreSQL server binaries for the tests (/usr/lib/postgresql/*/bin/initdb)")
fi

# Debian's t64 transition renamed some libraries (libglib2.0-0 -> libglib2.0-0t64):
# keep the name apt has a candidate for, else try "<name>t64", else keep the name.
apt_candidate() {
    local c
    c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n1)
    [[ -n $c && $c != "(none)" ]]
}
resolve_pkgs() {
    local p seen=" "
    RESOLVED=()
    for p in "$@"; do
        if command -v apt-cache >/dev/null 2>&1 && ! apt_candidate "$p" && apt_candidate "${p}t64"; then
            p=${p}t64
        fi
        [[ $seen == *" $p "* ]] && continue
        seen+="$p "
        RESOLVED+=("$p")
    done
}

if ((${#MISSING_PKGS[@]})); then
    log "missing: ${MISSING_WHAT[*]}"
    SUDO=()
    if ((IS_ROOT)); then
        :
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        resolve_pkgs "${MISSING_PKGS[@]}"
        log "not root and no passwordless sudo; run this, then re-run the bootstrap:"
        printf 'sudo apt-get install -y %s\n' "${RESOLVED[*]}" >&2
        exit 1
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "apt-get not found; install the equivalents of: ${MISSING_PKGS[*]}"
    log "apt-get update"
    ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq ||
        log "warning: apt-get update failed; trying the install anyway"
    resolve_pkgs "${MISSING_PKGS[@]}"
    log "apt-get install ${RESOLVED[*]}"
    ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${RESOLVED[@]}" </dev/null >/dev/null ||
        die "apt-get install failed: ${RESOLVED[*]}"
    # Re-check: a package name that installs fine but does not provide the soname.
    for ldc in ldconfig /sbin/ldconfig /usr/sbin/ldconfig; do
        if command -v "$ldc" >/dev/null 2>&1; then
            LDCACHE=$("$ldc" -p 2>/dev/null || true)
            break
        fi
    done
    still=$(missing_sonames | cut -d: -f1 | tr '\n' ' ')
    if ((NEED_PG)) && ! pg_server_ok; then still+="/usr/lib/postgresql/*/bin/initdb "; fi
    [[ -z $still ]] || die "still missing after install: $still"
    fonts_ok || log "warning: fc-list still lists no fonts"
    if ((NEED_PYTHON)); then
        PY=$(find_python) || die "still no Python >= 3.11 after installing it"
        log "using $PY"
    fi
fi

# ---------------------------------------------------------------------------
# 4. Virtualenv + pip install (skipped while the stamp matches).

if ((NEED_VENV)); then
    if [[ -f $VENV/pyvenv.cfg ]]; then # checked above: ours and a virtualenv
        log "removing broken virtualenv $VENV"
        rm -rf -- "$VENV"
    fi
    log "creating virtualenv $VENV"
    "$PY" -m venv "$VENV" || die "could not create the virtualenv at $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input --upgrade pip ||
        log "warning: could not upgrade pip; continuing with the bundled one"
fi

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        "$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
    fi
}

# Editable installs map the top-level packages that exist at install time, so a new
# top-level package (e.g. deskapp/ appearing in a young clone) also forces a reinstall.
top_packages() {
    local d out=""
    for d in deskapp*/; do
        d=${d%/}
        # Importable names only (not deskapp.egg-info, which pip itself creates).
        [[ -d $d && $d =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && out+="$d,"
    done
    printf '%s\n' "${out:--}"
}

KEY="$(sha256_of pyproject.toml) $(top_packages)"

stamp_ok() {
    local s_sha s_pkgs s_mode s_root
    [[ -f $STAMP ]] || return 1
    read -r s_sha s_pkgs s_mode s_root <"$STAMP" || return 1
    [[ "$s_sha $s_pkgs" == "$KEY" && $s_root == "$ROOT" ]] || return 1
    # test implies desk deps.
    [[ $s_mode == "$MODE" || $s_mode == test ]] || return 1
    [[ -x $VENV/bin/deskapp ]] || return 1
    if [[ $MODE == test ]]; then
        [[ -x $VENV/bin/ruff && -x $VENV/bin/pytest && -x $VENV/bin/pyinstaller ]] || return 1
    fi
    return 0
}

if stamp_ok; then
    log "dependencies up to date ($(basename "$VENV"), $MODE)"
else
    INSTALL_MODE=$MODE
    # Keep the test extras when a test venv only needs a refresh for desk.
    if [[ -f $STAMP ]] && read -r _ _ s_mode _ <"$STAMP" && [[ $s_mode == test ]]; then
        INSTALL_MODE="test"
    fi
    # packaging = PyInstaller, for tests/test_packaging.py (the built-app smoke test).
    if [[ $INSTALL_MODE == test ]]; then SPEC=".[test,packaging]"; else SPEC="."; fi
    log "pip install -e \"$SPEC\" into $VENV"
    rm -f -- "$STAMP"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -e "$SPEC" ||
        die "pip install -e \"$SPEC\" failed"
    printf '%s %s %s\n' "$KEY" "$INSTALL_MODE" "$ROOT" >"$STAMP"
fi

# ---------------------------------------------------------------------------
# 5./6. Run.

if [[ $MODE == desk ]]; then
    if ! has_screen && [[ -z ${QT_QPA_PLATFORM+x} ]]; then
        log "no screen found (DISPLAY and WAYLAND_DISPLAY are unset): run this on a desktop session, or render headless with: QT_QPA_PLATFORM=offscreen bash tools/bootstrap.sh desk --screenshot board.png"
    fi
    exec "$VENV/bin/deskapp" "$@"
fi

export QT_QPA_PLATFORM=offscreen
log "ruff check ."
RUFF_ARGS=()
# ruff skips .venv by default; exclude a custom DESKAPP_VENV inside the repo too.
if [[ $VENV == "$ROOT"/* ]]; then
    RUFF_ARGS+=(--extend-exclude "${VENV#"$ROOT"/}")
fi
"$VENV/bin/ruff" check ${RUFF_ARGS[@]+"${RUFF_ARGS[@]}"} .
log "pytest $*"
exec "$VENV/bin/python" -m pytest "$@"
