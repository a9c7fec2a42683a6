#!/bin/sh
# The floor: the bare commands of a locked install, no checks. Same spec,
# lock and environment as the rendering; what it must at least spend.
set -eu
cd /
# SPEC, H (home), P (PIPX_HOME), B (bin dir): from the plan (bench/run.sh).
# shellcheck source=/dev/null
. /work/plan.env
apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends pipx >/dev/null
install -m 0644 /work/shared-requirements.txt /work/patroni-requirements.txt /tmp/
u() {
    runuser -u postgres -- env -i HOME="$H" PATH=/usr/bin:/bin PIPX_HOME="$P" PIPX_BIN_DIR="$B" \
        PIPX_DISABLE_SHARED_LIBS_AUTO_UPGRADE=1 PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/patroni-bake-test/ca.pem "$@"
}
u mkdir -p "$P"
u python3 -m venv "$P/shared"
u "$P/shared/bin/python" -m pip install -q --require-hashes --no-deps -r /tmp/shared-requirements.txt
u "$P/shared/bin/python" -m pip download -q --require-hashes --no-deps --no-build-isolation -r /tmp/patroni-requirements.txt -d /tmp/dl
u env PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/dl PIP_NO_BUILD_ISOLATION=0 pipx install "$SPEC" >/dev/null
