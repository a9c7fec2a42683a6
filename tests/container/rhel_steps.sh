#!/usr/bin/env bash
# The RHEL steps on a Debian userland. No RHEL image can be had here, but
# the RHEL renderings' own steps can run: a Debian base with the target's
# Python (bookworm's 3.11 for rhel-8, as AppStream's python3.11; bullseye's
# 3.9 for rhel-9, as its python3), a postgres user as PGDG's packages make
# it (home /var/lib/pgsql, 0700, with a .bash_profile), and dnf/rpm
# stand-ins that install each named EL package from its Debian equivalents
# and answer queries truthfully. install.sh and a second run must reach the
# RHEL end state: pipx from pip as the user, the locked venv for that
# Python, the unit, the config dir, the PATH blocks.
# It does not prove dnf itself, SELinux, or the real EL packages' paths.

# Its base images are cached under a key of this file's content too (the
# stand-ins are written here).
RHEL_STEPS_KEY=$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)

# The stand-ins, written into a build context.
write_rhel_stand_ins() { # DIR
    cat >"$1/rhel-names" <<'EOF'
# The Debian packages that stand in for an EL package, or an error.
debian_names() {
    for name in "$@"; do
        case $name in
            python3-pip) echo python3-pip python3-venv ;;
            python3.11) echo python3.11 python3.11-venv ;;
            python3.11-pip) echo python3-pip ;;
            *) echo "rhel stand-in: no Debian equivalent for the EL package $name" >&2; exit 1 ;;
        esac
    done
}
EOF
    cat >"$1/dnf" <<'EOF'
#!/bin/sh
# dnf stand-in: `dnf [-q] [-y] [--setopt=...] install NAME...` installs the
# Debian equivalents of each EL package with apt.
set -eu
. /usr/local/lib/patroni-bake-test/rhel-names
while [ $# -gt 0 ]; do
    case $1 in
        -q | -y | --setopt=*) shift ;;
        install) shift; break ;;
        *) echo "dnf stand-in: unsupported argument $1" >&2; exit 1 ;;
    esac
done
[ $# -gt 0 ] || { echo "dnf stand-in: install needs package names" >&2; exit 1; }
pkgs=$(debian_names "$@")
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
rm -rf /var/lib/apt/lists/*
# EL's Pythons carry no PEP 668 marker: pip install --user works there.
rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
EOF
    cat >"$1/rpm" <<'EOF'
#!/bin/sh
# rpm stand-in: `rpm -q [--quiet] NAME...` exits 0 when the Debian
# equivalents of every EL package are installed, 1 otherwise.
set -eu
. /usr/local/lib/patroni-bake-test/rhel-names
quiet=
[ "${1:-}" = -q ] || { echo "rpm stand-in: only -q is supported" >&2; exit 1; }
shift
if [ "${1:-}" = --quiet ]; then quiet=1; shift; fi
rc=0
for name in "$@"; do
    for deb in $(debian_names "$name"); do
        if ! dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed'; then
            [ -n "$quiet" ] || echo "package $name is not installed"
            rc=1
        fi
    done
done
exit "$rc"
EOF
}

test_rhel_steps() { # TARGET SUITE
    local target=$1 suite=$2 t0
    t0=$(now)
    say "=== the $target steps on a Debian userland ($suite)"
    ensure_rootfs "$suite"
    local base="patroni-bake-test/base:$suite-rhel-steps-$BASES_KEY-$RHEL_STEPS_KEY" ctx="$WORK/base-ctx-$suite-rhel"
    if ! docker image inspect "$base" >/dev/null 2>&1; then
        mkdir -p "$ctx"
        write_rhel_stand_ins "$ctx"
        # PGDG's postgresql-server: a system user with home /var/lib/pgsql
        # (0700) holding a .bash_profile. (The dnf stand-in removes the PEP
        # 668 marker of the Pythons it installs: EL's have none.)
        cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $(rootfs_image "$suite")
COPY rhel-names /usr/local/lib/patroni-bake-test/rhel-names
COPY dnf rpm /usr/local/bin/
RUN chmod 0755 /usr/local/bin/dnf /usr/local/bin/rpm \
 && useradd --system --user-group --home-dir /var/lib/pgsql --no-create-home \
      --shell /bin/bash --comment 'PostgreSQL Server' postgres \
 && install -d -o postgres -g postgres -m 0700 /var/lib/pgsql \
 && printf '%s\n' '[ -f /etc/profile ] && . /etc/profile' 'PGDATA=/var/lib/pgsql/data' 'export PGDATA' \
      > /var/lib/pgsql/.bash_profile \
 && chown postgres:postgres /var/lib/pgsql/.bash_profile
DOCKERFILE
        step "build base $suite-rhel-steps" timeout 900 docker build --network host -q -t "$base" "$ctx"
    fi
    use_target "$target"
    test_shell "$suite-$target" pgdg "$base"
    local c="$RUN_ID-$suite-$target-pgdg-shell" python pipx
    python=$(plan_field python)
    pipx=$(plan_field pipx_version)
    expect_same "$target steps: pipx $pipx from pip, as the user ($python -m pipx)" \
        "$(cexec "$c" runuser -u "$USER_" -- env -i HOME="$HOME_" PATH=/usr/bin:/bin "$python" -m pipx --version)" "$pipx"
    expect_contains "$target steps: the PATH block is in the .bash_profile PGDG ships" \
        "$(cexec "$c" cat "$HOME_/.bash_profile")" "# patroni-bake"
    # shellcheck disable=SC2046 # one word per package
    expect_same "$target steps: the stand-in rpm reports the target's packages installed" \
        "$(cexec "$c" rpm -q $(plan_field os_packages) && echo yes)" yes
    local out rc=0
    out=$(cexec "$c" sh /pbct/render/install.sh --check 2>&1) || rc=$?
    expect_same "$target steps: --check on the installed host is converged" "$rc $(printf '%s\n' "$out" | tail -n 1)" "0 would_change=0"
    cexec "$c" chmod 0755 "$CONF"
    rc=0
    out=$(cexec "$c" sh /pbct/render/install.sh --check 2>&1) || rc=$?
    expect_same "$target steps: --check names a 0755 config dir (exit 3)" \
        "$rc $(printf '%s\n' "$out" | grep '^would change')" "3 would change: $CONF (0700 postgres:postgres): it is postgres:postgres 755"
    cexec "$c" chmod 0700 "$CONF"
    say "$target steps stage: $(elapsed "$t0")"
}
