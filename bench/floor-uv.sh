#!/bin/sh
# The uv floor: the bare commands of a hash-locked uv install of the same
# lock: uv's wheel fetched and checked, a venv, the lock with
# --require-hashes (sdists built with the locked setuptools); no pipx, no
# checks. With "apt", Python first, as on a base without it.
set -eu
cd /
# SPEC, H, P, B, UV_URL, UV_SHA: from the plan (bench/run.sh).
# shellcheck source=/dev/null
. /work/plan.env
if [ "${1:-}" = apt ]; then
    apt-get -q update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends python3 >/dev/null
fi
install -m 0644 /work/shared-requirements.txt /work/patroni-requirements.txt /tmp/
u() {
    runuser -u postgres -- env -i HOME="$H" PATH=/usr/bin:/bin SSL_CERT_FILE=/etc/patroni-bake-test/ca.pem \
        UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never "$@"
}
u python3 -c 'import hashlib, io, sys, urllib.request, zipfile
d = urllib.request.urlopen(sys.argv[1]).read()
assert hashlib.sha256(d).hexdigest() == sys.argv[2]
z = zipfile.ZipFile(io.BytesIO(d))
open("/tmp/uv", "wb").write(z.read([n for n in z.namelist() if n.endswith(".data/scripts/uv")][0]))' "$UV_URL" "$UV_SHA"
chmod 755 /tmp/uv
u /tmp/uv venv --quiet "$P/venvs/patroni"
u env UV_BUILD_CONSTRAINT=/tmp/shared-requirements.txt /tmp/uv pip install --quiet \
    --python "$P/venvs/patroni/bin/python" --require-hashes --no-deps -r /tmp/patroni-requirements.txt
