#!/usr/bin/env bash
# The generated script under faults: truncated downloads, a planted symlink,
# an unreachable index, and odd umasks. Each ends in the reference end state.

test_faults() { # SUITE BASE REFERENCE_MANIFEST
    local suite=$1 base=$2 ref
    ref=$(cat "$3")
    local bad="$WORK/render-$TARGET-unreachable-index"
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set pip_index_url=http://127.0.0.1:9/simple --out "$bad" 2>/dev/null
    local mounts=(-v "$CA_BUNDLE:$CA_IN:ro" -v "$RENDER:/pbct/render:ro" -v "$bad:/pbct/bad:ro" -v "$HERE:/pbct/tests:ro")
    local manifest=(sh /pbct/tests/manifest.sh "$USER_" "$HOME_" "$BIN_DIR" "$CONF" "$PIPX_HOME_")

    # Every line-boundary prefix of install.sh runs nothing.
    local a="$RUN_ID-$suite-faults-truncated"
    CONTEXT_REPRO="docker run --rm -it $base sh -c 'head -n 40 /r/install.sh | sh'  # with -v $RENDER:/r:ro"
    start_container "$a" "$base" "${mounts[@]}"
    local before after
    # What a run would change first: apt's lists, the home, the unit, pipx.
    local probe='ls -A /var/lib/apt/lists "$HOME" /etc/systemd 2>&1 | tr "\n" " "; dpkg-query -W -f="\${Status}" pipx 2>&1; echo; "$@"'
    before=$(cexec "$a" env HOME="$HOME_" sh -c "$probe" sh "${manifest[@]}")
    local n
    n=$(wc -l <"$RENDER/install.sh")
    cexec "$a" sh -c 'n=$1; i=1; while [ "$i" -lt "$n" ]; do head -n "$i" /pbct/render/install.sh > /tmp/prefix.sh; sh /tmp/prefix.sh >/dev/null 2>&1 || true; i=$((i + 1)); done; rm -f /tmp/prefix.sh' sh "$n"
    after=$(cexec "$a" env HOME="$HOME_" sh -c "$probe" sh "${manifest[@]}")
    expect_same "$suite faults: none of the $((n - 1)) truncated prefixes of install.sh changed anything" "$after" "$before"

    # umask 000 gives the reference modes.
    step "$suite faults: install.sh under umask 000" cexec "$a" sh -c 'umask 000; sh /pbct/render/install.sh'
    expect_same "$suite faults: umask 000 reaches the reference end state" "$(manifest_of "$a")" "$ref" "umask 000" reference

    # An unreachable index fails the install step, by name.
    local b="$RUN_ID-$suite-faults-planted"
    start_container "$b" "$base" "${mounts[@]}"
    local passwd out
    if out=$(cexec "$b" sh /pbct/bad/install.sh 2>&1); then
        echo "$out" >&2
        fail "$suite faults: an unreachable index did not fail the install"
    fi
    expect_contains "$suite faults: an unreachable index fails the named step" "$out" 'step "install Patroni with pipx" failed'

    # A planted ~/.bashrc symlink to /etc/passwd is not followed.
    cexec "$b" ln -s /etc/passwd "$HOME_/.bashrc"
    passwd=$(cexec "$b" sha256sum /etc/passwd)
    if out=$(cexec "$b" sh /pbct/render/install.sh 2>&1); then
        echo "$out" >&2
        fail "$suite faults: install.sh went on through a planted .bashrc symlink"
    fi
    expect_contains "$suite faults: a planted .bashrc symlink is refused by name" "$out" "$HOME_/.bashrc is a symbolic link"
    expect_same "$suite faults: /etc/passwd is untouched" "$(cexec "$b" sha256sum /etc/passwd)" "$passwd"
    cexec "$b" rm "$HOME_/.bashrc"

    # With the faults removed, the install completes.
    step "$suite faults: the fixed rendering completes under umask 077" cexec "$b" sh -c 'umask 077; sh /pbct/render/install.sh'
    expect_same "$suite faults: umask 077 after failed runs reaches the reference end state" \
        "$(manifest_of "$b")" "$ref" "umask 077" reference
}
