#!/usr/bin/env bash
# Helpers of the container suite: progress with timings, failure reports
# with the container's log and a command to reproduce, unique names, and
# clean-up of everything the run created.

RUN_ID="pbct-$$-$(date +%s)"
LABEL="patroni-bake-test=$RUN_ID"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/patroni-bake-ct.XXXXXX")
SUITE_START=$(date +%s.%N)
DOCKERD_PID=
NSPAWN_PIDS=()
FAILURES=0
PASSES=0

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The last failure's context, printed by fail().
CONTEXT_CONTAINER=
CONTEXT_REPRO=
# A function that fail() runs for a stage's own report.
FAIL_HOOK=

fail() {
    FAILURES=$((FAILURES + 1))
    printf '\nFAIL: %s\n' "$*" >&2
    if [ -n "$CONTEXT_CONTAINER" ] && docker inspect "$CONTEXT_CONTAINER" >/dev/null 2>&1; then
        printf -- '--- log of container %s (last 80 lines) ---\n' "$CONTEXT_CONTAINER" >&2
        docker logs --tail 80 "$CONTEXT_CONTAINER" >&2 2>&1 || true
    fi
    [ -z "$CONTEXT_REPRO" ] || printf -- '--- to reproduce by hand ---\n%s\n' "$CONTEXT_REPRO" >&2
    # A stage's own report (the cluster's journals and state), once.
    if [ -n "$FAIL_HOOK" ]; then
        local hook=$FAIL_HOOK
        FAIL_HOOK=
        "$hook" >&2 || true
    fi
    exit 1
}

pass() {
    PASSES=$((PASSES + 1))
    say "  ok: $*"
}

# The log file of the step NAME (its whole output).
step_log() { # NAME
    printf '%s/%s.log' "$WORK" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')"
}

# step NAME CMD...: run CMD with its output in a log; on failure print the
# log and fail. The log stays in $WORK for inspection.
step() {
    local name=$1
    shift
    local log
    log=$(step_log "$name")
    local t0
    t0=$(now)
    say "$name ..."
    if "$@" >"$log" 2>&1; then
        say "$name: done in $(elapsed "$t0")"
    else
        local rc=$?
        printf -- '--- output of "%s" (exit %s, last 60 lines; full log %s) ---\n' "$name" "$rc" "$log" >&2
        tail -n 60 "$log" >&2
        fail "$name"
    fi
}

# expect_same WHAT ACTUAL EXPECTED [LABEL_ACTUAL LABEL_EXPECTED]: equal, or
# fail with a unified diff from the expected to the actual text.
expect_same() {
    local what=$1 actual=$2 expected=$3 la=${4:-actual} le=${5:-expected}
    if ! diff -u --label "$le" --label "$la" <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >"$WORK/diff.txt"; then
        cat "$WORK/diff.txt" >&2
        fail "$what"
    fi
    pass "$what"
}

expect_contains() {
    local what=$1 haystack=$2 needle=$3
    case "$haystack" in
        *"$needle"*) pass "$what" ;;
        *) printf 'expected to find: %s\nin:\n%s\n' "$needle" "$haystack" >&2; fail "$what" ;;
    esac
}

# The platform of the images under test (linux/arm64 for the arm64
# stage), or empty for the machine's own.
PLATFORM=

# Start a container that stays up for docker exec; time-limited by sleep.
start_container() {
    local name=$1 image=$2
    shift 2
    docker run -d --name "$name" --label "$LABEL" --network host ${PLATFORM:+--platform "$PLATFORM"} \
        "$@" "$image" sleep 3600 >/dev/null
    CONTEXT_CONTAINER=$name
}

# cexec NAME CMD...: docker exec with a time limit.
cexec() {
    local name=$1
    shift
    timeout 900 docker exec "$name" "$@"
}

# Run SCRIPT in container C and kill it outright (SIGKILL to its whole
# process group) once its new venv is half made: the previous install
# moved aside, the new venv begun. Fails when that never happens (120 s).
kill_in_new_venv() { # CONTAINER SCRIPT LABEL
    # bash, whose kill takes a process group; expanded by the container's shell:
    # shellcheck disable=SC2016
    cexec "$1" bash -c 'setsid sh "$2" >/tmp/killed.log 2>&1 & pid=$!
        i=0
        while ! { [ -d "$1/patroni-bake-previous/patroni" ] && [ -d "$1/venvs/patroni/bin" ]; }; do
            i=$((i + 1))
            [ "$i" -lt 1200 ] || { echo "no new venv after 120 s" >&2; cat /tmp/killed.log >&2; exit 1; }
            sleep 0.1
        done
        kill -9 -- "-$pid"
        wait "$pid" 2>/dev/null
        exit 0' bash "$PIPX_HOME_" "$2" ||
        fail "$3: the install never made its new venv, so it could not be killed in it"
}

ensure_docker() {
    if docker info >/dev/null 2>&1; then
        say "Docker engine: running already"
        return
    fi
    command -v dockerd >/dev/null || fail "dockerd is missing: apt-get install docker.io (the container suite never skips)"
    say "Docker engine: starting dockerd (log $WORK/dockerd.log)"
    dockerd >"$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && return
        sleep 1
    done
    tail -n 40 "$WORK/dockerd.log" >&2
    fail "dockerd did not answer within 60 s"
}

cleanup() {
    local rc=$?
    set +e
    declare -F cl_cleanup >/dev/null && cl_cleanup
    for pid in "${NSPAWN_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
        docker images -q --filter "label=$LABEL" | xargs -r docker rmi -f >/dev/null 2>&1
        docker images -q "patroni-bake-test/run-$RUN_ID*" | xargs -r docker rmi -f >/dev/null 2>&1
    fi
    if [ -n "$DOCKERD_PID" ]; then
        kill "$DOCKERD_PID" 2>/dev/null
        wait "$DOCKERD_PID" 2>/dev/null
    fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
    else
        echo "logs kept in $WORK" >&2
    fi
    echo "container: $PASSES passed, $FAILURES failed"
    say "container suite wall time: $(elapsed "$SUITE_START")"
    exit "$rc"
}
