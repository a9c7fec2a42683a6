#!/usr/bin/env bash
# install.sh --check and --diff, one install at a time, and the takeover of a
# host the role installed. --check on a fresh base names every step and
# changes nothing (manifest with mtimes, dpkg -l, no file anywhere newer
# than the run); converged, it answers 0; after drift it names each drift
# and changes nothing; --diff shows the unit's and the PATH block's diffs.
# Two installs started together both converge; a run killed while it holds
# the lock does not stop the next. The stage reuses the suite's installed
# skel container for the drift; the takeover runs on bookworm only (on
# trixie pipx's default home is the install's own).

# What --check must leave as it found: the manifest with mtimes, the
# packages, and any file of the root filesystem changed after MARKER.
check_state() { # CONTAINER MARKER
    manifest_of "$1" --mtimes
    cexec "$1" dpkg -l | sha256sum
    cexec "$1" find / -xdev \( -newer "$2" -o -cnewer "$2" \) ! -path "$2" ! -path '/proc/*' -printf 'touched %p\n'
}

# Run install.sh with ARGS in C; sets CHECK_OUT and CHECK_RC.
run_check() { # CONTAINER ARGS...
    local c=$1
    shift
    CHECK_RC=0
    CHECK_OUT=$(cexec "$c" sh /pbct/render/install.sh "$@" 2>&1) || CHECK_RC=$?
}

expect_rc() { # WHAT WANT
    if [ "$CHECK_RC" != "$2" ]; then
        printf '%s\n' "$CHECK_OUT" >&2
        fail "$1: exit $CHECK_RC, not $2"
    fi
    pass "$1 (exit $2)"
}

test_check_fresh() { # SUITE BASE REFERENCE_MANIFEST
    local suite=$1 base=$2 ref c="$RUN_ID-$1-check-fresh"
    ref=$(cat "$3")
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$RENDER:/pbct/render:ro" -v "$HERE:/pbct/tests:ro"
    cexec "$c" sh -c 'touch /tmp/check-marker && sleep 1.1'
    local before after
    before=$(check_state "$c" /tmp/check-marker)
    run_check "$c" --check --diff
    expect_rc "$suite check: a fresh base would change" 3
    printf '%s\n' "$CHECK_OUT" | grep -E '^(ok|would change)' | sed 's/^/    /'
    for line in "would change: install OS packages: pipx (not installed)" \
        "would change: install patroni[etcd,psycopg2-binary]==$VERSION in $PIPX_HOME_/venvs/patroni: there is no venv" \
        "would change: PATH block in $HOME_/.profile" "would change: /etc/systemd/system/patroni.service (not enabled): it is missing" \
        "would change: $CONF (0700 postgres:postgres): it is missing" "+++ /etc/systemd/system/patroni.service (install.sh)" \
        "+ExecStart=$BIN_DIR/patroni $CONF/patroni.yaml" "would_change=6"; do
        expect_contains "$suite check: a fresh base reports '$line'" "$CHECK_OUT" "$line"
    done
    after=$(check_state "$c" /tmp/check-marker)
    expect_same "$suite check: --check --diff changed nothing (manifest with mtimes, dpkg -l, no file touched)" \
        "$after" "$before" "after --check" "before"

    # Two installs at once: one waits for the other, both converge.
    # shellcheck disable=SC2016 # expanded by the container's shell
    step "$suite check: two installs started together" cexec "$c" sh -c '
        sh /pbct/render/install.sh >/tmp/a.log 2>&1 & a=$!
        sh /pbct/render/install.sh >/tmp/b.log 2>&1 & b=$!
        ra=0; wait "$a" || ra=$?; rb=0; wait "$b" || rb=$?
        cat /tmp/a.log /tmp/b.log
        echo "exits: $ra $rb"; [ "$ra" = 0 ] && [ "$rb" = 0 ]'
    local logs
    logs=$(cexec "$c" cat /tmp/a.log /tmp/b.log)
    expect_contains "$suite check: the second install waited, naming the lock" "$logs" \
        "patroni-bake: waiting (at most 600 s) for install.sh, pid"
    expect_contains "$suite check: ... and then found the host converged" "$logs" "changed=0"
    expect_same "$suite check: two installs at once reach the reference end state" \
        "$(manifest_of "$c")" "$ref" "two at once" reference
    expect_same "$suite check: the lock file is gone after them" \
        "$(cexec "$c" sh -c 'ls /run/patroni-bake.lock 2>&1 || true')" \
        "ls: cannot access '/run/patroni-bake.lock': No such file or directory"
}

test_check_drift() { # SUITE CONTAINER REFERENCE_MANIFEST
    local suite=$1 c=$2 ref t0 before after
    ref=$(cat "$3")
    CONTEXT_CONTAINER=$c
    t0=$(now)
    run_check "$c" --check
    say "  --check on a converged host took $(elapsed "$t0") (docker exec included)"
    expect_rc "$suite check: a converged host" 0
    expect_same "$suite check: ... reports would_change=0" "$(printf '%s\n' "$CHECK_OUT" | tail -n 1)" would_change=0

    # The venv's last distribution (of the lock's, sorted): its dist-info goes.
    local gone
    gone=$(cexec "$c" sh -c "ls -d $PIPX_HOME_/venvs/patroni/lib/python3*/site-packages/*.dist-info | tail -n 1")
    step "$suite check: drift (config dir 0755, an edited unit, a deleted PATH block, ${gone##*/} removed)" \
        cexec "$c" sh -c "set -e
        chmod 0755 $CONF
        echo '# drift' >> /etc/systemd/system/patroni.service
        sed -i '/ # patroni-bake\$/d' $HOME_/.profile
        rm -rf '$gone'
        touch /tmp/check-marker && sleep 1.1"
    before=$(check_state "$c" /tmp/check-marker)
    run_check "$c" --check --diff
    expect_rc "$suite check: a drifted host would change" 3
    printf '%s\n' "$CHECK_OUT" | grep -E '^(ok|would change)' | sed 's/^/    /'
    local name=${gone##*/}
    name=${name%.dist-info}
    for line in "would change: $CONF (0700 postgres:postgres): it is postgres:postgres 755" \
        "would change: /etc/systemd/system/patroni.service (not enabled): its text differs" \
        "-# drift" "would change: PATH block in $HOME_/.profile: the block is missing" \
        "+PIPX_HOME=$PIPX_HOME_; export PIPX_HOME # patroni-bake" \
        "differs from the lock (-locked +installed): -$(printf '%s' "${name%%-*}" | tr 'A-Z_' 'a-z-')==${name#*-}" \
        "would_change=4"; do
        expect_contains "$suite check: drift reported: '$line'" "$CHECK_OUT" "$line"
    done
    after=$(check_state "$c" /tmp/check-marker)
    expect_same "$suite check: --check --diff on a drifted host changed nothing" "$after" "$before" "after --check" before

    # An install killed outright in the venv leaves its lock file: the next
    # run takes the lock at once, restores, repairs every drift.
    kill_in_new_venv "$c" /pbct/render/install.sh "$suite check"
    expect_contains "$suite check: the killed run left its lock file" \
        "$(cexec "$c" ls /run)" patroni-bake.lock
    local out
    out=$(timeout 300 docker exec "$c" sh /pbct/render/install.sh 2>&1) ||
        { echo "$out" >&2; fail "$suite check: the run after the killed one failed"; }
    case "$out" in
        *"waiting"*) echo "$out" >&2; fail "$suite check: the run after the killed one waited for a dead lock" ;;
    esac
    pass "$suite check: a lock left by a killed run did not block the next"
    expect_contains "$suite check: ... which repaired the drift" "$out" "changed=4"
    expect_same "$suite check: ... back to the reference end state" "$(manifest_of "$c")" "$ref" repaired reference
}

# A host the role installed: pipx from apt, pipx install as postgres with
# pipx's default home (~/.local/pipx on bookworm's pipx 1.1).
test_check_takeover() { # SUITE BASE
    local suite=$1 base=$2 c="$RUN_ID-$1-check-role" old="$HOME_/.local/pipx"
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$RENDER:/pbct/render:ro" -v "$HERE:/pbct/tests:ro"
    local role="cd / && runuser -u $USER_ -- env -i HOME=$HOME_ PATH=/usr/bin:/bin PIP_CERT=$CA_IN PIP_NO_CACHE_DIR=1"
    step "$suite takeover: the role's install (apt pipx; pipx install as postgres)" cexec "$c" sh -c "set -e
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pipx >/dev/null
        $role pipx install 'patroni[psycopg2-binary,etcd]'
        test -d $old/venvs/patroni"
    run_check "$c" --check
    expect_rc "$suite takeover: --check" 3
    expect_contains "$suite takeover: --check names the role's venv" "$CHECK_OUT" \
        "would change: remove the role's venv $old/venvs/patroni"
    step "$suite takeover: install.sh" cexec "$c" sh /pbct/render/install.sh
    expect_contains "$suite takeover: install.sh removed it" "$(cat "$WORK/$(printf '%s' "$suite takeover: install.sh" | tr -c 'A-Za-z0-9._-' '_').log")" \
        "changed: removed the role's venv $old/venvs/patroni"
    expect_same "$suite takeover: pipx's old home is gone (no other app was in it)" \
        "$(cexec "$c" sh -c "ls -d $old 2>/dev/null || echo gone")" gone
    expect_same "$suite takeover: pipx list as postgres shows the one Patroni" \
        "$(cexec "$c" su - "$USER_" -c 'pipx list --short')" "patroni $VERSION"
    expect_same "$suite takeover: a second run is changed=0" "$(cexec "$c" sh /pbct/render/install.sh | tail -n 1)" changed=0

    # Another pipx app in the old home keeps that home, its shared
    # libraries and its link. (The role skips its install where patroni is
    # in the bin dir, so this plants its venv with the links elsewhere.)
    step "$suite takeover: the role's venv again, beside another pipx app (ydiff)" cexec "$c" sh -c "set -e
        $role PIPX_BIN_DIR=$HOME_/.local/role-bin pipx install 'patroni[psycopg2-binary,etcd]'
        $role PIPX_BIN_DIR=$HOME_/.local/role-bin pipx install ydiff"
    local out
    out=$(cexec "$c" sh /pbct/render/install.sh)
    expect_contains "$suite takeover: the role's venv is removed again" "$out" "changed: removed the role's venv"
    expect_contains "$suite takeover: ... and nothing else changed" "$out" "changed=1"
    expect_same "$suite takeover: the other app's venv, shared libraries and link stay" \
        "$(cexec "$c" sh -c "ls $old/venvs; ls -d $old/shared; runuser -u $USER_ -- $HOME_/.local/role-bin/ydiff --version >/dev/null && echo runs")" \
        "$(printf 'ydiff\n%s\nruns' "$old/shared")"
}

test_check() { # SUITE
    local suite=$1 t0
    t0=$(now)
    test_check_fresh "$suite" "$(base_image "$suite" nodot)" "$WORK/manifest-$suite-nodot-shell"
    test_check_drift "$suite" "$RUN_ID-$suite-skel-shell" "$WORK/manifest-$suite-skel-shell"
    if [ "$suite" = bookworm ]; then
        test_check_takeover "$suite" "$(base_image "$suite" skel)"
    fi
    say "check stage ($suite): $(elapsed "$t0")"
}
