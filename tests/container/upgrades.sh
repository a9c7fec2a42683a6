#!/usr/bin/env bash
# Upgrades never leave a host without Patroni: an installed Patroni (an
# older release, unlocked) meets the rendering under test, whose install
# fails (an unreachable index, a tampered hash) or is killed. After a
# failure the previous install must be back exactly (its manifest, its
# version through the user's shells and through the unit's ExecStart);
# after a kill, the next run restores it first and completes the upgrade.

UPGRADE_FROM=4.1.4

test_upgrades() { # SUITE BASE REFERENCE_MANIFEST
    local suite=$1 base=$2 ref c="$RUN_ID-$1-upgrades"
    ref=$(cat "$3")
    local old="$WORK/render-$TARGET-upgrade-from" bad="$WORK/render-$TARGET-upgrade-unreachable"
    local tampered="$WORK/render-$TARGET-upgrade-tampered" previous="$PIPX_HOME_/patroni-bake-previous"
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set "patroni_version=$UPGRADE_FROM" \
        --set lock_dependencies=false --out "$old" 2>/dev/null
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set pip_index_url=http://127.0.0.1:9/simple \
        --out "$bad" 2>/dev/null
    tamper_hash "$tampered" "$suite upgrades"
    CONTEXT_REPRO="docker run --rm -it --network host -v $CA_BUNDLE:$CA_IN:ro -v $old:/old:ro -v $bad:/bad:ro $base sh -c 'sh /old/install.sh; sh /bad/install.sh'"
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$RENDER:/pbct/render:ro" -v "$old:/pbct/old:ro" \
        -v "$bad:/pbct/bad:ro" -v "$tampered:/pbct/tampered:ro" -v "$HERE:/pbct/tests:ro"
    step "$suite upgrades: install Patroni $UPGRADE_FROM (unlocked) with install.sh" cexec "$c" sh /pbct/old/install.sh
    local before out
    before=$(manifest_of "$c")
    expect_contains "$suite upgrades: Patroni $UPGRADE_FROM is installed" "$before" \
        "login shell: $BIN_DIR/patroni patroni $UPGRADE_FROM"

    local fault what
    for fault in bad tampered; do
        what="an unreachable index"
        [ "$fault" = tampered ] && what="a tampered hash"
        if out=$(cexec "$c" sh "/pbct/$fault/install.sh" 2>&1); then
            echo "$out" >&2
            fail "$suite upgrades: the upgrade to $VERSION with $what did not fail"
        fi
        expect_contains "$suite upgrades ($what): the failed step is named" "$out" \
            'step "install Patroni with pipx" failed'
        expect_contains "$suite upgrades ($what): the previous install is restored" "$out" \
            "restored the Patroni install that was there before"
        expect_same "$suite upgrades ($what): the install is exactly as it was (manifest)" \
            "$(manifest_of "$c")" "$before" "after the failed upgrade" "before it"
        expect_same "$suite upgrades ($what): the unit's ExecStart still runs Patroni $UPGRADE_FROM" \
            "$(cexec "$c" runuser -u "$USER_" -- "$BIN_DIR/patroni" --version)" "patroni $UPGRADE_FROM"
        expect_same "$suite upgrades ($what): nothing is left aside" \
            "$(cexec "$c" sh -c "test -e '$previous' && echo left || echo none")" none
    done

    # Killed outright (SIGKILL to its whole process group) once the new
    # venv is half made: nothing can restore then; the next run restores
    # the previous install before it looks, then upgrades.
    local t0
    t0=$(now)
    kill_in_new_venv "$c" /pbct/render/install.sh "$suite upgrades"
    say "  killed the upgrade after $(elapsed "$t0"), its new venv half made"
    expect_same "$suite upgrades (killed): the previous install is aside, not lost" \
        "$(cexec "$c" sh -c "test -d '$previous/patroni' && echo aside || echo missing")" aside
    local rerun="$suite upgrades (killed): install.sh again"
    step "$rerun" cexec "$c" sh /pbct/render/install.sh
    out=$(cat "$(step_log "$rerun")")
    expect_contains "$suite upgrades (killed): the re-run restores the previous install first" "$out" \
        "restored the Patroni install that was there before"
    expect_contains "$suite upgrades (killed): ... then upgrades" "$out" "changed: installed"
    expect_same "$suite upgrades (killed): the re-run reaches the reference end state of $VERSION" \
        "$(manifest_of "$c")" "$ref" "after the upgrade" reference
}
