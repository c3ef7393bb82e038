#!/bin/sh
# Put deskapp in the desktop's application menu (and `deskapp` on the PATH) for this user.
#
#   ./install.sh              after unpacking the tarball, from the unpacked deskapp/ folder
#   ./install.sh --uninstall  removes the menu entry, the icon and the command link
#
# Nothing is copied: the menu entry runs deskapp from where it was unpacked; move the folder,
# then run ./install.sh again. No root needed (everything goes under ~/.local).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPS=$DATA/applications
ICONDIR=$DATA/icons/hicolor/256x256/apps
BIN=$HOME/.local/bin

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 &&
        gtk-update-icon-cache -q -t "$DATA/icons/hicolor" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$APPS/deskapp.desktop" "$ICONDIR/deskapp.png"
    if [ -L "$BIN/deskapp" ]; then rm -f "$BIN/deskapp"; fi
    refresh
    echo "deskapp removed from the menu (the folder $HERE is left as it is)"
    exit 0
fi

[ -x "$HERE/deskapp" ] || { echo "install.sh: $HERE/deskapp not found" >&2; exit 1; }
mkdir -p "$APPS" "$ICONDIR" "$BIN"
cp "$HERE/deskapp.png" "$ICONDIR/deskapp.png"
# The entry shipped beside this script, with the absolute path of this folder's binary.
sed -e "s|^Exec=.*|Exec=\"$HERE/deskapp\"|" -e "s|^Icon=.*|Icon=deskapp|" \
    -e "/^Version=/a TryExec=$HERE/deskapp" \
    "$HERE/deskapp.desktop" >"$APPS/deskapp.desktop"
chmod 644 "$APPS/deskapp.desktop"
if [ ! -e "$BIN/deskapp" ] || [ -L "$BIN/deskapp" ]; then
    ln -sfn "$HERE/deskapp" "$BIN/deskapp"
fi
refresh
echo "deskapp is in the application menu; from a terminal: $BIN/deskapp --help"
