#!/usr/bin/env bash
# Three baked nodes make one Patroni cluster: node1 baked by the Dockerfile
# fragment, node2 by install.sh, node3 by cloud-init (NoCloud), each then
# booted with systemd-nspawn in one shared network namespace (node N
# listens on 127.0.0.N+1), with PostgreSQL and a three-member etcd from
# Debian's packages. The test writes patroni.yaml (setup_patroni's job) and
# enables the unit. It proves bootstrap (a leader, two streaming
# replicas), a switchover, a failover after the leader's machine is killed
# outright (synchronous_mode: no committed row lost), the unit under faults
# (stop, start, SIGKILL of Patroni alone), and a rolling upgrade from 4.0.7
# to 4.1.5 by re-running a rendering, with a writer running throughout.

CL_OLD_VERSION=4.0.7
CL_OLD_LOCK=$REPO/tests/data/patroni-4.0.7.uv.lock
CL_EXTRAS=psycopg2-binary,etcd3
CL_TTL=20
CL_LOOP_WAIT=5
# Over ttl + loop_wait: Patroni's own retry and PostgreSQL's promotion.
CL_FAILOVER_MARGIN=20
CL_NET=
CL_WRITER=
declare -a CL_NS=() CL_PID=()
# Rows for BENCHMARKS.md (bench/run.sh sets the file).
CLUSTER_METRICS=${CLUSTER_METRICS:-}

cl_ip() { echo "127.0.0.$(($1 + 1))"; }

# A command on node N (as root, in all its namespaces).
cl() {
    local n=$1
    shift
    timeout 300 nsenter -t "${CL_PID[$n]}" -a -- "$@"
}

cl_sql() { # NODE SQL
    cl "$1" runuser -u postgres -- psql -X -At -h "$(cl_ip "$1")" -d postgres -c "$2"
}

# The cluster as patronictl lists it, as JSON, asked on node N.
cl_members() { # NODE
    cl "$1" runuser -u postgres -- "$BIN_DIR/patronictl" -c /etc/patroni/patroni.yaml list -f json 2>/dev/null
}

# "name role state lag" per member, sorted, from any node that answers.
cl_state() {
    local n json
    for n in 1 2 3; do
        [ -n "${CL_PID[$n]:-}" ] && kill -0 "${CL_PID[$n]}" 2>/dev/null || continue
        json=$(cl_members "$n") || continue
        python3 -c '
import json, sys
for m in sorted(json.loads(sys.argv[1]), key=lambda m: m["Member"]):
    print(m["Member"], m["Role"].replace(" ", "-"), m["State"], m.get("Lag in MB", "-"))' "$json" && return
    done
    return 1
}

cl_leader() { cl_state | awk '$2 == "Leader" && $3 == "running" { print $1 }'; }

# Wait (at most SECONDS) until the cluster state satisfies the awk CONDITION
# over its lines; prints the seconds it took.
cl_wait() { # SECONDS WHAT AWK_CONDITION
    local limit=$1 what=$2 cond=$3 t0 st
    t0=$(now)
    while :; do
        st=$(cl_state 2>/dev/null || true)
        if [ -n "$st" ] && printf '%s\n' "$st" | awk "$cond" >/dev/null; then
            awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
            return 0
        fi
        if awk -v a="$t0" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
            printf '%s\n' "$st" >&2
            fail "cluster: $what did not happen within $limit s"
        fi
        sleep 0.5
    done
}
# awk conditions: one running leader and two streaming replicas, one of
# them the synchronous standby (until the leader names one, synchronous_mode
# allows no failover, and a commit waits for no standby); NODE a streaming
# replica; NODE the running leader.
CL_HEALTHY='$2 == "Leader" && $3 == "running" { l++ } $2 ~ /Replica|Standby/ && $3 == "streaming" { r++ } $2 == "Sync-Standby" && $3 == "streaming" { s++ } END { exit !(l == 1 && r == 2 && s == 1) }'
cl_is_replica() { echo "\$1 == \"$1\" && \$2 ~ /Replica|Standby/ && \$3 == \"streaming\" { f = 1 } END { exit !f }"; }
cl_is_leader() { echo "\$1 == \"$1\" && \$2 == \"Leader\" && \$3 == \"running\" { f = 1 } END { exit !f }"; }

# What a failure prints: every node's journal and the cluster's state.
cl_report() {
    local n
    for n in 1 2 3; do
        [ -n "${CL_PID[$n]:-}" ] && kill -0 "${CL_PID[$n]}" 2>/dev/null || { echo "--- node$n: not running"; continue; }
        echo "--- node$n: journal of patroni and etcd (last 40 lines) ---"
        cl "$n" journalctl -u patroni -u etcd --no-pager -n 40 2>&1 || true
    done
    echo "--- patronictl list ---"
    cl_state 2>&1 || true
}

cl_cleanup() {
    [ -z "$CL_WRITER" ] || kill "$CL_WRITER" 2>/dev/null
    local n
    for n in 1 2 3; do
        [ -z "${CL_PID[$n]:-}" ] || kill -9 "${CL_PID[$n]}" 2>/dev/null
    done
    [ -z "$CL_NET" ] || ip netns del "$CL_NET" 2>/dev/null
    true
}

# The nodes' base (CL_BASE): the cloud flavour (it has cloud-init for
# node3) plus systemd, etcd and PostgreSQL with no default cluster (Patroni
# makes one), cached under its Dockerfile's content.
CL_BASE=
cl_base() { # SUITE
    local suite=$1 ctx="$WORK/cluster-base" key image
    mkdir -p "$ctx"
    cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $(base_image "$suite" nodot-cloud)
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf \
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      systemd systemd-sysv dbus etcd-server etcd-client postgresql >/dev/null \
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
    key=$(sha256sum <"$ctx/Dockerfile" | cut -c1-12)
    image="patroni-bake-test/base:$suite-cluster-$key"
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        step "cluster: base image (systemd, etcd, PostgreSQL)" timeout 1800 docker build --network host -q -t "$image" "$ctx"
    fi
    CL_BASE=$image
}

# Export container C into the rootfs of node N, configured as node N.
cl_rootfs() { # CONTAINER N PG_BIN
    local c=$1 n=$2 pg_bin=$3 root="$WORK/cluster/node$2" ip i peers='' hosts=''
    ip=$(cl_ip "$n")
    docker stop -t 1 "$c" >/dev/null
    mkdir -p "$root"
    step "cluster: export node$n" sh -c "docker export '$c' | tar --numeric-owner -C '$root' -x"
    printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
    echo "node$n" >"$root/etc/hostname"
    touch "$root/etc/cloud/cloud-init.disabled"
    for i in 1 2 3; do
        peers="$peers${peers:+,}node$i=http://$(cl_ip "$i"):2380"
        hosts="$hosts${hosts:+,}$(cl_ip "$i"):2379"
    done
    cat >"$root/etc/default/etcd" <<EOF
ETCD_NAME=node$n
ETCD_DATA_DIR=/var/lib/etcd/cluster
ETCD_LISTEN_PEER_URLS=http://$ip:2380
ETCD_LISTEN_CLIENT_URLS=http://$ip:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://$ip:2380
ETCD_ADVERTISE_CLIENT_URLS=http://$ip:2379
ETCD_INITIAL_CLUSTER=$peers
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=patroni-bake-test
EOF
    sed -e "s|@NAME@|node$n|" -e "s|@IP@|$ip|g" -e "s|@ETCD@|$hosts|" -e "s|@PG_BIN_DIR@|$pg_bin|" \
        -e "s|@TTL@|$CL_TTL|" -e "s|@LOOP_WAIT@|$CL_LOOP_WAIT|" \
        "$HERE/cluster-patroni.yaml" >"$root/etc/patroni/patroni.yaml"
    chown --reference="$root/etc/patroni" "$root/etc/patroni/patroni.yaml"
    chmod 0600 "$root/etc/patroni/patroni.yaml"
}

# Boot node N (its rootfs as it is) in the shared network namespace, up
# to its PID 1's systemd. (etcd's members wait for each other before they
# are up: all nodes start, then cl_ready waits for each.)
cl_start() { # N
    local n=$1
    nspawn_boot "$WORK/cluster/node$n" "$WORK/cluster/nspawn-node$n.log" \
        --network-namespace-path="/run/netns/$CL_NET" >"$WORK/cluster/nspawn-node$n.pids" ||
        fail "cluster: node$n did not boot"
    read -r 'CL_NS[n]' 'CL_PID[n]' <"$WORK/cluster/nspawn-node$n.pids"
}

# Node N's boot has finished (at most 180 s).
cl_ready() { # N
    local n=$1 state
    state=$(timeout 180 nsenter -t "${CL_PID[$n]}" -a -- systemctl is-system-running --wait || true)
    case "$state" in
        running | degraded) ;;
        *)
            tail -n 40 "$WORK/cluster/nspawn-node$n.log" >&2
            cl "$n" systemctl list-jobs --no-pager >&2 || true
            fail "cluster: node$n's systemd is '$state' after 180 s"
            ;;
    esac
}

# The machine of node N dies at once: SIGKILL of its PID 1 kills every
# process of its PID namespace (Patroni, PostgreSQL, etcd).
cl_kill_machine() { # N
    local n=$1
    kill -9 "${CL_PID[$n]}"
    for _ in $(seq 30); do
        kill -0 "${CL_NS[$n]}" 2>/dev/null || break
        sleep 0.5
    done
    CL_PID[n]=
}

# Processes named postgres on node N.
cl_postgres_procs() { cl "$1" sh -c 'cat /proc/[0-9]*/comm 2>/dev/null | grep -c "^postgres$" || true'; }

cl_metric() { # WHAT VALUE COMPARISON
    say "  measured: $1: $2 ${3:+($3)}"
    [ -z "$CLUSTER_METRICS" ] || echo "| cluster: $1 | $2 | $3 |" >>"$CLUSTER_METRICS"
}

# Bake node1 (Dockerfile), node2 (install.sh) and node3 (cloud-init) from
# RENDER_DIR on BASE; prints PostgreSQL's bin directory.
cl_bake() { # BASE RENDER_DIR
    local base=$1 dir=$2 ctx="$WORK/cluster-docker" image="patroni-bake-test/run-$RUN_ID-cluster-node1"
    mkdir -p "$ctx"
    cp "$CA_BUNDLE" "$ctx/ca.pem"
    { printf 'FROM %s\nCOPY ca.pem %s\n' "$base" "$CA_IN"; cat "$dir/Dockerfile"; } >"$ctx/Dockerfile"
    step "cluster: bake node1 with the Dockerfile fragment" timeout 1800 docker build --network host --label "$LABEL" -t "$image" "$ctx"
    start_container "$RUN_ID-cluster-node1" "$image"
    start_container "$RUN_ID-cluster-node2" "$base" -v "$CA_BUNDLE:$CA_IN:ro" -v "$dir:/pbct/render:ro"
    step "cluster: bake node2 with install.sh" cexec "$RUN_ID-cluster-node2" sh /pbct/render/install.sh
    boot_cloud_init "$RUN_ID-cluster-node3" "$base" "$dir/cloud-init.yaml"
    assert_done "$RUN_ID-cluster-node3" "cluster: bake node3 with cloud-init"
}

test_cluster() { # SUITE
    local suite=$1 t_stage base old="$WORK/render-cluster-old" new="$WORK/render-cluster-new" pg_bin n
    t_stage=$(now)
    say "=== $suite cluster: three nodes, three renderings"
    FAIL_HOOK=cl_report
    cl_base "$suite"
    base=$CL_BASE
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --lock "$CL_OLD_LOCK" \
        --set "patroni_version=$CL_OLD_VERSION" --set "patroni_extras=$CL_EXTRAS" --out "$old" 2>/dev/null ||
        fail "cluster: rendering Patroni $CL_OLD_VERSION"
    # The nodes' network namespace has no way out: the upgrade installs
    # from a wheelhouse, as an air-gapped fleet does.
    "$BIN" render --target "$TARGET" --set "patroni_extras=$CL_EXTRAS" --set wheelhouse=/var/cache/patroni-wheelhouse \
        --out "$new" 2>/dev/null || fail "cluster: rendering Patroni $VERSION"
    step "cluster: the wheelhouse of Patroni $VERSION" \
        "$BIN" wheelhouse --target "$TARGET" --set "patroni_extras=$CL_EXTRAS" --out "$WORK/cluster-wheelhouse"
    cl_bake "$base" "$old"
    pg_bin=$(cexec "$RUN_ID-cluster-node2" sh -c 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1')
    CL_NET="pbct-cluster-$$"
    ip netns add "$CL_NET" || fail "cluster: ip netns add $CL_NET"
    ip -n "$CL_NET" link set lo up
    for n in 1 2 3; do
        cl_rootfs "$RUN_ID-cluster-node$n" "$n" "$pg_bin"
        mkdir -p "$WORK/cluster/node$n/etc/patroni-bake-test"
        cp "$CA_BUNDLE" "$WORK/cluster/node$n/etc/patroni-bake-test/ca.pem"
        cp "$new/install.sh" "$WORK/cluster/node$n/root/install-new.sh"
        cp -r "$WORK/cluster-wheelhouse" "$WORK/cluster/node$n/var/cache/patroni-wheelhouse"
    done
    for n in 1 2 3; do cl_start "$n"; done
    for n in 1 2 3; do cl_ready "$n"; done
    pass "cluster: three nodes booted with systemd"
    local endpoints ok=''
    endpoints="http://$(cl_ip 1):2379,http://$(cl_ip 2):2379,http://$(cl_ip 3):2379"
    for _ in $(seq 60); do
        if cl 1 env ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint health >/dev/null 2>&1; then ok=1; break; fi
        sleep 1
    done
    [ -n "$ok" ] || fail "cluster: etcd's three members are not healthy within 60 s"
    pass "cluster: etcd has three healthy members"
    for n in 1 2 3; do
        expect_same "cluster node$n: the unit is installed, not enabled" "$(cl "$n" systemctl is-enabled patroni || true)" disabled
        expect_same "cluster node$n: /etc/patroni is 0700 postgres:postgres" "$(cl "$n" stat -c '%a %U:%G' /etc/patroni)" "700 postgres:postgres"
        cl "$n" systemctl enable --now patroni >/dev/null 2>&1 || fail "cluster node$n: systemctl enable --now patroni"
        [ "$n" -gt 1 ] || cl_wait 120 "node1 leads" "$(cl_is_leader node1)" >/dev/null
    done
    cl_wait 180 "bootstrap (a leader and two streaming replicas, one synchronous)" "$CL_HEALTHY" >/dev/null
    pass "cluster: one leader and two streaming replicas, one of them the synchronous standby"
    local list
    list=$(cl 2 su - postgres -c 'patronictl -c /etc/patroni/patroni.yaml list')
    printf '%s\n' "$list" | sed 's/^/    /'
    for n in 1 2 3; do
        expect_contains "cluster: patronictl (postgres's login shell, no path) lists node$n" "$list" "node$n"
    done
    expect_contains "cluster: ... running Patroni $CL_OLD_VERSION" \
        "$(cl 2 su - postgres -c 'patronictl -c /etc/patroni/patroni.yaml version patroni-bake-cluster')" "Patroni $CL_OLD_VERSION"

    cl_switchover_and_failover
    cl_unit_faults
    cl_rolling_upgrade
    cl_cleanup
    FAIL_HOOK=
    say "$suite cluster stage: $(elapsed "$t_stage")"
}
