#!/usr/bin/env bash
# Non-default extras, locked out of the box: the DCS and driver a user
# chooses render from the built-in lock, and all three renderings install
# them (pip freeze equals the lock's closure for that choice, the extras'
# modules import) to one end state; psycopg2 is an sdist, built with the
# packages the rendering installs for it. The etcd3 set, on the skel flavour, is
# the one the systemd stage then runs as a leader against Debian's etcd.

EXTRAS_SETS="etcd3,psycopg3 zookeeper,raft,psycopg2"

# The label of a suite and extras set, usable in container names.
extras_label() { # SUITE EXTRAS
    printf '%s-%s' "$1" "$(printf '%s' "$2" | tr ',' '_')"
}

test_extras() { # SUITE EXTRAS FLAVOUR
    local suite=$1 extras=$2 flavour=$3 label saved=$RENDER modules
    label=$(extras_label "$suite" "$extras")
    RENDER_SET=(--set "patroni_extras=$extras")
    RENDER="$WORK/render-$TARGET-$label"
    render "$TARGET" "$RENDER" || fail "rendering $TARGET with patroni_extras=$extras"
    test_shell "$label" "$flavour" "$(base_image "$suite" "$flavour")"
    test_docker "$label" "$flavour" "$(base_image "$suite" "$flavour")"
    test_cloud_init "$label" "$flavour" "$(base_image "$suite" "$flavour-cloud")"
    compare_manifests "$label" "$flavour" shell docker cloud
    modules=$("$BIN" plan --json --target "$TARGET" "${RENDER_SET[@]}" 2>/dev/null |
        python3 -c 'import json, sys; print(", ".join(json.load(sys.stdin)["install"]["smoke_modules"]))')
    [ -n "$modules" ] || fail "$label: the plan names no module to import for $extras"
    expect_same "$label: the modules of $extras ($modules) import in the venv" \
        "$(cexec "$RUN_ID-$label-$flavour-shell" runuser -u "$USER_" -- "$PIPX_HOME_/venvs/patroni/bin/python" -c "import $modules; print('ok')")" ok
    RENDER=$saved
    RENDER_SET=()
}
