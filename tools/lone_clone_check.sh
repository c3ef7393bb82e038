#!/usr/bin/env bash
# Prove a clone on its own passes: copy the checkout to a temporary folder that has no
# ../shared beside it, run there every test module that reads ../shared/data (those that
# import tests/support/shared.py: the upstream comparisons and the replay store's and the
# fixtures' own checks), and require nothing failed and the ../shared skips in ONE summary line.
#
#   bash tools/lone_clone_check.sh [pytest args...]    # after `bash tools/bootstrap.sh test`
#
# Uses the virtualenv at ${DESKAPP_VENV:-.venv} (the copy's own code wins via PYTHONPATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=${DESKAPP_VENV:-.venv}
[[ $VENV == /* ]] || VENV=$ROOT/$VENV
log() { printf 'lone-clone: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deskapp-lone.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
COPY=$WORK/deskapp
mkdir -p "$COPY"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # the files of the checkout as they are in the work tree (tracked and new, not ignored)
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
        tar -C "$ROOT" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$COPY" -xf -
else
    tar -C "$ROOT" --exclude=./.venv --exclude="./${VENV#"$ROOT"/}" -cf - . | tar -C "$COPY" -xf -
fi
[[ ! -e $WORK/shared ]] || { log "error: $WORK/shared exists"; exit 1; }

cd "$COPY"
mapfile -t MODULES < <(grep -rl --include='test_*.py' -e 'support.shared' tests | sort)
((${#MODULES[@]})) || { log "error: no test module imports support.shared"; exit 1; }
where=$(PYTHONPATH="$COPY" "$VENV/bin/python" -c 'import deskapp; print(deskapp.__file__)')
[[ $where == "$COPY"/* ]] || { log "error: deskapp imports from $where, not the copy"; exit 1; }
log "${#MODULES[@]} modules in $COPY (no ../shared beside it)"
OUT=$WORK/pytest.out
set +e
env -u DESKAPP_NO_SHARED QT_QPA_PLATFORM=offscreen PYTHONPATH="$COPY" \
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider -rs "${MODULES[@]}" "$@" 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || { log "error: pytest exit $rc in a lone clone"; exit 1; }
n=$(grep -c '^SKIPPED .*\.\./shared/data' "$OUT" || true)
((n == 1)) || { log "error: expected the ../shared skips in one summary line, found $n"; exit 1; }
log "ok: nothing failed, ../shared skips in one line"
