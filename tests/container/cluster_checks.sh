#!/usr/bin/env bash
# The cluster stage's checks (cluster.sh boots the nodes): switchover and
# failover, the unit under faults, and the rolling upgrade under a writer.

cl_write_rows() { # LEADER FROM TO
    cl_sql "$1" "insert into t select generate_series($2, $3)" >/dev/null || fail "cluster: writing rows $2..$3 on $1"
}

cl_count() { cl_sql "$1" "select count(*) from t"; }

# The synchronous standby (synchronous_mode: the only member a switchover
# or a failover may promote).
cl_sync() { cl_state | awk '$2 == "Sync-Standby" { print $1; exit }'; }

cl_switchover_and_failover() {
    local leader cand took t0 n
    leader=$(cl_leader)
    n=${leader#node}
    cl_sql "$n" 'create table t (id int primary key)' >/dev/null
    cl_write_rows "$n" 1 1000
    # synchronous_mode: only the synchronous standby may take over.
    cand=$(cl_sync)
    t0=$(now)
    cl "$n" runuser -u postgres -- "$BIN_DIR/patronictl" -c /etc/patroni/patroni.yaml \
        switchover --leader "$leader" --candidate "$cand" --force >/dev/null || fail "cluster: patronictl switchover"
    cl_wait 60 "switchover to $cand" "$(cl_is_leader "$cand")" >/dev/null
    took=$(elapsed "$t0")
    pass "cluster: switchover from $leader to $cand in $took"
    cl_metric "switchover (patronictl switchover until the candidate leads)" "$took" "ttl $CL_TTL s, loop_wait $CL_LOOP_WAIT s"
    expect_same "cluster: every row written before the switchover is on the new leader" "$(cl_count "${cand#node}")" 1000
    cl_wait 120 "the old leader streaming again" "$CL_HEALTHY" >/dev/null

    # Failover: the leader's machine killed outright, after 1000 more commits.
    leader=$(cl_leader)
    n=${leader#node}
    cl_write_rows "$n" 1001 2000
    cl_kill_machine "$n"
    t0=$(now)
    cl_wait $((CL_TTL + CL_LOOP_WAIT + CL_FAILOVER_MARGIN)) "failover after $leader's machine was killed" \
        "\$1 != \"$leader\" && \$2 == \"Leader\" && \$3 == \"running\" { f = 1 } END { exit !f }" >/dev/null
    took=$(elapsed "$t0")
    local new
    new=$(cl_leader)
    pass "cluster: $new leads $took after $leader's machine was killed (limit ttl + loop_wait + $CL_FAILOVER_MARGIN s = $((CL_TTL + CL_LOOP_WAIT + CL_FAILOVER_MARGIN)) s)"
    cl_metric "failover (leader's machine killed until a replica leads)" "$took" "ttl + loop_wait = $((CL_TTL + CL_LOOP_WAIT)) s"
    expect_same "cluster: synchronous_mode: every committed row is on the new leader" "$(cl_count "${new#node}")" 2000
    cl_start "$n"
    cl_ready "$n"
    cl_wait 240 "$leader rejoining after its machine restarts" "$CL_HEALTHY" >/dev/null
    pass "cluster: $leader rebooted and rejoined as a streaming replica"
}

# Our unit on a replica: a stop leaves no PostgreSQL and takes less than
# TimeoutSec; a start rejoins; SIGKILL of Patroni alone is restarted by
# systemd, which leaves PostgreSQL running (KillMode=process) for the new
# Patroni to pick up.
cl_unit_faults() {
    local leader r n t0 took limit pm nr
    leader=$(cl_leader)
    r=$(cl_state | awk -v l="$leader" '$1 != l { print $1; exit }')
    n=${r#node}
    limit=$(cl "$n" systemctl show -p TimeoutStopUSec --value patroni)
    t0=$(now)
    cl "$n" systemctl stop patroni || fail "cluster $r: systemctl stop patroni"
    took=$(elapsed "$t0")
    expect_same "cluster $r: systemctl stop patroni leaves no PostgreSQL process" "$(cl_postgres_procs "$n")" 0
    if awk -v t="${took%s}" -v l="${limit%s}" 'BEGIN { exit !(t < l) }'; then
        pass "cluster $r: the stop took $took, under TimeoutSec ($limit)"
    else
        fail "cluster $r: the stop took $took, not under TimeoutSec ($limit)"
    fi
    cl_metric "systemctl stop patroni on a replica" "$took" "TimeoutSec $limit"
    cl "$n" systemctl start patroni || fail "cluster $r: systemctl start patroni"
    cl_wait 120 "$r streaming again after systemctl start" "$(cl_is_replica "$r")" >/dev/null
    pass "cluster $r: systemctl start rejoins as a streaming replica"

    cl_write_rows "${leader#node}" 2001 2100
    pm=$(cl "$n" head -n 1 /var/lib/postgresql/patroni-data/postmaster.pid)
    nr=$(cl "$n" systemctl show -p NRestarts --value patroni)
    cl "$n" systemctl kill -s KILL --kill-who=main patroni
    local ok=''
    for _ in $(seq 60); do
        if [ "$(cl "$n" systemctl show -p NRestarts --value patroni)" -gt "$nr" ] &&
            [ "$(cl "$n" systemctl is-active patroni || true)" = active ]; then ok=1; break; fi
        sleep 0.5
    done
    [ -n "$ok" ] || fail "cluster $r: systemd did not restart Patroni after SIGKILL (Restart=on-failure)"
    pass "cluster $r: SIGKILL of Patroni: systemd restarted it (Restart=on-failure)"
    cl_wait 120 "$r streaming after Patroni's restart" "$(cl_is_replica "$r")" >/dev/null
    expect_same "cluster $r: ... its PostgreSQL kept running and was picked up (same postmaster)" \
        "$(cl "$n" head -n 1 /var/lib/postgresql/patroni-data/postmaster.pid)" "$pm"
    local want
    want=$(cl_count "${leader#node}")
    for _ in $(seq 20); do
        [ "$(cl_count "$n")" = "$want" ] && break
        sleep 0.5
    done
    expect_same "cluster $r: ... with its data (the leader's rows)" "$(cl_count "$n")" "$want"
}

# A writer on node W: one committed insert every 0.1 s through a
# connection string that finds the leader; ok/fail lines with timestamps.
cl_start_writer() { # W
    local w=$1 conn
    conn="host=$(cl_ip 1),$(cl_ip 2),$(cl_ip 3) dbname=postgres user=postgres target_session_attrs=read-write connect_timeout=2"
    cl_sql "$(cl_leader | sed 's/node//')" 'create table w (id int primary key, at timestamptz default now())' >/dev/null
    cl "$w" rm -f /tmp/stop-writer
    # shellcheck disable=SC2016 # expanded by the node's shell
    cl "$w" runuser -u postgres -- sh -c 'i=0
        while [ ! -e /tmp/stop-writer ] && [ "$i" -lt 6000 ]; do
            i=$((i + 1))
            if psql -X -q "$1" -c "insert into w (id) values ($i)" >/dev/null 2>&1; then r=ok; else r=fail; fi
            echo "$r $i $(date +%s%N)"
            sleep 0.1
        done' sh "$conn" >"$WORK/cluster/writer.log" 2>&1 &
    CL_WRITER=$!
}

# Re-running the newer rendering on nodes that serve, then the operator's
# order: replicas first (stop, install, start), a switchover, the old leader.
cl_rolling_upgrade() {
    local leader n r t0 took out w
    cl_wait 120 "a healthy cluster before the upgrade" "$CL_HEALTHY" >/dev/null
    leader=$(cl_leader)
    w=$(cl_state | awk -v l="$leader" '$1 != l { print substr($1, 5); exit }')
    cl_start_writer "$w"
    sleep 3
    t0=$(now)
    for n in 1 2 3; do
        if out=$(cl "$n" sh /root/install-new.sh 2>&1); then
            printf '%s\n' "$out" >&2
            fail "cluster node$n: install.sh replaced the venv under a running Patroni"
        fi
        expect_contains "cluster node$n: install.sh under a serving Patroni changes nothing and says why" "$out" \
            "Patroni is running from $PIPX_HOME_/venvs/patroni"
        expect_contains "cluster node$n: ... and what the operator does next" "$out" "systemctl stop patroni, run this script, systemctl start patroni"
    done
    expect_same "cluster: the refused installs caused no failover" "$(cl_leader)" "$leader"
    for r in $(cl_state | awk -v l="$leader" '$1 != l { print $1 }'); do
        n=${r#node}
        cl "$n" systemctl stop patroni
        step "cluster $r: install.sh of Patroni $VERSION (Patroni stopped)" cl "$n" sh /root/install-new.sh
        cl "$n" systemctl start patroni
        cl_wait 120 "$r streaming on $VERSION" "$(cl_is_replica "$r")" >/dev/null
        pass "cluster $r: upgraded and streaming"
    done
    local cand
    cl_wait 60 "a synchronous standby on $VERSION" "$CL_HEALTHY" >/dev/null
    cand=$(cl_sync)
    cl "${leader#node}" runuser -u postgres -- "$BIN_DIR/patronictl" -c /etc/patroni/patroni.yaml \
        switchover --leader "$leader" --candidate "$cand" --force >/dev/null || fail "cluster: switchover to $cand"
    cl_wait 60 "switchover to the upgraded $cand" "$(cl_is_leader "$cand")" >/dev/null
    n=${leader#node}
    cl "$n" systemctl stop patroni
    step "cluster $leader: install.sh of Patroni $VERSION (the old leader, stopped)" cl "$n" sh /root/install-new.sh
    cl "$n" systemctl start patroni
    cl_wait 180 "all three on $VERSION, healthy" "$CL_HEALTHY" >/dev/null
    took=$(elapsed "$t0")
    cl "$w" touch /tmp/stop-writer
    wait "$CL_WRITER" || true
    CL_WRITER=
    pass "cluster: rolling upgrade to $VERSION in $took"
    out=$(cl 1 su - postgres -c 'patronictl -c /etc/patroni/patroni.yaml version patroni-bake-cluster')
    printf '%s\n' "$out" | sed 's/^/    /'
    expect_same "cluster: patronictl version shows $VERSION on every member" \
        "$(printf '%s\n' "$out" | grep -c "Patroni $VERSION")" 3
    # Every insert the writer saw committed is in the table; the longest
    # gap between two commits is the longest write interruption.
    local oks gap lost leader_now
    leader_now=$(cl_leader)
    oks=$(awk '$1 == "ok" { print $2 }' "$WORK/cluster/writer.log" | paste -sd, -)
    [ -n "$oks" ] || fail "cluster: the writer committed nothing"
    lost=$(cl_sql "${leader_now#node}" "select count(*) from unnest(array[$oks]) as a(id) where id not in (select id from w)")
    expect_same "cluster: no row the writer saw committed was lost ($(awk '$1 == "ok"' "$WORK/cluster/writer.log" | wc -l) commits, $(awk '$1 == "fail"' "$WORK/cluster/writer.log" | wc -l) refused)" "$lost" 0
    gap=$(awk '$1 == "ok" { if (p) { d = ($3 - p) / 1e9; if (d > m) m = d } p = $3 } END { printf "%.1fs", m }' "$WORK/cluster/writer.log")
    cl_metric "rolling upgrade $CL_OLD_VERSION to $VERSION (refused installs, 2 replicas, switchover, old leader)" "$took" "writer: one insert per 0.1 s"
    cl_metric "longest write interruption during the rolling upgrade" "$gap" "between two committed inserts"
}
