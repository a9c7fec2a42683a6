#!/usr/bin/env bash
# Under systemd: boot an installed rootfs with systemd-nspawn and prove that
# the unit loads, is disabled, verifies, and runs a real Patroni that
# becomes the leader of a one-node cluster (etcd and PostgreSQL from
# Debian's packages).

NS_SD_PID=

nsrun() { timeout 120 nsenter -t "$NS_SD_PID" -a -- "$@"; }

# The container's PID 1: the process named systemd among the children and
# grandchildren of systemd-nspawn (NSPAWN_PID); empty while it is not there yet.
container_init() {
    local child
    for child in $(pgrep -P "$1" || true); do
        pgrep -x -P "$child" systemd || { [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && echo "$child"; } || true
    done | head -n 1
}

# Boot ROOT with systemd-nspawn (OPTIONS: its network), its output
# appended to LOG, until its systemd is up; prints "NSPAWN_PID INIT_PID"
# (nspawn's pid, the container's PID 1). Returns 1 (LOG's tail printed)
# when systemd has not started within 90 s. Send its output to a file, not
# into $(...): nspawn must be this shell's child (NSPAWN_PIDS is the
# clean-up's list).
nspawn_boot() { # ROOT LOG OPTIONS...
    local root=$1 log=$2 nspawn init
    shift 2
    systemd-nspawn -q -b --register=no --keep-unit "$@" -D "$root" >>"$log" 2>&1 &
    nspawn=$!
    NSPAWN_PIDS+=("$nspawn")
    # nspawn's first child is a helper that forks the container's PID 1 and
    # exits; entering the helper's namespaces asks the host, which has no
    # systemd ("offline"). Wait for the process that is systemd, then for it
    # to have said so (/run/systemd/system), before asking its state.
    for _ in $(seq 90); do
        init=$(container_init "$nspawn")
        if [ -n "$init" ] && timeout 30 nsenter -t "$init" -a -- test -d /run/systemd/system 2>/dev/null; then
            echo "$nspawn $init"
            return 0
        fi
        sleep 1
    done
    tail -n 40 "$log" >&2
    return 1
}

test_systemd() { # SUITE SOURCE_CONTAINER BIN_DIR
    local suite=$1 source=$2 bin=$3
    local image="patroni-bake-test/run-$RUN_ID-$suite-systemd"
    local prep="$RUN_ID-$suite-systemd-prep"
    local root="$WORK/sdroot-$suite"
    CONTEXT_REPRO="docker commit $source img && docker run -it --network host img bash  # then apt-get install systemd systemd-sysv dbus etcd-server postgresql"
    docker commit --change "LABEL $LABEL" "$source" "$image" >/dev/null
    start_container "$prep" "$image"
    step "$suite systemd: install systemd, dbus, etcd and PostgreSQL" cexec "$prep" sh -c \
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus etcd-server postgresql >/dev/null'
    local pg_bin
    pg_bin=$(cexec "$prep" sh -c 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1')
    sed "s|@PG_BIN_DIR@|$pg_bin|" "$HERE/patroni.yaml" >"$WORK/patroni-$suite.yaml"
    docker cp "$WORK/patroni-$suite.yaml" "$prep:/etc/patroni/patroni.yaml"
    cexec "$prep" sh -c 'chown postgres:postgres /etc/patroni/patroni.yaml && chmod 0600 /etc/patroni/patroni.yaml'
    docker stop -t 1 "$prep" >/dev/null
    mkdir -p "$root"
    # Numeric owners: names would map to this host's users.
    step "$suite systemd: export the rootfs" sh -c "docker export '$prep' | tar --numeric-owner -C '$root' -x"
    # Docker's bind-mounted /etc/hosts and /etc/hostname export empty; etcd
    # resolves localhost.
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$root/etc/hosts"
    echo "patroni-bake-test" >"$root/etc/hostname"

    CONTEXT_CONTAINER=
    CONTEXT_REPRO="systemd-nspawn -b --register=no --keep-unit --private-network -D $root"
    say "$suite systemd: booting with systemd-nspawn"
    local nspawn state
    nspawn_boot "$root" "$WORK/nspawn-$suite.log" --private-network >"$WORK/nspawn-$suite.pids" ||
        fail "$suite: systemd did not start in the container"
    read -r nspawn NS_SD_PID <"$WORK/nspawn-$suite.pids"
    state=$(nsrun systemctl is-system-running --wait || true)
    case "$state" in
        running | degraded) pass "$suite: systemd booted ($state)" ;;
        *) tail -n 40 "$WORK/nspawn-$suite.log" >&2; fail "$suite: systemd is $state" ;;
    esac

    nsrun systemctl daemon-reload || fail "$suite: systemctl daemon-reload"
    pass "$suite: systemctl daemon-reload"
    expect_contains "$suite: systemctl cat patroni" "$(nsrun systemctl cat patroni)" "ExecStart=$bin/patroni /etc/patroni/patroni.yaml"
    expect_same "$suite: patroni.service is disabled" "$(nsrun systemctl is-enabled patroni || true)" disabled
    local verify
    verify=$(nsrun systemd-analyze verify /etc/systemd/system/patroni.service 2>&1) || { echo "$verify" >&2; fail "$suite: systemd-analyze verify"; }
    expect_same "$suite: systemd-analyze verify is silent" "$verify" ""
    nsrun runuser -u postgres -- "$bin/patroni" --validate-config /etc/patroni/patroni.yaml \
        || fail "$suite: patroni --validate-config"
    pass "$suite: patroni --validate-config"

    local t0
    t0=$(now)
    nsrun systemctl start patroni || { nsrun journalctl -u patroni --no-pager -n 80 >&2; fail "$suite: systemctl start patroni"; }
    local list=
    for _ in $(seq 90); do
        list=$(nsrun runuser -u postgres -- "$bin/patronictl" -c /etc/patroni/patroni.yaml list 2>&1 || true)
        if printf '%s' "$list" | grep -q 'Leader' && printf '%s' "$list" | grep -q 'running'; then
            break
        fi
        list=
        sleep 2
    done
    if [ -z "$list" ]; then
        nsrun journalctl -u patroni -u etcd --no-pager -n 80 >&2 || true
        fail "$suite: Patroni did not become a running leader within 180 s"
    fi
    printf '%s\n' "$list"
    pass "$suite: the unit runs Patroni, a running leader after $(elapsed "$t0")"
    nsrun systemctl reload patroni || { nsrun journalctl -u patroni --no-pager -n 40 >&2; fail "$suite: systemctl reload patroni"; }
    sleep 2
    expect_same "$suite: still active after systemctl reload (ExecReload)" "$(nsrun systemctl is-active patroni || true)" active

    nsrun systemctl poweroff || true
    for _ in $(seq 30); do
        kill -0 "$nspawn" 2>/dev/null || break
        sleep 1
    done
    kill "$nspawn" 2>/dev/null || true
    rm -rf "$root"
}
