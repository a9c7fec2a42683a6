#!/bin/sh
# Values are single-quoted data by construction, so '$' in them is literal:
# shellcheck disable=SC2016
# Install Patroni on Debian 13 (trixie):
# its patroni package, the systemd unit (not enabled) and the configuration directory.
# Rendered by patroni-bake 0.1.0 from the recipe install_patroni; re-render, don't edit.
#
# Run as root: sh install.sh. Each step is idempotent and prints ok or
# changed; the last line is changed=N, and a second run reports changed=0.
set -eu
umask 022

changed=0
current_step='start'
# A step that changes something it must undo on failure names the undoing
# function here while it runs (the Patroni step: the previous install).
on_failure=''
on_exit() {
    rc=$?
    # A step killed halfway leaves no temporary file behind.
    if [ -n "${tmp:-}" ]; then
        rm -f "$tmp"
    fi
    if [ "$rc" -ne 0 ]; then
        if [ -n "$on_failure" ]; then
            "$on_failure" || true
        fi
        printf 'patroni-bake: step "%s" failed (exit %s); nothing after it ran\n' "$current_step" "$rc" >&2
    fi
}
trap on_exit EXIT
# Killed by a signal, the script still runs on_exit.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# preflight: check prerequisites
step_preflight() {
    # Fail early and clearly when the role's dependencies are not in place.
    if [ "$(id -u)" != 0 ]; then
        echo "patroni-bake: run this as root; it is running as uid $(id -u)" >&2
        exit 1
    fi
    for c in runuser getent mktemp stat grep tail; do
        if ! command -v "$c" >/dev/null 2>&1; then
            echo "patroni-bake: the command $c is missing; it is needed to install Patroni" >&2
            exit 1
        fi
    done
    if ! pw=$(getent passwd postgres); then
        printf 'patroni-bake: the user %s does not exist; create it first (installing PostgreSQL does)\n' \
            postgres >&2
        exit 1
    fi
    if ! getent group postgres >/dev/null; then
        printf 'patroni-bake: the group %s does not exist; create it first\n' postgres >&2
        exit 1
    fi
    pw_home=${pw#*:*:*:*:*:}
    pw_home=${pw_home%%:*}
    if [ "$pw_home" != /var/lib/postgresql ]; then
        printf 'patroni-bake: the home of %s is %s, not %s; render with pg_home=%s\n' \
            postgres "$pw_home" /var/lib/postgresql "$pw_home" >&2
        exit 1
    fi
    if [ ! -d /var/lib/postgresql ]; then
        printf 'patroni-bake: the home directory %s of %s does not exist; create it first\n' \
            /var/lib/postgresql postgres >&2
        exit 1
    fi
    # Commands run as the user must not inherit a working directory it cannot read.
    cd /
    echo 'ok: prerequisites'
}

# packages: install OS packages
step_packages() {
    missing=''
    # shellcheck disable=SC2043 # some targets need one package only
    for p in patroni python3-etcd python3-psycopg2; do
        if [ "$(dpkg-query -W -f="\${Status}" "$p" 2>/dev/null || true)" != 'install ok installed' ]; then
            missing="$missing $p"
        fi
    done
    if [ -z "$missing" ]; then
        echo 'ok: OS packages are installed:' patroni python3-etcd python3-psycopg2
    else
        DEBIAN_FRONTEND=noninteractive \
            apt-get -q -o DPkg::Lock::Timeout=300 -o Acquire::Retries=5 update
        DEBIAN_FRONTEND=noninteractive \
            apt-get -q -o DPkg::Lock::Timeout=300 -o Acquire::Retries=5 \
            -y install --no-install-recommends \
            patroni \
            python3-etcd \
            python3-psycopg2
        # The package enables its unit; installed, not enabled is the end state
        # here. deb-systemd-helper (which runs only on behalf of a package)
        # records it, so that an upgrade does not enable it again.
        case " $missing " in
            *" patroni "*) DPKG_MAINTSCRIPT_PACKAGE=patroni deb-systemd-helper disable patroni.service ;;
        esac
        echo "changed: installed OS packages:$missing"
        changed=$((changed + 1))
    fi
}

# package: check the packaged Patroni
step_package() {
    # The packages step installed Patroni; the package's version must be the
    # one asked for.
    v=$(/usr/bin/patroni --version 2>/dev/null || true)
    if [ "$v" != 'patroni 4.0.7' ]; then
        printf 'patroni-bake: %s reports "%s", not %s: the OS package has another version;\n' \
            /usr/bin/patroni "$v" 'patroni 4.0.7' >&2
        echo 'patroni-bake: render with that patroni_version, or latest' >&2
        exit 1
    fi
    printf 'ok: %s, from the OS package\n' "$v"
}

# unit: install the systemd unit
step_unit() {
    # Root owns the unit: a unit its service user could rewrite would run as root.
    unit_text=$(printf '%s\n' \
        '# Patroni for Debian 13 (trixie): rendered by patroni-bake 0.1.0 (install_patroni).' \
        '# Installed, not enabled: setup_patroni writes the configuration and starts it.' \
        '[Unit]' \
        'Description=Patroni: high availability for PostgreSQL' \
        Documentation=https://patroni.readthedocs.io/ \
        'After=syslog.target network.target' \
        '' \
        '[Service]' \
        Type=simple \
        User=postgres \
        Group=postgres \
        'ExecStart=/usr/bin/patroni /etc/patroni/patroni.yaml' \
        '# sh'\''s own kill: /bin/kill (procps) is not on every image.' \
        'ExecReload=/bin/sh -c '\''kill -s HUP $$MAINPID'\''' \
        '# Only Patroni gets the signal, so that it can stop PostgreSQL gracefully.' \
        KillMode=process \
        TimeoutSec=30 \
        Restart=on-failure \
        '' \
        '[Install]' \
        WantedBy=multi-user.target \
    )
    # Same owner, mode and size, and the same text: the same bytes.
    if [ -f /etc/systemd/system/patroni.service ] && [ ! -L /etc/systemd/system/patroni.service ] &&
        [ "$(stat -c '%U:%G %a %s' /etc/systemd/system/patroni.service)" = 'root:root 644 679' ] &&
        [ "$(cat /etc/systemd/system/patroni.service)" = "$unit_text" ]; then
        printf 'ok: %s\n' /etc/systemd/system/patroni.service
    else
        mkdir -p /etc/systemd/system
        tmp=$(mktemp /etc/systemd/system/.patroni.service.XXXXXX)
        printf '%s\n' "$unit_text" > "$tmp"
        chown root:root "$tmp"
        chmod 0644 "$tmp"
        mv -f "$tmp" /etc/systemd/system/patroni.service
        printf 'changed: %s (not enabled)\n' /etc/systemd/system/patroni.service
        changed=$((changed + 1))
        # Only where systemd runs; a chroot, container or image build has none.
        if [ -d /run/systemd/system ]; then
            systemctl daemon-reload
        fi
    fi
}

# config_dir: create the configuration directory
step_config_dir() {
    if [ -L /etc/patroni ] || { [ -e /etc/patroni ] && [ ! -d /etc/patroni ]; }; then
        printf 'patroni-bake: %s exists and is not a directory; move it away\n' /etc/patroni >&2
        exit 1
    fi
    if [ -d /etc/patroni ] && [ "$(stat -c '%U:%G %a' /etc/patroni)" = 'postgres:postgres 700' ]; then
        printf 'ok: %s\n' /etc/patroni
    else
        mkdir -p /etc/patroni
        chown postgres:postgres /etc/patroni
        chmod 0700 /etc/patroni
        printf 'changed: %s (0700 %s:%s)\n' /etc/patroni postgres postgres
        changed=$((changed + 1))
    fi
}

main() {
    current_step='check prerequisites'
    step_preflight
    current_step='install OS packages'
    step_packages
    current_step='check the packaged Patroni'
    step_package
    current_step='install the systemd unit'
    step_unit
    current_step='create the configuration directory'
    step_config_dir
    echo "changed=$changed"
}

# Called on the last line, so that a truncated download runs nothing.
main "$@"
