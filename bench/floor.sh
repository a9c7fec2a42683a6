#!/bin/sh
# The floor: the bare commands, no checks. Same spec and environment as the
# rendering; what any install must at least spend.
set -eu
cd /
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends pipx >/dev/null
runuser -u postgres -- env -i HOME=/var/lib/postgresql PATH=/usr/bin:/bin \
    PIPX_HOME=/var/lib/postgresql/.local/share/pipx PIPX_BIN_DIR=/var/lib/postgresql/.local/bin \
    PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/patroni-bake-test/ca.pem \
    pipx install 'patroni[etcd,psycopg2-binary]==4.1.5' >/dev/null
