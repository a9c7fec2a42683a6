#!/usr/bin/env bash
# debian-12 on arm64 (Graviton, Ampere), under qemu-user emulation: the
# shell and Dockerfile renderings install the lock's aarch64 files and
# reach the end state of x86_64 (the same manifest: versions, files, what
# the shells find), and a second run reports changed=0. Slow (minutes):
# its time is printed.

# Its base image is cached under a key of this file's content too.
ARM64_KEY=$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)

# aarch64 binaries run through binfmt_misc and qemu-user-static; set up
# here (as root), failing loudly where it cannot be.
ensure_arm64_emulation() {
    command -v update-binfmts >/dev/null || fail "update-binfmts is missing: apt-get install binfmt-support qemu-user-static"
    [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ -x /usr/bin/qemu-aarch64-static ] ||
        fail "qemu-aarch64-static is missing: apt-get install qemu-user-static"
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || fail "cannot mount binfmt_misc"
    fi
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
        fail "binfmt_misc has no enabled qemu-aarch64 entry (update-binfmts --enable qemu-aarch64)"
    # F (fix binary): the interpreter is opened at registration, so it works
    # inside containers, which do not have it.
    grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
        fail "qemu-aarch64 is registered without the F flag; containers cannot use it"
}

test_arm64() { # SUITE REFERENCE_MANIFEST
    local suite=$1 ref_file=$2 t0
    t0=$(now)
    say "=== $suite arm64 (debian-12 under emulation)"
    ensure_arm64_emulation
    ensure_rootfs "$suite" arm64
    local base="patroni-bake-test/base:$suite-arm64-nodot-$BASES_KEY-$ARM64_KEY" ctx="$WORK/base-ctx-$suite-arm64"
    if ! docker image inspect "$base" >/dev/null 2>&1; then
        mkdir -p "$ctx"
        cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $(rootfs_image "$suite" arm64)
RUN useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
      --shell /bin/bash --comment 'PostgreSQL administrator' postgres \
 && install -d -o postgres -g postgres -m 0755 /var/lib/postgresql
DOCKERFILE
        step "build base $suite-arm64-nodot" timeout 900 docker build --platform linux/arm64 --network host -q -t "$base" "$ctx"
    fi
    expect_same "$suite arm64: the base runs aarch64 binaries" \
        "$(docker run --rm --platform linux/arm64 "$base" uname -m)" aarch64
    PLATFORM=linux/arm64
    test_shell "$suite-arm64" nodot "$base"
    test_docker "$suite-arm64" nodot "$base"
    PLATFORM=
    local c="$RUN_ID-$suite-arm64-nodot-shell"
    assert_sbom_pip "$c" "$suite arm64 shell" "$RENDER/sbom.aarch64.cdx.json" aarch64
    expect_same "$suite arm64: psycopg2 (an aarch64 wheel of the lock) imports in the venv" \
        "$(cexec "$c" runuser -u "$USER_" -- "$PIPX_HOME_/venvs/patroni/bin/python" -c \
            'import platform, psycopg2; print(platform.machine(), psycopg2.__version__.split()[0])')" \
        "aarch64 $(lock_version psycopg2-binary)"
    local kind
    for kind in shell docker; do
        expect_same "$suite arm64 $kind: the end state of x86_64" \
            "$(cat "$WORK/manifest-$suite-arm64-nodot-$kind")" "$(cat "$ref_file")" "arm64 $kind" "x86_64 shell"
    done
    if stage uv; then
        test_arm64_uv "$suite" "$base"
    fi
    say "$suite arm64 stage: $(elapsed "$t0")"
}

# installer=uv on arm64: uv's aarch64 wheel, fetched and checked by the
# target's Python, and the lock's aarch64 files; install.sh (with a second
# run) and docker build reach the x86_64 uv end state.
test_arm64_uv() { # SUITE BASE
    local suite=$1 base=$2 dir="$WORK/render-$TARGET-uv" u="$RUN_ID-$suite-arm64-uv-shell" t0
    [ -d "$dir" ] || uv_render "$dir" || fail "rendering $TARGET with installer=uv"
    PLATFORM=linux/arm64
    start_container "$u" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$dir:/pbct/render:ro" -v "$HERE:/pbct/tests:ro"
    t0=$(now)
    step "$suite arm64 uv: sh install.sh" cexec "$u" sh /pbct/render/install.sh
    say "  arm64 uv install (emulated) took $(elapsed "$t0")"
    assert_uv_install "$u" "$suite arm64 uv shell" "$dir/patroni.service"
    expect_same "$suite arm64 uv: uv is the aarch64 binary" \
        "$(cexec "$u" sh -c "od -An -tx1 -j18 -N2 '$PIPX_HOME_/patroni-bake-uv/bin/uv' | tr -d ' '")" b700
    expect_same "$suite arm64 uv: a second run reports changed=0" \
        "$(cexec "$u" sh /pbct/render/install.sh | tail -n 1)" "changed=0"
    local ctx="$WORK/docker-$suite-arm64-uv" image="patroni-bake-test/run-$RUN_ID-$suite-arm64-uv"
    mkdir -p "$ctx"
    cp "$CA_BUNDLE" "$ctx/ca.pem"
    { printf 'FROM %s\nCOPY ca.pem %s\n' "$base" "$CA_IN"; cat "$dir/Dockerfile"; } >"$ctx/Dockerfile"
    CONTEXT_REPRO="docker build --platform linux/arm64 --network host $ctx"
    step "$suite arm64 uv docker: docker build" timeout 1800 docker build --platform linux/arm64 --network host \
        --label "$LABEL" -t "$image" "$ctx"
    start_container "$RUN_ID-$suite-arm64-uv-docker" "$image" -v "$HERE:/pbct/tests:ro"
    PLATFORM=
    assert_uv_install "$RUN_ID-$suite-arm64-uv-docker" "$suite arm64 uv docker" "$dir/patroni.service"
    if [ -f "$WORK/manifest-$suite-uv-shell" ]; then
        expect_same "$suite arm64 uv: the end state of x86_64 with uv" \
            "$(manifest_of "$u")" "$(cat "$WORK/manifest-$suite-uv-shell")" "arm64 uv" "x86_64 uv"
    fi
}
