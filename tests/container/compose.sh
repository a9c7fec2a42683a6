#!/usr/bin/env bash
# The Patroni part beside a fleet's own user data, through real cloud-init
# (NoCloud seed, all four stages): combined in either order, by cloud-init's
# own `devel make-mime` and by `render --with`, plain and gzip-compressed.
# Every key of the fleet's part (a user, packages, write_files, bootcmd,
# runcmd) must take effect, Patroni must reach install.sh's end state, and
# `cloud-init status` must be done without errors; a failing install must
# show as an error there, not as a silent done.

FLEET=$REPO/tests/data/user-data/fleet.yaml
FLEET_MERGE=$REPO/tests/data/user-data/fleet-merge.yaml

# The fleet's part took full effect in container C.
assert_fleet() { # CONTAINER LABEL
    local c=$1 what=$2
    expect_same "$what: the fleet's user ops exists, in group sudo" \
        "$(cexec "$c" sh -c 'id -nG ops | tr " " "\n" | grep -x sudo')" sudo
    expect_same "$what: the fleet's package jq is installed" \
        "$(cexec "$c" dpkg-query -W -f '${Status}' jq)" "install ok installed"
    expect_same "$what: the fleet's write_files wrote /etc/fleet/role" "$(cexec "$c" cat /etc/fleet/role)" pg-ha
    expect_same "$what: the fleet's bootcmd ran" "$(cexec "$c" cat /root/fleet-bootcmd)" fleet-bootcmd-ran
    expect_same "$what: the fleet's runcmd ran" "$(cexec "$c" cat /root/fleet-runcmd)" fleet-runcmd-ran
}

# One boot: the fleet's keys, Patroni's end state, a clean status.
compose_case() { # SUITE LABEL USER_DATA [MERGE_FLEET]
    local suite=$1 label=$2 user_data=$3 merge=${4:-}
    local c="$RUN_ID-$suite-compose-$label" what="$suite compose $label"
    boot_cloud_init "$c" "$(base_image "$suite" skel-cloud)" "$user_data"
    assert_done "$c" "$what"
    assert_fleet "$c" "$what"
    if [ -n "$merge" ]; then
        expect_same "$what: the merge_how part's package tree is installed" \
            "$(cexec "$c" dpkg-query -W -f '${Status}' tree)" "install ok installed"
        expect_same "$what: the merge_how part's write_files" "$(cexec "$c" cat /etc/fleet/merged)" merged
        expect_same "$what: the merge_how part's runcmd ran" "$(cexec "$c" cat /root/fleet-merge-runcmd)" fleet-merge-runcmd-ran
    fi
    expect_contains "$what: the install reported its changes" "$(cexec "$c" cat /var/log/cloud-init-output.log)" "changed="
    assert_install "$c" "$WORK/manifest-$c" "$what"
    expect_same "$what: the same end state as install.sh" \
        "$(cat "$WORK/manifest-$c")" "$(cat "$WORK/manifest-$suite-skel-shell")" "$label" "install.sh"
    docker rm -f "$c" >/dev/null
}

test_compose() { # SUITE
    local suite=$1 ud="$WORK/user-data-$1"
    mkdir -p "$ud"
    local -a with=("$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" -f cloud-init)
    # cloud-init's own tool, install.sh as a script part, in either order;
    # the second gzip-compressed as a whole (as a cloud that takes 16 KB needs).
    cloud-init devel make-mime -a "$FLEET:cloud-config" -a "$RENDER/install.sh:x-shellscript" >"$ud/mime-fleet-first"
    cloud-init devel make-mime -a "$RENDER/install.sh:x-shellscript" -a "$FLEET:cloud-config" | gzip -9n >"$ud/mime-patroni-first.gz"
    "${with[@]}" --with "$FLEET" >"$ud/with-fleet-first" 2>/dev/null || fail "render --with $FLEET"
    "${with[@]}" --with "$FLEET" --patroni-part first --set cloud_init_limit=65536 >"$ud/with-patroni-first" 2>/dev/null ||
        fail "render --with $FLEET --patroni-part first"
    "${with[@]}" --with "$FLEET" --with "$FLEET_MERGE" --patroni-part first >"$ud/with-merge-how" 2>/dev/null ||
        fail "render --with $FLEET --with $FLEET_MERGE"
    expect_same "$suite compose: render --with over the limit is gzip-compressed" \
        "$(head -c 2 "$ud/with-fleet-first" | od -An -tx1 | tr -d ' ')" 1f8b
    expect_contains "$suite compose: render --with within the limit is a plain multipart" \
        "$(head -n 1 "$ud/with-patroni-first")" "Content-Type: multipart/mixed"
    local cases="mime-fleet-first mime-patroni-first.gz with-fleet-first with-patroni-first with-merge-how"
    # On trixie (cloud-init 25.1) both orders once each, to keep CI within its hour.
    [ "$suite" = bookworm ] || cases="mime-fleet-first with-patroni-first"
    for label in $cases; do
        local merge=
        [ "$label" = with-merge-how ] && merge=1
        compose_case "$suite" "$label" "$ud/$label" $merge
    done
    test_compose_failure "$suite" "$ud"
}

# An install that fails (an unreachable index) is an error in cloud-init's
# status, and the fleet's part still takes effect.
test_compose_failure() { # SUITE DIR
    local suite=$1 ud=$2 c="$RUN_ID-$1-compose-failing" status
    local what="$suite compose failing install"
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set pip_index_url=http://127.0.0.1:9/simple \
        -f cloud-init --with "$FLEET" >"$ud/failing" 2>/dev/null || fail "render the failing install"
    boot_cloud_init "$c" "$(base_image "$suite" skel-cloud)" "$ud/failing" fails
    status=$(cexec "$c" cloud-init status --long || true)
    printf '%s\n' "$status" | sed 's/^/    /'
    expect_contains "$what: cloud-init status is error" "$status" "status: error"
    expect_contains "$what: the status names the script that failed" "$status" "patroni-bake-install.sh"
    expect_contains "$what: the log names the failed step" \
        "$(cexec "$c" cat /var/log/cloud-init-output.log)" 'step "install Patroni with pipx" failed'
    assert_fleet "$c" "$what"
    docker rm -f "$c" >/dev/null
}
