#!/bin/sh
# The unlocked floor: plain pipx install, no lock, no checks: what an install
# that lets dependencies float spends (for the cost of the lock).
set -eu
cd /
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends pipx >/dev/null
runuser -u postgres -- env -i HOME=/var/lib/postgresql PATH=/usr/bin:/bin \
    PIPX_HOME=/var/lib/postgresql/.local/share/pipx PIPX_BIN_DIR=/var/lib/postgresql/.local/bin \
    PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/patroni-bake-test/ca.pem \
    pipx install 'patroni[etcd,psycopg2-binary]==4.1.5' >/dev/null
