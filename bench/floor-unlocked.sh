#!/bin/sh
# The unlocked floor: plain pipx install, no lock, no checks: what an install
# that lets dependencies float spends (for the cost of the lock).
set -eu
cd /
# SPEC, H (home), P (PIPX_HOME), B (bin dir): from the plan (bench/run.sh).
# shellcheck source=/dev/null
. /work/plan.env
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends pipx >/dev/null
runuser -u postgres -- env -i HOME="$H" PATH=/usr/bin:/bin \
    PIPX_HOME="$P" PIPX_BIN_DIR="$B" \
    PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/patroni-bake-test/ca.pem \
    pipx install "$SPEC" >/dev/null
