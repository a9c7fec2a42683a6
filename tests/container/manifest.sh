#!/bin/sh
# Print the state manifest of a Patroni install: for each managed path its
# type, mode, owner and sha256 or link target, the venv's packages, and what
# the postgres user's shells find. Runs inside the container, as root.
# Usage: manifest.sh USER HOME BIN_DIR CONFIG_DIR PIPX_HOME [--mtimes]
set -eu
user=$1 home=$2 bin=$3 conf=$4 pipx_home=$5 mtimes=${6:-}
venv=$pipx_home/venvs/patroni

entry() {
    p=$1
    if [ -L "$p" ]; then
        printf '%s link -> %s\n' "$p" "$(readlink "$p")"
    elif [ -f "$p" ]; then
        printf '%s file %s %s %s' "$p" "$(stat -c '%a' "$p")" "$(stat -c '%U:%G' "$p")" "$(sha256sum < "$p" | cut -d' ' -f1)"
        [ -z "$mtimes" ] || printf ' mtime=%s' "$(stat -c '%y' "$p")"
        printf '\n'
    elif [ -d "$p" ]; then
        printf '%s dir %s %s' "$p" "$(stat -c '%a' "$p")" "$(stat -c '%U:%G' "$p")"
        [ -z "$mtimes" ] || printf ' mtime=%s' "$(stat -c '%y' "$p")"
        printf '\n'
    elif [ -e "$p" ]; then
        printf '%s other\n' "$p"
    else
        printf '%s absent\n' "$p"
    fi
}

for p in /etc/systemd/system/patroni.service \
    /etc/systemd/system/multi-user.target.wants/patroni.service \
    "$conf" "$home" \
    "$home/.profile" "$home/.bashrc" "$home/.bash_profile" "$home/.bash_login" \
    "$bin" "$bin/patroni" "$bin/patronictl" \
    "$pipx_home" "$venv" "$venv/pipx_metadata.json" "$pipx_home/logs"; do
    entry "$p"
done
# No temporary files of the install anywhere it writes.
for d in /etc/systemd/system "$home" "$conf"; do
    find "$d" -maxdepth 1 -name '*patroni-bake*' -printf 'leftover %p\n' 2>/dev/null || true
done
echo "venv packages: $("$venv/bin/python" -m pip freeze --all 2>/dev/null | sort | tr '\n' ' ')"
# A login shell (su -) and an interactive non-login bash, in a clean environment.
echo "login shell: $(su - "$user" -c 'command -v patroni; patroni --version' 2>&1 | tr '\n' ' ')"
echo "interactive bash: $(runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" TERM=dumb bash -i -c 'command -v patroni; patroni --version' 2>/dev/null | tr '\n' ' ')"
