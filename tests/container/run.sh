#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The container suite: each rendering installs a working Patroni in real
# Debian 12 and 13 containers, idempotently, to one end state.
#
#   tests/container/run.sh                         # Debian 12 and 13 (debootstrap bases)
#   tests/container/run.sh --image rockylinux:9 --target rhel-9
#
# It fails, never skips, where Docker, debootstrap or systemd-nspawn is missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=bases.sh
. "$HERE/bases.sh"
# shellcheck source=systemd.sh
. "$HERE/systemd.sh"
# shellcheck source=faults.sh
. "$HERE/faults.sh"
# shellcheck source=locks.sh
. "$HERE/locks.sh"
# shellcheck source=package.sh
. "$HERE/package.sh"
# shellcheck source=upgrades.sh
. "$HERE/upgrades.sh"
# shellcheck source=extras.sh
. "$HERE/extras.sh"
# shellcheck source=arm64.sh
. "$HERE/arm64.sh"
# shellcheck source=rhel_steps.sh
. "$HERE/rhel_steps.sh"
# shellcheck source=compose.sh
. "$HERE/compose.sh"
# shellcheck source=uv.sh
. "$HERE/uv.sh"
# shellcheck source=cluster.sh
. "$HERE/cluster.sh"
# shellcheck source=cluster_checks.sh
. "$HERE/cluster_checks.sh"
# shellcheck source=sbom.sh
. "$HERE/sbom.sh"
# shellcheck source=check.sh
. "$HERE/check.sh"
trap cleanup EXIT

BIN=$REPO/target/release/patroni-bake
# The CA bundle that pip needs behind this machine's TLS-intercepting proxy;
# the renderings get it through their ca_bundle parameter.
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
CA_IN=/etc/patroni-bake-test/ca.pem
SUITES="bookworm trixie"
# Stages to run (all by default); the skel shell install always runs.
STAGES=${STAGES:-renderings compose uv extras drift check faults upgrades locks package systemd cluster arm64 rhel-steps}
stage() { case " $STAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
IMAGE=
TARGET=
while [ $# -gt 0 ]; do
    case $1 in
        --image) IMAGE=$2; shift 2 ;;
        --target) TARGET=$2; shift 2 ;;
        --suites) SUITES=$2; shift 2 ;;
        *) echo "usage: $0 [--suites 'bookworm trixie'] [--image IMAGE --target TARGET]" >&2; exit 2 ;;
    esac
done
[ -x "$BIN" ] || fail "$BIN is missing: run make build"
[ -f "$CA_BUNDLE" ] || fail "CA bundle $CA_BUNDLE is missing (set CA_BUNDLE)"
for tool in docker timeout nsenter systemd-nspawn ip; do
    command -v "$tool" >/dev/null || fail "$tool is missing (the container suite never skips)"
done

# Paths of the default parameters, for the manifest.
USER_=postgres
# install_method of the renderings under test.
METHOD=pipx
CONF=/etc/patroni

# The state manifest of a container (manifest.sh), for this suite's paths.
manifest_of() { # CONTAINER [--mtimes]
    local c=$1
    shift
    cexec "$c" sh /pbct/tests/manifest.sh "$USER_" "$HOME_" "$BIN_DIR" "$CONF" "$PIPX_HOME_" "$@"
}

# Parameters of the renderings under test besides the CA bundle (the
# extras stage sets patroni_extras).
RENDER_SET=()

render() { # TARGET DIR
    "$BIN" render --target "$1" --set "ca_bundle=$CA_IN" "${RENDER_SET[@]}" --out "$2" 2>/dev/null
}

# The user's home, pipx's bin dir and home, and the pinned version, from
# TARGET's plan (a pipx install), on one line.
plan_places() { # TARGET
    local plan
    plan=$("$BIN" plan --json --target "$1" --set "ca_bundle=$CA_IN" "${RENDER_SET[@]}" 2>/dev/null) || return 1
    python3 -c 'import json, sys
p = json.load(sys.stdin)
i = p["install"]
print(p["paths"]["home"], i["paths"]["bin_dir"], i["paths"]["pipx_home"], i["version"])' <<<"$plan"
}

# The suite's state for TARGET (the target every stage then tests): the
# rendering under test, its golden files, and plan_places.
use_target() { # TARGET
    TARGET=$1
    RENDER="$WORK/render-$TARGET"
    render "$TARGET" "$RENDER" || fail "rendering $TARGET"
    GOLDEN="$REPO/golden/$TARGET"
    local places
    places=$(plan_places "$TARGET") || fail "the plan of $TARGET"
    read -r HOME_ BIN_DIR PIPX_HOME_ VERSION <<<"$places"
}

# Checks shared by every rendering; prints the manifest into $2.
assert_install() { # CONTAINER MANIFEST_FILE LABEL
    local c=$1 out=$2 what=$3
    expect_same "$what: patroni --version (login shell)" \
        "$(cexec "$c" su - "$USER_" -c 'patroni --version')" "patroni $VERSION"
    expect_same "$what: patronictl version (login shell)" \
        "$(cexec "$c" su - "$USER_" -c 'patronictl version')" "patronictl version $VERSION"
    expect_same "$what: patroni --version (interactive non-login bash)" \
        "$(cexec "$c" runuser -u "$USER_" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME_" TERM=dumb bash -i -c 'patroni --version' 2>/dev/null)" \
        "patroni $VERSION"
    cexec "$c" cat /etc/systemd/system/patroni.service >"$WORK/unit.txt"
    cmp -s "$WORK/unit.txt" "$GOLDEN/patroni.service" || {
        diff -u "$GOLDEN/patroni.service" "$WORK/unit.txt" >&2
        fail "$what: the unit differs from $GOLDEN/patroni.service"
    }
    pass "$what: unit is byte-identical to the golden patroni.service"
    expect_same "$what: unit is root:root 0644" \
        "$(cexec "$c" stat -c '%U:%G %a' /etc/systemd/system/patroni.service)" "root:root 644"
    expect_same "$what: unit is not enabled" \
        "$(cexec "$c" sh -c 'ls /etc/systemd/system/*.wants/patroni.service 2>/dev/null || echo none')" none
    expect_same "$what: config dir is 0700 postgres:postgres" \
        "$(cexec "$c" stat -c '%a %U:%G' "$CONF")" "700 postgres:postgres"
    if [ "$METHOD" = pipx ]; then
        assert_locked "$c" "$what"
    fi
    manifest_of "$c" >"$out"
}

test_shell() { # SUITE FLAVOUR BASE
    local suite=$1 flavour=$2 base=$3
    local c="$RUN_ID-$suite-$flavour-shell"
    CONTEXT_REPRO="docker run --rm -it --network host -v $CA_BUNDLE:$CA_IN:ro -v $RENDER:/r:ro $base sh /r/install.sh"
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$RENDER:/pbct/render:ro" -v "$HERE:/pbct/tests:ro"
    step "$suite/$flavour shell: sh install.sh" cexec "$c" sh /pbct/render/install.sh
    local first
    first=$(tail -n 1 "$(step_log "$suite/$flavour shell: sh install.sh")")
    expect_contains "$suite/$flavour shell: first run reports its changes" "$first" "changed="
    assert_install "$c" "$WORK/manifest-$suite-$flavour-shell" "$suite/$flavour shell"

    manifest_of "$c" --mtimes >"$WORK/m1"
    local t0 out
    t0=$(now)
    out=$(cexec "$c" sh /pbct/render/install.sh) || { echo "$out" >&2; fail "$suite/$flavour: second run failed"; }
    say "  second run took $(elapsed "$t0") (docker exec included)"
    expect_same "$suite/$flavour shell: second run reports changed=0" "$(printf '%s\n' "$out" | tail -n 1)" "changed=0"
    manifest_of "$c" --mtimes >"$WORK/m2"
    expect_same "$suite/$flavour shell: second run leaves the manifest (mtimes included)" \
        "$(cat "$WORK/m2")" "$(cat "$WORK/m1")" "after second run" "after first run"
    if [ "$flavour" = skel ] && [ -z "$IMAGE" ]; then
        step "$suite/$flavour shell: install sudo" cexec "$c" sh -c \
            'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null'
        expect_same "$suite/$flavour shell: the seed's check, sudo -i -u postgres patroni --version" \
            "$(cexec "$c" sudo -i -u postgres patroni --version)" "patroni $VERSION"
    fi
}

test_docker() { # SUITE FLAVOUR BASE
    local suite=$1 flavour=$2 base=$3
    local c="$RUN_ID-$suite-$flavour-docker"
    local image="patroni-bake-test/run-$RUN_ID-$suite-$flavour"
    local ctx="$WORK/docker-$suite-$flavour"
    mkdir -p "$ctx"
    cp "$CA_BUNDLE" "$ctx/ca.pem"
    # As a user behind the proxy would: the CA first, then the fragment.
    { printf 'FROM %s\nCOPY ca.pem %s\n' "$base" "$CA_IN"; cat "$RENDER/Dockerfile"; } >"$ctx/Dockerfile"
    CONTEXT_CONTAINER=
    CONTEXT_REPRO="docker build --network host $ctx"
    step "$suite/$flavour docker: docker build" timeout 1800 docker build --network host ${PLATFORM:+--platform "$PLATFORM"} \
        --label "$LABEL" -t "$image" "$ctx"
    start_container "$c" "$image" -v "$HERE:/pbct/tests:ro"
    assert_install "$c" "$WORK/manifest-$suite-$flavour-docker" "$suite/$flavour docker"
}

# Boot a container of BASE through cloud-init's stages with USER_DATA as its
# NoCloud seed; the container stays up for the checks. With "fails", the
# final stage (where scripts run) must exit 1, as cloud-init does when a
# module failed.
boot_cloud_init() { # NAME BASE USER_DATA [fails]
    local c=$1 base=$2 user_data=$3 final_rc=0
    [ "${4:-}" = fails ] && final_rc=1
    local seed="$WORK/seed-$c"
    mkdir -p "$seed"
    cp "$user_data" "$seed/user-data"
    printf 'instance-id: %s\nlocal-hostname: patroni-bake-test\n' "$c" >"$seed/meta-data"
    CONTEXT_REPRO="docker run --rm -it --network host -v $CA_BUNDLE:$CA_IN:ro -v $seed:/var/lib/cloud/seed/nocloud:ro $base sh -c 'cloud-init init --local && cloud-init init && cloud-init modules --mode=config && cloud-init modules --mode=final; cloud-init status --long'"
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$seed:/var/lib/cloud/seed/nocloud:ro" -v "$HERE:/pbct/tests:ro"
    # Exit 2 is cloud-init 24+'s recoverable error (a container has no
    # ssh keys or network); the status is checked by the caller.
    # shellcheck disable=SC2016 # expanded by the container's shell
    step "$c: cloud-init init --local, init, modules config and final" cexec "$c" sh -c \
        'for stage in "init --local" init "modules --mode=config" "modules --mode=final"; do
             rc=0; cloud-init $stage || rc=$?
             if [ "$stage" = "modules --mode=final" ] && [ "$1" -ne 0 ]; then
                 echo "cloud-init $stage: exit $rc (a module is expected to fail)"
                 [ "$rc" -eq "$1" ] || exit 3
             elif [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
                 echo "cloud-init $stage: exit $rc"; exit "$rc"
             fi
         done' sh "$final_rc"
}

# cloud-init's status is done with no error in C.
assert_done() { # CONTAINER LABEL
    local c=$1 what=$2 status
    status=$(cexec "$c" cloud-init status --long || true)
    printf '%s\n' "$status" | sed 's/^/    /'
    expect_contains "$what: cloud-init status done" "$status" "status: done"
    case "$status" in
        *"errors:"*) expect_contains "$what: no errors" "$status" "errors: []" ;;
    esac
}

test_cloud_init() { # SUITE FLAVOUR BASE [USER_DATA]
    local suite=$1 flavour=$2 base=$3 user_data=${4:-$RENDER/cloud-init.yaml}
    local c="$RUN_ID-$suite-$flavour-cloud"
    boot_cloud_init "$c" "$base" "$user_data"
    assert_done "$c" "$suite/$flavour cloud-init"
    expect_contains "$suite/$flavour cloud-init: runcmd ran install.sh" "$(cexec "$c" cat /var/log/cloud-init-output.log)" "changed="
    assert_install "$c" "$WORK/manifest-$suite-$flavour-cloud" "$suite/$flavour cloud-init"
}

# Drifted starts converge: each drift is reported, the manifest comes back.
test_drift() { # SUITE CONTAINER MANIFEST
    local suite=$1 c=$2 want
    want=$(cat "$3")
    CONTEXT_CONTAINER=$c
    CONTEXT_REPRO="docker exec -it $c sh  # then drift it by hand and run sh /pbct/render/install.sh"
    step "$suite drift: edit the unit, delete the config dir, duplicate and half-remove PATH blocks, install Patroni 4.1.4" \
        cexec "$c" sh -c "
        set -e
        echo '# drift' >> /etc/systemd/system/patroni.service
        rm -rf $CONF
        grep ' # patroni-bake\$' $HOME_/.bashrc > /tmp/block && cat /tmp/block >> $HOME_/.bashrc && rm /tmp/block
        sed -i '/^case .* # patroni-bake\$/d' $HOME_/.profile
        cd / && runuser -u $USER_ -- env -i HOME=$HOME_ PATH=/usr/bin:/bin PIPX_HOME=$PIPX_HOME_ PIPX_BIN_DIR=$BIN_DIR \
            PIP_CERT=$CA_IN PIP_NO_CACHE_DIR=1 pipx install --force 'patroni[etcd,psycopg2-binary]==4.1.4'
        su - $USER_ -c 'patroni --version'"
    local out
    out=$(cexec "$c" sh /pbct/render/install.sh) || { echo "$out" >&2; fail "$suite drift: the re-run failed"; }
    printf '%s\n' "$out" | grep -E '^(changed|ok)' | sed 's/^/    /'
    for line in "changed: installed patroni[etcd,psycopg2-binary]==$VERSION" "changed: PATH block in $HOME_/.profile" \
        "changed: PATH block in $HOME_/.bashrc" "changed: /etc/systemd/system/patroni.service" "changed: $CONF" "changed=5"; do
        expect_contains "$suite drift: re-run reports '$line'" "$out" "$line"
    done
    expect_same "$suite drift: the re-run restores the manifest" \
        "$(manifest_of "$c")" "$want" converged clean
    cexec "$c" chmod 0755 "$CONF"
    out=$(cexec "$c" sh /pbct/render/install.sh)
    expect_contains "$suite drift: a 0755 config dir is reported" "$out" "changed: $CONF (0700"
    expect_same "$suite drift: ... and restored" \
        "$(manifest_of "$c")" "$want" converged clean
    expect_same "$suite drift: then a run is clean" "$(cexec "$c" sh /pbct/render/install.sh | tail -n 1)" "changed=0"
}

compare_manifests() { # SUITE FLAVOUR KINDS...
    local suite=$1 flavour=$2
    shift 2
    local first=$1
    shift
    for kind in "$@"; do
        expect_same "$suite/$flavour: $first and $kind reach the same end state" \
            "$(cat "$WORK/manifest-$suite-$flavour-$kind")" "$(cat "$WORK/manifest-$suite-$flavour-$first")" "$kind" "$first"
    done
}

ensure_docker
say "run $RUN_ID; work dir $WORK"

if [ -n "$IMAGE" ]; then
    # Any base image with a registry: shell and Dockerfile renderings.
    [ -n "$TARGET" ] || fail "--image needs --target (one of: $("$BIN" targets | awk 'NR > 1 { printf "%s ", $1 }'))"
    use_target "$TARGET"
    ctx="$WORK/image-base"
    mkdir -p "$ctx"
    printf 'FROM %s\nRUN useradd --system --user-group --home-dir %s --no-create-home --shell /bin/bash postgres && install -d -o postgres -g postgres -m 0755 %s\n' \
        "$IMAGE" "$HOME_" "$HOME_" >"$ctx/Dockerfile"
    base="patroni-bake-test/run-$RUN_ID-image-base"
    step "base from $IMAGE" timeout 1800 docker build --network host --label "$LABEL" -t "$base" "$ctx"
    test_shell image nodot "$base"
    test_docker image nodot "$base"
    compare_manifests image nodot shell docker
    say "cloud-init and systemd stages need the debootstrap bases; not run for --image"
else
    for suite in $SUITES; do
        case $suite in
            bookworm) TARGET=debian-12 ;;
            trixie) TARGET=debian-13 ;;
            *) fail "unknown suite $suite (bookworm, trixie)" ;;
        esac
        say "=== $suite ($TARGET)"
        build_bases "$suite"
        use_target "$TARGET"
        if stage renderings; then
            # The nodot flavour gets the snippet gzip-compressed (a limit it
            # does not fit readably), so real cloud-init decodes gz+b64.
            gz="$WORK/render-$TARGET-gz"
            "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set cloud_init_limit=12288 --out "$gz" 2>/dev/null
            expect_contains "$suite: the 12288-byte rendering is gzip-compressed" "$(cat "$gz/cloud-init.yaml")" 'encoding: "gz+b64"'
            for flavour in nodot skel; do
                user_data=$RENDER/cloud-init.yaml
                [ "$flavour" = nodot ] && user_data=$gz/cloud-init.yaml
                test_shell "$suite" "$flavour" "$(base_image "$suite" "$flavour")"
                test_docker "$suite" "$flavour" "$(base_image "$suite" "$flavour")"
                test_cloud_init "$suite" "$flavour" "$(base_image "$suite" "$flavour-cloud")" "$user_data"
                compare_manifests "$suite" "$flavour" shell docker cloud
                say "end state ($suite/$flavour):"
                sed 's/^/    /' "$WORK/manifest-$suite-$flavour-shell"
            done
        else
            test_shell "$suite" skel "$(base_image "$suite" skel)"
            test_shell "$suite" nodot "$(base_image "$suite" nodot)"
        fi
        # The SBOM against the pip install (bookworm; uv and arm64 in their stages).
        if [ "$suite" = bookworm ]; then
            assert_sbom_pip "$RUN_ID-$suite-nodot-shell" "$suite/nodot shell" "$RENDER/sbom.x86_64.cdx.json" x86_64
        fi
        if stage compose; then
            test_compose "$suite"
        fi
        if stage uv; then
            test_uv "$suite"
        fi
        leader_source="$RUN_ID-$suite-skel-shell"
        if stage extras; then
            # On trixie the etcd3 set alone (the systemd stage's leader), to keep
            # CI within its hour.
            sets=$EXTRAS_SETS
            [ "$suite" = bookworm ] || sets=etcd3,psycopg3
            for set in $sets; do
                flavour=nodot
                case $set in etcd3,*) flavour=skel ;; esac
                test_extras "$suite" "$set" "$flavour"
            done
            leader_source="$RUN_ID-$(extras_label "$suite" etcd3,psycopg3)-skel-shell"
        fi
        if stage drift; then
            test_drift "$suite" "$RUN_ID-$suite-skel-shell" "$WORK/manifest-$suite-skel-shell"
        fi
        if stage check; then
            test_check "$suite"
        fi
        if stage faults; then
            test_faults "$suite" "$(base_image "$suite" nodot)" "$WORK/manifest-$suite-nodot-shell"
        fi
        # Upgrades on bookworm: the step is the same on trixie, and CI has an hour.
        if [ "$suite" = bookworm ] && stage upgrades; then
            test_upgrades "$suite" "$(base_image "$suite" nodot)" "$WORK/manifest-$suite-nodot-shell"
        fi
        if stage locks; then
            test_tampered_hash "$suite" "$(base_image "$suite" nodot)"
            test_wheelhouse "$suite" "$WORK/manifest-$suite-nodot-shell"
        fi
        if stage package; then
            test_package_method "$suite"
        fi
        if stage systemd; then
            test_systemd "$suite" "$leader_source" "$BIN_DIR"
        fi
        # The cluster on bookworm: it proves the unit and the upgrade, which
        # are the same on trixie, and CI has an hour.
        if [ "$suite" = bookworm ] && stage cluster; then
            test_cluster "$suite"
        fi
        if [ "$suite" = bookworm ] && stage arm64; then
            test_arm64 "$suite" "$WORK/manifest-$suite-nodot-shell"
        fi
        docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    done
    if stage rhel-steps; then
        test_rhel_steps rhel-8 bookworm
        test_rhel_steps rhel-9 bullseye
    fi
fi
# cleanup (on exit) prints the count of passed and failed checks.
