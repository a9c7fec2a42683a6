#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# make bench: install.sh against the Ansible baseline and the floor, in the
# same base container on this machine; image size and layer caching of the
# Dockerfile fragment; render speed; cloud-init sizes. Writes BENCHMARKS.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=../tests/container/lib.sh
. "$REPO/tests/container/lib.sh"
# shellcheck source=../tests/container/bases.sh
. "$REPO/tests/container/bases.sh"
trap cleanup EXIT

RUNS=${RUNS:-3}
BIN=$REPO/target/release/patroni-bake
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
CA_IN=/etc/patroni-bake-test/ca.pem
ANSIBLE_CORE=ansible-core==2.19.14
OUT=$REPO/BENCHMARKS.md
ROWS=$WORK/rows.md
: >"$ROWS"

ensure_docker
build_bases bookworm
BASE=$(base_image bookworm nodot)

RENDER=$WORK/render
"$BIN" render --target debian-12 --set "ca_bundle=$CA_IN" --out "$RENDER" 2>/dev/null
cp "$REPO/golden/debian-12/patroni.service" "$HERE/playbook.yml" "$HERE/floor.sh" "$HERE/floor-unlocked.sh" "$HERE/floor-uv.sh" "$WORK/"
# The lock of the rendering, for the floor's bare commands: from the plan.
"$BIN" plan --json --target debian-12 --set "ca_bundle=$CA_IN" 2>/dev/null >"$WORK/plan.json"
# installer=uv: the same lock, uv's x86_64 wheel for the uv floor.
"$BIN" render --target debian-12 --set "ca_bundle=$CA_IN" --set installer=uv --out "$WORK/render-uv" 2>/dev/null
"$BIN" plan --json --target debian-12 --set "ca_bundle=$CA_IN" --set installer=uv 2>/dev/null >"$WORK/plan-uv.json"
python3 - "$WORK/plan.json" "$WORK" "$WORK/plan-uv.json" <<'EOF'
import json, shlex, sys
plan = json.load(open(sys.argv[1]))
install = plan["install"]
for name in ("shared", "patroni"):
    lines = [f"{r['name']}=={r['version']} " + " ".join(f"--hash=sha256:{h}" for h in r["hashes"]) for r in install["lock"][name]]
    open(f"{sys.argv[2]}/{name}-requirements.txt", "w").write("\n".join(lines) + "\n")
# The floors and the playbook install the same spec into the same places.
with open(f"{sys.argv[2]}/plan.env", "w") as env:
    uv = json.load(open(sys.argv[3]))["install"]["uv"]["wheels"][0]
    for var, value in (("SPEC", install["spec"]), ("H", plan["paths"]["home"]),
                       ("P", install["paths"]["pipx_home"]), ("B", install["paths"]["bin_dir"]),
                       ("UV_URL", uv["url"]), ("UV_SHA", uv["sha256"])):
        env.write(f"{var}={shlex.quote(value)}\n")
EOF
# shellcheck source=/dev/null
. "$WORK/plan.env"

# One base for all three methods: Python, python3-apt and ansible-core in a
# venv are there before any clock starts.
ctx=$WORK/bench-base
mkdir -p "$ctx"
cp "$CA_BUNDLE" "$ctx/ca.pem"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY ca.pem $CA_IN
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-venv python3-apt >/dev/null \
 && python3 -m venv /opt/ansible && PIP_CERT=$CA_IN /opt/ansible/bin/pip install -q $ANSIBLE_CORE \
 && rm -rf /var/lib/apt/lists/* /root/.cache
DOCKERFILE
BENCH_BASE="patroni-bake-test/run-$RUN_ID-bench-base"
step "bench base (Python, python3-apt, $ANSIBLE_CORE)" timeout 1800 docker build --network host -q --label "$LABEL" -t "$BENCH_BASE" "$ctx"

# timed CONTAINER CMD: milliseconds of CMD inside the container (no docker
# exec overhead); its output is kept in /tmp/bench.out there.
timed() {
    local c=$1
    shift
    # shellcheck disable=SC2016 # expanded by the container's shell
    cexec "$c" sh -c 's=$(date +%s%N); "$@" >/tmp/bench.out 2>&1 || { cat /tmp/bench.out >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))' sh "$@"
}

stats() { # numbers... -> "min / median"
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%d / %d", v[1], v[int((NR + 1) / 2)] }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Becoming postgres, Ansible's module files must be readable outside /root.
ANSIBLE=(env ANSIBLE_SHELL_ALLOW_WORLD_READABLE_TEMP=true ANSIBLE_REMOTE_TMP=/tmp/.ansible-tmp
    ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false
    /opt/ansible/bin/ansible-playbook -i "localhost," -e "patroni_spec=$SPEC pg_home=$H" /work/playbook.yml)
declare -a sh1 sh2 an1 an2 fl flu
sh_changed=''
an_changed=''
for i in $(seq "$RUNS"); do
    for method in shell ansible floor floor-unlocked; do
        c="$RUN_ID-bench-$method-$i"
        start_container "$c" "$BENCH_BASE" -v "$WORK:/work:ro"
        case $method in
            shell)
                ms=$(timed "$c" sh /work/render/install.sh) || fail "install.sh, run $i"
                sh1+=("$ms")
                ms=$(timed "$c" sh /work/render/install.sh) || fail "install.sh again, run $i"
                sh2+=("$ms")
                sh_changed=$(cexec "$c" tail -n 1 /tmp/bench.out)
                ;;
            ansible)
                ms=$(timed "$c" "${ANSIBLE[@]}") || fail "ansible-playbook, run $i"
                an1+=("$ms")
                ms=$(timed "$c" "${ANSIBLE[@]}") || fail "ansible-playbook again, run $i"
                an2+=("$ms")
                an_changed=$(cexec "$c" sh -c "grep -o 'changed=[0-9]*' /tmp/bench.out | head -n 1")
                ;;
            floor)
                ms=$(timed "$c" sh /work/floor.sh) || fail "floor, run $i"
                fl+=("$ms")
                ;;
            floor-unlocked)
                ms=$(timed "$c" sh /work/floor-unlocked.sh) || fail "unlocked floor, run $i"
                flu+=("$ms")
                ;;
        esac
        say "run $i $method: done"
        docker rm -f "$c" >/dev/null
    done
done

verdict() { if awk -v r="$1" -v g="$2" 'BEGIN { exit !(r '"$3"' g) }'; then echo "met"; else echo "MISSED"; fi; }
r_floor=$(ratio "$(median "${sh1[@]}")" "$(median "${fl[@]}")")
r_ansible=$(ratio "$(median "${an1[@]}")" "$(median "${sh1[@]}")")
r_noop=$(ratio "$(median "${an2[@]}")" "$(median "${sh2[@]}")")
{
    echo "| first install: install.sh | $(stats "${sh1[@]}") ms | $r_floor x floor; goal <= 1.05: $(verdict "$r_floor" 1.05 '<=') |"
    echo "| first install: Ansible playbook | $(stats "${an1[@]}") ms | install.sh is $r_ansible x faster; goal > 1: $(verdict "$r_ansible" 1 '>') |"
    echo "| first install: floor (bare commands of the locked install) | $(stats "${fl[@]}") ms | |"
    echo "| first install: unlocked floor (plain pipx install) | $(stats "${flu[@]}") ms | locked floor / unlocked floor: $(ratio "$(median "${fl[@]}")" "$(median "${flu[@]}")") x |"
    echo "| no-op re-run: install.sh | $(stats "${sh2[@]}") ms | $sh_changed; goal < 100 ms: $(verdict "$(median "${sh2[@]}")" 100 '<') |"
    echo "| no-op re-run: Ansible playbook | $(stats "${an2[@]}") ms | $an_changed; install.sh $r_noop x faster; goal >= 20: $(verdict "$r_noop" 20 '>=') |"
} >>"$ROWS"

# Image size: what the fragment adds, against the floor's venv and pipx.
# installer=uv on the same bases: with Python (the bench base) and without
# (the minbase with the postgres user), against the pip floor and a uv floor.
declare -a uvp uvn uvp2 ufp ufn
for i in $(seq "$RUNS"); do
    for method in uv-python uv-nopython floor-uv-python floor-uv-nopython; do
        c="$RUN_ID-bench-$method-$i"
        case $method in
            *-nopython) start_container "$c" "$BASE" -v "$WORK:/work:ro" -v "$CA_BUNDLE:$CA_IN:ro" ;;
            *) start_container "$c" "$BENCH_BASE" -v "$WORK:/work:ro" ;;
        esac
        case $method in
            uv-python)
                uvp+=("$(timed "$c" sh /work/render-uv/install.sh)") || fail "uv install.sh, run $i"
                uvp2+=("$(timed "$c" sh /work/render-uv/install.sh)") || fail "uv install.sh again, run $i"
                uv_changed=$(cexec "$c" tail -n 1 /tmp/bench.out)
                ;;
            uv-nopython) uvn+=("$(timed "$c" sh /work/render-uv/install.sh)") || fail "uv install.sh without Python, run $i" ;;
            floor-uv-python) ufp+=("$(timed "$c" sh /work/floor-uv.sh)") || fail "uv floor, run $i" ;;
            floor-uv-nopython) ufn+=("$(timed "$c" sh /work/floor-uv.sh apt)") || fail "uv floor with apt, run $i" ;;
        esac
        say "run $i $method: done"
        docker rm -f "$c" >/dev/null
    done
done
fl_m=$(median "${fl[@]}")
r_uvp=$(ratio "$(median "${uvp[@]}")" "$fl_m")
r_uvn=$(ratio "$(median "${uvn[@]}")" "$fl_m")
{
    echo "| first install, installer=uv, base with Python | $(stats "${uvp[@]}") ms | $r_uvp x pip floor, goal <= 0.25: $(verdict "$r_uvp" 0.25 '<='); $(ratio "$(median "${uvp[@]}")" "$(median "${ufp[@]}")") x uv floor, goal <= 1.05: $(verdict "$(ratio "$(median "${uvp[@]}")" "$(median "${ufp[@]}")")" 1.05 '<=') |"
    echo "| first install, installer=uv, base without Python | $(stats "${uvn[@]}") ms | $r_uvn x pip floor, goal <= 0.5: $(verdict "$r_uvn" 0.5 '<='); $(ratio "$(median "${uvn[@]}")" "$(median "${ufn[@]}")") x uv floor, goal <= 1.05: $(verdict "$(ratio "$(median "${uvn[@]}")" "$(median "${ufn[@]}")")" 1.05 '<=') |"
    echo "| first install: uv floor, base with Python (bench/floor-uv.sh) | $(stats "${ufp[@]}") ms | |"
    echo "| first install: uv floor, base without Python (apt python3 first) | $(stats "${ufn[@]}") ms | |"
    echo "| no-op re-run: install.sh, installer=uv | $(stats "${uvp2[@]}") ms | $uv_changed; goal < 50 ms: $(verdict "$(median "${uvp2[@]}")" 50 '<') |"
} >>"$ROWS"

# The cluster stage of the container suite (three baked nodes): its
# switchover, failover and rolling-upgrade measurements.
step "cluster stage (tests/container/run.sh, STAGES=cluster)" env CLUSTER_METRICS="$WORK/cluster.md" STAGES=cluster \
    "$REPO/tests/container/run.sh" --suites bookworm
cat "$WORK/cluster.md" >>"$ROWS"

img_ctx() { # NAME BODY_FILE
    local d=$WORK/img-$1
    mkdir -p "$d"
    cp "$CA_BUNDLE" "$d/ca.pem"
    { printf 'FROM %s\nCOPY ca.pem %s\n' "$BASE" "$CA_IN"; cat "$2"; } >"$d/Dockerfile"
    echo "$d"
}
cat >"$WORK/floor.dockerfile" <<'DOCKERFILE'
RUN apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends pipx \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log /var/cache/debconf/*-old /var/cache/ldconfig/aux-cache
RUN cd / && runuser -u postgres -- env -i HOME=@H@ PATH=/usr/bin:/bin \
      PIPX_HOME=@P@ PIPX_BIN_DIR=@B@ \
      PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/patroni-bake-test/ca.pem pipx install '@SPEC@' \
 && rm -rf @P@/logs @P@/.cache @H@/.cache
DOCKERFILE
sed -i -e "s|@H@|$H|g" -e "s|@P@|$P|g" -e "s|@B@|$B|g" -e "s|@SPEC@|$SPEC|g" "$WORK/floor.dockerfile"
size() { docker image inspect -f '{{.Size}}' "$1"; }
base_ca="patroni-bake-test/run-$RUN_ID-base-ca"
printf 'FROM %s\nCOPY ca.pem %s\n' "$BASE" "$CA_IN" >"$WORK/empty.dockerfile"
: >"$WORK/nothing"
step "image: base + CA" docker build --network host -q --label "$LABEL" -t "$base_ca" "$(img_ctx base "$WORK/nothing")"
step "image: fragment" docker build --network host --label "$LABEL" -t "patroni-bake-test/run-$RUN_ID-fragment" "$(img_ctx fragment "$RENDER/Dockerfile")"
step "image: floor" docker build --network host -q --label "$LABEL" -t "patroni-bake-test/run-$RUN_ID-floor" "$(img_ctx floor "$WORK/floor.dockerfile")"
b=$(size "$base_ca")
frag=$(( $(size "patroni-bake-test/run-$RUN_ID-fragment") - b ))
floor=$(( $(size "patroni-bake-test/run-$RUN_ID-floor") - b ))
r_size=$(ratio "$frag" "$floor")
echo "| image bytes added: Dockerfile fragment | $frag B | $r_size x floor; goal <= 1.05: $(verdict "$r_size" 1.05 '<=') |" >>"$ROWS"
echo "| image bytes added: floor (pipx + venv, no caches) | $floor B | |" >>"$ROWS"
step "image: fragment, installer=uv" docker build --network host -q --label "$LABEL" -t "patroni-bake-test/run-$RUN_ID-fragment-uv" "$(img_ctx fragment-uv "$WORK/render-uv/Dockerfile")"
frag_uv=$(( $(size "patroni-bake-test/run-$RUN_ID-fragment-uv") - b ))
echo "| image bytes added: Dockerfile fragment, installer=uv | $frag_uv B | $(ratio "$frag_uv" "$frag") x the pip fragment |" >>"$ROWS"

# Rebuild after a change to one parameter: which RUN steps ran again.
"$BIN" render --target debian-12 --set "ca_bundle=$CA_IN" --set patroni_config_dir=/etc/patroni-alt --out "$WORK/render-alt" 2>/dev/null
alt=$(img_ctx alt "$WORK/render-alt/Dockerfile")
# The classic builder's log says which steps ran ("Running in") or were cached.
DOCKER_BUILDKIT=0 docker build --network host --label "$LABEL" -t "patroni-bake-test/run-$RUN_ID-alt" "$alt" >"$WORK/rebuild.log" 2>&1 || { cat "$WORK/rebuild.log" >&2; fail "rebuild"; }
# The n-th RUN of the log is the n-th step of the fragment.
ids=$(grep -o '^# [a-z_]*:' "$WORK/render-alt/Dockerfile" | tr -d '#:' | tr '\n' ' ')
# steps_with PATTERN: the fragment steps whose RUN log shows PATTERN.
steps_with() {
    awk -v ids="$ids" -v pat="$1" '
        BEGIN { split(ids, id, " ") }
        /^Step [0-9]+\/[0-9]+ : / { run = ($4 == "RUN"); if (run) k++ }
        $0 ~ pat && run { printf "%s ", id[k]; run = 0 }' "$WORK/rebuild.log"
}
ran=$(steps_with 'Running in')
cached=$(steps_with 'Using cache')
echo "| rebuild after patroni_config_dir changes | rebuilt: ${ran:-none} | from cache: ${cached:-none} |" >>"$ROWS"

# Render speed.
cargo bench --quiet --manifest-path "$REPO/Cargo.toml" --bench render 2>/dev/null | grep '^|' | sed 's/^| /| render: /' >>"$ROWS"
declare -a cli
for _ in $(seq 10); do
    s=$(date +%s%N)
    "$BIN" render --target debian-12 >/dev/null
    cli+=($(( ($(date +%s%N) - s) / 1000 )))
done
echo "| render: one CLI invocation (install.sh to stdout) | $(stats "${cli[@]}") us | 10 runs |" >>"$ROWS"

# cloud-init sizes.
for d in "$REPO"/golden/*/; do
    n=$(wc -c <"$d/cloud-init.yaml")
    echo "| cloud-init.yaml: $(basename "$d") | $n B | $(ratio "$n" 16384) of the 16 KiB EC2 limit |" >>"$ROWS"
done

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` on $(date -u +%Y-%m-%d): $(uname -srm), $(nproc) cores,"
    echo "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM."
    echo "Installs run in one Debian 12 base container (debootstrap minbase, postgres user,"
    echo "Python, python3-apt and $ANSIBLE_CORE preinstalled), $RUNS runs each, from PyPI"
    echo "through this machine's proxy; times are min / median. Ratios compare medians."
    echo
    echo "| measure | value | comparison |"
    echo "|---|---|---|"
    cat "$ROWS"
    echo
    echo "Baselines: the Ansible playbook is bench/playbook.yml (the role's tasks, the same"
    echo "pinned spec); the floor is bench/floor.sh (apt-get install pipx, then the locked"
    echo "install's bare commands: shared venv with the locked pip, pip download --require-hashes,"
    echo "pipx install from the downloads; no checks), and bench/floor-unlocked.sh a plain"
    echo "pipx install (what letting dependencies float would cost). The image floor is the"
    echo "unlocked one. The no-op re-run of install.sh compares the venv and pipx's shared"
    echo "libraries with the lock by their dist-info names, without starting Python;"
    echo "patroni --version runs once, after an install. installer=uv runs on the same"
    echo "base (Python there) and on the minbase without Python; its floor is bench/floor-uv.sh"
    echo "(uv's wheel fetched and hash-checked, uv venv, uv pip install --require-hashes of the"
    echo "same lock; no pipx, no checks)."
} >"$OUT"
cat "$OUT"
