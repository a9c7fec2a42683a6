#!/usr/bin/env bash
# Locked dependencies and the offline wheelhouse: what is installed equals
# the lock, a tampered hash stops the install, a wheelhouse installs with no
# network (install.sh and docker build --network none), a missing wheel is
# named.

# The pins of the plan's requirement lines (shared, patroni or pipx) for
# $TARGET: sorted name==version, as `patroni-bake plan` says them.
plan_pins() { # KIND [ARGS...]
    local kind=$1
    shift
    "$BIN" plan --json --target "$TARGET" "${RENDER_SET[@]}" "$@" 2>/dev/null | python3 -c '
import json, sys
i = json.load(sys.stdin)["install"]
kind = sys.argv[1]
reqs = i["pipx_from"]["lock"]["reqs"] if kind == "pipx" else i["lock"][kind]
print("\n".join(sorted(r["name"] + "==" + r["version"] for r in reqs)))' "$kind"
}

# pip freeze of one site-packages directory, normalized like plan_pins.
# In a venv of Debian 11's Python, its patched pip reports a phantom
# pkg-resources==0.0.0 (Launchpad bug 1635463) that has no dist-info there
# (the install's own check, which reads dist-info names, does not see it):
# left out.
freeze_of() { # CONTAINER PYTHON SITE_PACKAGES
    cexec "$1" runuser -u "$USER_" -- "$2" -m pip freeze --all --path "$3" |
        awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }' |
        grep -vx 'pkg-resources==0.0.0' | LC_ALL=C sort
}

# A value of $TARGET's pipx install (`patroni-bake plan --json`; a list
# joined by spaces): python, python_version, pipx_version (pipx from pip),
# os_packages.
plan_field() { # NAME
    "$BIN" plan --json --target "$TARGET" "${RENDER_SET[@]}" 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)
i = p["install"]
v = {
    "python": lambda: i["python"],
    "python_version": lambda: i["python_version"],
    "pipx_version": lambda: i["pipx_from"]["version"],
    "os_packages": lambda: p["os_packages"]["names"],
}[sys.argv[1]]()
print(" ".join(v) if isinstance(v, list) else v)' "$1"
}

target_python() { plan_field python_version; }

# Build IMAGE from the Dockerfile rendered in DIR on BASE, the wheelhouse
# WH copied in, with no network (the step is named after WHAT).
wheelhouse_build() { # WHAT IMAGE BASE DIR WH
    local what=$1 image=$2 base=$3 dir=$4 wh=$5
    local bctx="$WORK/docker-${image##*/}"
    mkdir -p "$bctx"
    cp -r "$wh" "$bctx/wheelhouse"
    { printf 'FROM %s\nCOPY wheelhouse /wheelhouse\n' "$base"; cat "$dir/Dockerfile"; } >"$bctx/Dockerfile"
    CONTEXT_CONTAINER=
    CONTEXT_REPRO="docker build --network none $bctx"
    step "$what: docker build --network none" \
        timeout 1800 docker build --network none --label "$LABEL" -t "$image" "$bctx"
}

# The version of one package in the default lock of $TARGET.
lock_version() { # NAME
    plan_pins patroni | sed -n "s/^$1==//p"
}

# The venv and pipx's shared libraries hold exactly the lock's closure.
assert_locked() { # CONTAINER LABEL [RENDER ARGS...]
    local c=$1 what=$2 py spec
    shift 2
    py=$(target_python)
    spec=$(sed -n 's/.*\(patroni\[[^]]*\]==[0-9.]*\).*/\1/p' "$RENDER/install.sh" | head -n 1)
    expect_same "$what: pip freeze of the venv equals the lock's closure of $spec (Python $py)" \
        "$(freeze_of "$c" "$PIPX_HOME_/venvs/patroni/bin/python" "$PIPX_HOME_/venvs/patroni/lib/python$py/site-packages")" \
        "$(plan_pins patroni "$@")" installed "the lock's closure"
    expect_same "$what: pip freeze of pipx's shared libraries equals their lock" \
        "$(freeze_of "$c" "$PIPX_HOME_/shared/bin/python" "$PIPX_HOME_/shared/lib/python$py/site-packages")" \
        "$(plan_pins shared "$@")" installed "the lock's closure"
}

# install.sh of $RENDER with the first hex digit of Patroni's own hash
# changed, into DIR/install.sh.
tamper_hash() { # DIR LABEL
    mkdir -p "$1"
    python3 - "$RENDER/install.sh" "$VERSION" >"$1/install.sh" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search("'patroni==" + re.escape(sys.argv[2]) + " --hash=sha256:([0-9a-f])", text)
i = m.start(1)
sys.stdout.write(text[:i] + ("1" if text[i] == "0" else "0") + text[i + 1:])
EOF
    if cmp -s "$1/install.sh" "$RENDER/install.sh"; then
        fail "$2: the tampering left install.sh as it was"
    fi
}

# A hash that does not match stops the install before anything of it runs.
test_tampered_hash() { # SUITE BASE
    local suite=$1 base=$2 c="$RUN_ID-$1-tampered"
    local dir="$WORK/render-$TARGET-tampered"
    tamper_hash "$dir" "$suite locks"
    CONTEXT_REPRO="docker run --rm -it --network host -v $CA_BUNDLE:$CA_IN:ro -v $dir:/r:ro $base sh /r/install.sh"
    start_container "$c" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$dir:/pbct/tampered:ro" -v "$HERE:/pbct/tests:ro"
    local out
    if out=$(cexec "$c" sh /pbct/tampered/install.sh 2>&1); then
        echo "$out" >&2
        fail "$suite locks: a tampered hash did not fail the install"
    fi
    pass "$suite locks: a tampered hash fails the install (exit non-zero)"
    expect_contains "$suite locks: pip says the hashes do not match" "$out" "DO NOT MATCH THE HASHES"
    expect_contains "$suite locks: ... naming the package" "$out" "patroni==$VERSION"
    expect_contains "$suite locks: ... and the failed step is named" "$out" 'step "install Patroni with pipx" failed'
    expect_same "$suite locks: ... and no venv was made" \
        "$(cexec "$c" sh -c "ls $PIPX_HOME_/venvs 2>/dev/null | wc -l")" 0
}

# A wheelhouse from `patroni-bake wheelhouse` installs with no network.
test_wheelhouse() { # SUITE REFERENCE_MANIFEST
    local suite=$1 ref wh="$WORK/wheelhouse-$TARGET" dir="$WORK/render-$TARGET-wheelhouse"
    ref=$(cat "$2")
    step "$suite wheelhouse: patroni-bake wheelhouse --target $TARGET" \
        "$BIN" wheelhouse --target "$TARGET" --out "$wh"
    say "  $(find "$wh" -type f | wc -l) files, $(du -sh "$wh" | cut -f1)"
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set wheelhouse=/wheelhouse --out "$dir" 2>/dev/null
    # No apt offline: the base has the OS packages (pipx) already, as an
    # air-gapped image build gets them from its own mirror.
    local offline="patroni-bake-test/run-$RUN_ID-$suite-offline" ctx="$WORK/offline-$suite"
    mkdir -p "$ctx"
    printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pipx >/dev/null && rm -rf /var/lib/apt/lists/*\n' \
        "$(base_image "$suite" nodot)" >"$ctx/Dockerfile"
    step "$suite wheelhouse: a base with pipx" timeout 1800 docker build -q --network host --label "$LABEL" -t "$offline" "$ctx"

    local c="$RUN_ID-$suite-wheelhouse-shell"
    CONTEXT_REPRO="docker run --rm -it --network none -v $wh:/wheelhouse:ro -v $dir:/r:ro $offline sh /r/install.sh"
    docker run -d --name "$c" --label "$LABEL" --network none -v "$wh:/wheelhouse:ro" -v "$dir:/pbct/render:ro" \
        -v "$HERE:/pbct/tests:ro" "$offline" sleep 3600 >/dev/null
    CONTEXT_CONTAINER=$c
    step "$suite wheelhouse: install.sh with --network none" cexec "$c" sh /pbct/render/install.sh
    expect_same "$suite wheelhouse: install.sh offline reaches the reference end state" \
        "$(manifest_of "$c")" "$ref" wheelhouse online
    assert_locked "$c" "$suite wheelhouse shell"
    expect_same "$suite wheelhouse: a second run offline is clean" \
        "$(cexec "$c" sh /pbct/render/install.sh | tail -n 1)" "changed=0"

    local image="patroni-bake-test/run-$RUN_ID-$suite-wheelhouse"
    wheelhouse_build "$suite wheelhouse" "$image" "$offline" "$dir" "$wh"
    local d="$RUN_ID-$suite-wheelhouse-docker"
    start_container "$d" "$image" -v "$HERE:/pbct/tests:ro"
    expect_same "$suite wheelhouse: the offline docker build reaches the reference end state" \
        "$(manifest_of "$d")" "$ref" "docker build" online

    # A wheelhouse that lacks a locked file: the install names it.
    local partial="$WORK/wheelhouse-$TARGET-partial" missing
    cp -r "$wh" "$partial"
    missing=$(cd "$partial" && ls psycopg2_binary-*.whl | head -n 1)
    rm "$partial/$missing"
    local e="$RUN_ID-$suite-wheelhouse-missing"
    docker run -d --name "$e" --label "$LABEL" --network none -v "$partial:/wheelhouse:ro" -v "$dir:/pbct/render:ro" \
        "$offline" sleep 3600 >/dev/null
    CONTEXT_CONTAINER=$e
    local out
    if out=$(cexec "$e" sh /pbct/render/install.sh 2>&1); then
        echo "$out" >&2
        fail "$suite wheelhouse: a missing wheel did not fail the install"
    fi
    pass "$suite wheelhouse: a missing wheel ($missing) fails the install"
    expect_contains "$suite wheelhouse: ... naming the missing distribution" "$out" "psycopg2-binary=="
    expect_contains "$suite wheelhouse: ... in the named step" "$out" 'step "install Patroni with pipx" failed'
}
