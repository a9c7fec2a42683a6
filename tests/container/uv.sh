#!/usr/bin/env bash
# installer=uv: install.sh, the Dockerfile and cloud-init reach one end state
# (the venv holds exactly the lock, pipx's uv backend is recorded, pipx is on
# the user's PATH); a base that has the Python runs no package manager; a
# second run is clean; a tampered hash of uv's own wheel, an unreachable
# index and a SIGKILL leave the previous install working; pip -> uv -> pip
# keeps working; a wheelhouse installs with --network none.

uv_render() { # DIR [RENDER ARGS...]
    local dir=$1
    shift
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set installer=uv "$@" --out "$dir" 2>/dev/null
}

# The distributions of a site-packages directory in container C, as
# plan_pins prints pins (read from dist-info names: the venv has no pip).
dist_pins() { # C DIR
    cexec "$1" ls "$2" | sed -n 's/[.]dist-info$//p' |
        awk -F- '{ n = tolower($1); gsub(/[._]+/, "-", n); print n "==" $2 }' | LC_ALL=C sort
}

# uv's and pipx's lock, as the plan says it.
uv_pins() {
    "$BIN" plan --json --target "$TARGET" --set installer=uv 2>/dev/null | python3 -c '
import json, sys
print("\n".join(sorted(r["name"] + "==" + r["version"] for r in json.load(sys.stdin)["install"]["uv"]["reqs"])))'
}

assert_uv_install() { # CONTAINER LABEL UNIT_FILE
    local c=$1 what=$2 py
    py=$(target_python)
    expect_same "$what: patroni --version (login shell)" \
        "$(cexec "$c" su - "$USER_" -c 'patroni --version')" "patroni $VERSION"
    expect_same "$what: patronictl version (login shell)" \
        "$(cexec "$c" su - "$USER_" -c 'patronictl version')" "patronictl version $VERSION"
    expect_contains "$what: pipx list (login shell) shows Patroni" \
        "$(cexec "$c" su - "$USER_" -c 'pipx list --short')" "patroni $VERSION"
    expect_contains "$what: pipx recorded its uv backend" \
        "$(cexec "$c" cat "$PIPX_HOME_/venvs/patroni/pipx_metadata.json")" '"backend": "uv"'
    expect_same "$what: Patroni's venv holds exactly the lock's closure" \
        "$(dist_pins "$c" "$PIPX_HOME_/venvs/patroni/lib/python$py/site-packages")" \
        "$(plan_pins patroni --set installer=uv)" installed "the lock's closure"
    expect_same "$what: uv and pipx's venv holds exactly their lock" \
        "$(dist_pins "$c" "$PIPX_HOME_/patroni-bake-uv/lib/python$py/site-packages")" "$(uv_pins)" installed lock
    expect_same "$what: the unit is byte-identical to the rendering's" \
        "$(cexec "$c" cat /etc/systemd/system/patroni.service)" "$(cat "$3")"
    expect_same "$what: config dir is 0700 postgres:postgres" \
        "$(cexec "$c" stat -c '%a %U:%G' "$CONF")" "700 postgres:postgres"
}

test_uv() { # SUITE
    local suite=$1 dir="$WORK/render-$TARGET-uv" out t0
    uv_render "$dir" || fail "rendering $TARGET with installer=uv"
    local mounts=(-v "$CA_BUNDLE:$CA_IN:ro" -v "$dir:/pbct/render:ro" -v "$HERE:/pbct/tests:ro")

    # install.sh on a base without Python: the packages step installs only Python.
    local c="$RUN_ID-$suite-uv-shell"
    CONTEXT_REPRO="docker run --rm -it --network host -v $CA_BUNDLE:$CA_IN:ro -v $dir:/r:ro $(base_image "$suite" nodot) sh /r/install.sh"
    start_container "$c" "$(base_image "$suite" nodot)" "${mounts[@]}"
    t0=$(now)
    out=$(cexec "$c" sh /pbct/render/install.sh 2>&1) || { echo "$out" >&2; fail "$suite uv: install.sh"; }
    say "  first install (no Python on the base) took $(elapsed "$t0")"
    expect_contains "$suite uv shell: only Python comes from apt" "$out" "changed: installed OS packages: $(plan_field python)"
    assert_uv_install "$c" "$suite uv shell" "$dir/patroni.service"
    manifest_of "$c" >"$WORK/manifest-$suite-uv-shell"
    manifest_of "$c" --mtimes >"$WORK/m1-uv"
    out=$(cexec "$c" sh /pbct/render/install.sh) || { echo "$out" >&2; fail "$suite uv: second run"; }
    expect_same "$suite uv shell: second run reports changed=0" "$(printf '%s\n' "$out" | tail -n 1)" "changed=0"
    expect_same "$suite uv shell: second run leaves the manifest (mtimes included)" \
        "$(manifest_of "$c" --mtimes)" "$(cat "$WORK/m1-uv")" "after second run" "after first run"

    # The Dockerfile fragment.
    local image="patroni-bake-test/run-$RUN_ID-$suite-uv" ctx="$WORK/docker-$suite-uv"
    mkdir -p "$ctx"
    cp "$CA_BUNDLE" "$ctx/ca.pem"
    { printf 'FROM %s\nCOPY ca.pem %s\n' "$(base_image "$suite" nodot)" "$CA_IN"; cat "$dir/Dockerfile"; } >"$ctx/Dockerfile"
    CONTEXT_REPRO="docker build --network host $ctx"
    step "$suite uv docker: docker build" timeout 1800 docker build --network host --label "$LABEL" -t "$image" "$ctx"
    start_container "$RUN_ID-$suite-uv-docker" "$image" -v "$HERE:/pbct/tests:ro"
    assert_uv_install "$RUN_ID-$suite-uv-docker" "$suite uv docker" "$dir/patroni.service"
    manifest_of "$RUN_ID-$suite-uv-docker" >"$WORK/manifest-$suite-uv-docker"

    # cloud-init on a cloud image: its Python is there, so no package manager runs.
    local cc="$RUN_ID-$suite-uv-cloud"
    boot_cloud_init "$cc" "$(base_image "$suite" nodot-cloud)" "$dir/cloud-init.yaml"
    assert_done "$cc" "$suite uv cloud-init"
    out=$(cexec "$cc" cat /var/log/cloud-init-output.log)
    expect_contains "$suite uv cloud-init: the Python is there, no package manager runs" "$out" "ok: Python $(target_python) is there; no OS package is needed"
    assert_uv_install "$cc" "$suite uv cloud-init" "$dir/patroni.service"
    manifest_of "$cc" >"$WORK/manifest-$suite-uv-cloud"
    compare_manifests "$suite" uv shell docker cloud

    if [ "$suite" = bookworm ]; then
        test_uv_faults "$suite" "$dir"
        test_uv_wheelhouse "$suite"
    fi
}

# On the pip install of the renderings stage: faults of the uv rendering
# leave it working; then pip -> uv, a killed switch back, and uv -> pip.
test_uv_faults() { # SUITE UV_RENDER
    local suite=$1 dir=$2 ref out
    local c="$RUN_ID-$suite-nodot-shell" tampered="$WORK/render-$TARGET-uv-tampered" bad="$WORK/render-$TARGET-uv-unreachable"
    ref=$(manifest_of "$c")
    mkdir -p "$tampered"
    python3 - "$dir/install.sh" >"$tampered/install.sh" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"x86_64\) wheel=\S+ url=\S+ sha256=([0-9a-f])", text)
i = m.start(1)
sys.stdout.write(text[:i] + ("1" if text[i] == "0" else "0") + text[i + 1:])
EOF
    uv_render "$bad" --set pip_index_url=http://127.0.0.1:9/simple
    docker cp "$tampered/install.sh" "$c:/tmp/tampered.sh"
    docker cp "$bad/install.sh" "$c:/tmp/unreachable.sh"
    docker cp "$dir/install.sh" "$c:/tmp/uv.sh"
    CONTEXT_CONTAINER=$c
    if out=$(cexec "$c" sh /tmp/tampered.sh 2>&1); then echo "$out" >&2; fail "$suite uv faults: a tampered hash of uv's wheel did not fail"; fi
    expect_contains "$suite uv faults: a tampered hash of uv's wheel is named" "$out" "its sha256 is"
    expect_contains "$suite uv faults: ... in its step" "$out" 'step "install uv and pipx for the user" failed'
    expect_same "$suite uv faults: ... and the pip install is as it was" "$(manifest_of "$c")" "$ref" after reference
    if out=$(cexec "$c" sh /tmp/unreachable.sh 2>&1); then echo "$out" >&2; fail "$suite uv faults: an unreachable index did not fail"; fi
    expect_contains "$suite uv faults: an unreachable index is named" "$out" "cannot fetch http://127.0.0.1:9/simple/uv/"
    expect_same "$suite uv faults: ... and the pip install is as it was" "$(manifest_of "$c")" "$ref" after reference

    # pip -> uv.
    step "$suite uv: switch the pip install to uv" cexec "$c" sh /tmp/uv.sh
    assert_uv_install "$c" "$suite uv (switched from pip)" "$dir/patroni.service"

    # uv -> pip killed in its new venv: the next uv run restores the uv install.
    kill_in_new_venv "$c" /pbct/render/install.sh "$suite uv: the switch back to pip"
    out=$(cexec "$c" sh /tmp/uv.sh 2>&1) || { echo "$out" >&2; fail "$suite uv: the run after the kill"; }
    expect_contains "$suite uv (killed switch to pip): the next run restores the uv install" "$out" "restored the Patroni install that was there before"
    # The switch had unlinked uv's pipx before pip ran: linked again, no more.
    expect_contains "$suite uv (killed switch to pip): ... links uv's pipx again" "$out" "changed: linked $BIN_DIR/pipx"
    expect_same "$suite uv (killed switch to pip): ... and changes nothing else" "$(printf '%s\n' "$out" | tail -n 1)" "changed=1"
    assert_uv_install "$c" "$suite uv (restored after a kill)" "$dir/patroni.service"

    # uv -> pip: the pip rendering's end state again.
    step "$suite uv: switch back to pip" cexec "$c" sh /pbct/render/install.sh
    expect_same "$suite uv: back on pip, the pip end state" "$(manifest_of "$c")" "$ref" "back on pip" reference
    expect_same "$suite uv: ... with uv's pipx unlinked and its venv removed" \
        "$(cexec "$c" sh -c "ls -d '$BIN_DIR/pipx' '$PIPX_HOME_/patroni-bake-uv' 2>/dev/null | wc -l")" 0
}

# A wheelhouse with uv's and pipx's wheels: install.sh and docker build
# with --network none, on a base that has Python (as cloud images do).
test_uv_wheelhouse() { # SUITE
    local suite=$1 wh="$WORK/wheelhouse-$TARGET-uv" dir="$WORK/render-$TARGET-uv-wheelhouse" base
    base=$(base_image "$suite" nodot-cloud)
    step "$suite uv wheelhouse: patroni-bake wheelhouse --set installer=uv" \
        "$BIN" wheelhouse --target "$TARGET" --set installer=uv --out "$wh"
    uv_render "$dir" --set wheelhouse=/wheelhouse
    local c="$RUN_ID-$suite-uv-wheelhouse"
    CONTEXT_REPRO="docker run --rm -it --network none -v $wh:/wheelhouse:ro -v $dir:/r:ro $base sh /r/install.sh"
    docker run -d --name "$c" --label "$LABEL" --network none -v "$wh:/wheelhouse:ro" -v "$dir:/pbct/render:ro" \
        -v "$HERE:/pbct/tests:ro" "$base" sleep 3600 >/dev/null
    CONTEXT_CONTAINER=$c
    step "$suite uv wheelhouse: install.sh with --network none" cexec "$c" sh /pbct/render/install.sh
    assert_uv_install "$c" "$suite uv wheelhouse" "$dir/patroni.service"
    expect_same "$suite uv wheelhouse: a second run offline is clean" \
        "$(cexec "$c" sh /pbct/render/install.sh | tail -n 1)" "changed=0"
    local image="patroni-bake-test/run-$RUN_ID-$suite-uv-wheelhouse"
    wheelhouse_build "$suite uv wheelhouse" "$image" "$base" "$dir" "$wh"
    start_container "$RUN_ID-$suite-uv-wheelhouse-docker" "$image" -v "$HERE:/pbct/tests:ro"
    assert_uv_install "$RUN_ID-$suite-uv-wheelhouse-docker" "$suite uv wheelhouse docker" "$dir/patroni.service"
}
