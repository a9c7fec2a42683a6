#!/bin/sh
# Values are single-quoted data by construction, so '$' in them is literal:
# shellcheck disable=SC2016
# Install Patroni on RHEL 9 and rebuilds:
# pipx as postgres, the systemd unit (not enabled) and the configuration directory.
# Rendered by patroni-bake 0.1.0 from the recipe install_patroni; re-render, don't edit.
#
# Run as root: sh install.sh. Each step is idempotent and prints ok or
# changed; the last line is changed=N, and a second run reports changed=0.
# sh install.sh --check [--diff] changes nothing: each step prints ok or
# would change (what and why; --diff: the texts it would write, as unified
# diffs), and the last line is would_change=N. Exit codes: 0 installed, or
# converged; 3 (--check) something would change; 2 a wrong argument; 1
# anything else failed (--check: could not check). cloud-init's copy of
# this script only installs: it has no check mode.
set -eu
umask 022

changed=0
current_step='start'
# install, or check (nothing is written); with check, show_diff=yes prints
# the diffs.
mode=install
show_diff=no
# One install at a time: an install holds this file's lock (exclusive), a
# check a shared one. The kernel drops a lock with its holder, so the file
# of a run killed outright blocks nobody; a run removes it when it ends.
lock_file=/run/patroni-bake.lock
lock_held=no
# Set once the check's last line is printed: its exit 3 is the answer,
# every other failure of a check is "could not check" (1).
checked=no
# A step that changes something it must undo on failure names the undoing
# function here while it runs (the Patroni step: the previous install).
on_failure=''
on_exit() {
    rc=$?
    # A step killed halfway leaves no temporary file behind.
    if [ -n "${tmp:-}" ]; then
        rm -f "$tmp"
    fi
    if [ "$rc" -ne 0 ] && [ "$checked" = no ]; then
        if [ -n "$on_failure" ]; then
            "$on_failure" || true
        fi
        printf 'patroni-bake: step "%s" failed (exit %s); nothing after it ran\n' "$current_step" "$rc" >&2
    fi
    # Removed while held, so that a waiter that gets this file's lock after
    # us sees it is gone (take_lock) and locks the next one.
    if [ "$lock_held" = yes ] && [ "$mode" = install ]; then
        rm -f "$lock_file"
    fi
    if [ "$rc" -ne 0 ] && [ "$mode" = check ] && [ "$checked" = no ]; then
        exit 1
    fi
}
trap on_exit EXIT
# Killed by a signal, the script still runs on_exit.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# (cloud-init's copy has the install's line only: it takes no argument.)
usage() {
    echo 'usage: sh install.sh [--check [--diff]]'
    echo '  (none)          install; exit 0, or 1 when a step failed'
    echo '  --check         change nothing, print what would change; exit 0 converged,'
    echo '                  3 something would change, 1 could not check'
    echo '  --check --diff  the same, with unified diffs of the texts it would write'
}

# A wrong argument changes nothing and is no failed step: exit 2.
parse_args() {
    for a in "$@"; do
        case $a in
            --check) mode=check ;;
            --diff) show_diff=yes ;;
            -h | --help) usage; trap - EXIT; exit 0 ;;
            *)
                printf 'patroni-bake: unknown argument "%s"\n' "$a" >&2
                usage >&2
                trap - EXIT
                exit 2
                ;;
        esac
    done
    if [ "$show_diff" = yes ] && [ "$mode" != check ]; then
        echo 'patroni-bake: --diff shows what --check finds, so it needs --check: sh install.sh --check --diff' >&2
        usage >&2
        trap - EXIT
        exit 2
    fi
}

# Wait for an install (or, for an install, a check) that runs already, at
# most 600 s, naming the pid that holds the lock; then hold it to the end.
# A check writes nothing: it only waits where the lock file exists.
take_lock() {
    if ! command -v flock >/dev/null 2>&1; then
        echo 'patroni-bake: the command flock (util-linux) is missing; it keeps two installs apart' >&2
        exit 1
    fi
    while :; do
        if [ "$mode" = check ]; then
            [ -e "$lock_file" ] || return 0
            exec 9<"$lock_file"
            how=-s
        else
            exec 9>>"$lock_file"
            how=-x
        fi
        if ! flock -n "$how" 9; then
            printf 'patroni-bake: waiting (at most 600 s) for install.sh, pid %s, which holds %s\n' \
                "$(cat "$lock_file" 2>/dev/null || true)" "$lock_file" >&2
            if ! flock -w 600 "$how" 9; then
                printf 'patroni-bake: gave up after 600 s: pid %s still holds %s\n' \
                    "$(cat "$lock_file" 2>/dev/null || true)" "$lock_file" >&2
                exit 1
            fi
        fi
        # The run we waited for removed the file it locked: lock the next.
        if [ "$(stat -L -c %d:%i "/proc/$$/fd/9")" = "$(stat -c %d:%i "$lock_file" 2>/dev/null || true)" ]; then
            break
        fi
        exec 9<&-
    done
    lock_held=yes
    if [ "$mode" = install ]; then
        echo "$$" >"$lock_file"
    fi
}

# --check: what a step would change, and why; counted, nothing changed.
would_change() { # WHAT
    printf 'would change: %s\n' "$1"
    changed=$((changed + 1))
}

# --check --diff: the unified diff from FILE (absent: empty) to the text on
# stdin, which the step would write.
print_diff() { # FILE
    if [ "$show_diff" = yes ]; then
        from=$1
        if [ ! -e "$from" ]; then
            from=/dev/null
        fi
        diff -u --label "$1" --label "$1 (install.sh)" "$from" - || true
    else
        cat >/dev/null
    fi
}

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
    if [ "$show_diff" = yes ] && ! command -v diff >/dev/null 2>&1; then
        echo 'patroni-bake: the command diff (diffutils) is missing; --diff needs it' >&2
        exit 1
    fi
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
    if [ "$pw_home" != /var/lib/pgsql ]; then
        printf 'patroni-bake: the home of %s is %s, not %s; render with pg_home=%s\n' \
            postgres "$pw_home" /var/lib/pgsql "$pw_home" >&2
        exit 1
    fi
    if [ ! -d /var/lib/pgsql ]; then
        printf 'patroni-bake: the home directory %s of %s does not exist; create it first\n' \
            /var/lib/pgsql postgres >&2
        exit 1
    fi
    # Commands run as the user must not inherit a working directory it cannot read.
    cd /
    echo 'ok: prerequisites'
}

# packages: install OS packages
step_packages() {
    if rpm -q --quiet python3-pip; then
        echo 'ok: OS packages are installed:' python3-pip
    elif [ "$mode" = check ]; then
        missing=''
        # shellcheck disable=SC2043 # some targets need one package only
        for p in python3-pip; do
            if ! rpm -q --quiet "$p"; then
                missing="$missing $p"
            fi
        done
        would_change "install OS packages:$missing (not installed)"
    else
        env \
            PIP_CERT=/etc/pki/tls/certs/corp.pem \
            PIP_INDEX_URL=https://pypi.corp.example/simple \
            https_proxy=http://proxy.corp.example:3128 \
            dnf -q -y --setopt=sslcacert=/etc/pki/tls/certs/corp.pem install \
            python3-pip
        echo 'changed: installed OS packages:' python3-pip
        changed=$((changed + 1))
    fi
}

# pipx_user: install pipx for the user
step_pipx_user() {
    # pipx from PyPI into the user's ~/.local, pinned with its dependencies by hash; as the user, never as root.
    # Commands as the user in a clean environment: root's variables stay out;
    # caches are not written.
    as_user() {
        runuser -u postgres -- env -i HOME=/var/lib/pgsql \
            PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
            PIP_CERT=/etc/pki/tls/certs/corp.pem \
            PIP_INDEX_URL=https://pypi.corp.example/simple \
            https_proxy=http://proxy.corp.example:3128 \
            "$@"
    }
    v=$(as_user python3 -m pipx --version 2>/dev/null || true)
    if [ "$v" = 1.7.1 ]; then
        printf 'ok: %s is installed for %s\n' pipx==1.7.1 postgres
    elif [ "$mode" = check ]; then
        would_change "$(printf 'install %s for %s (its pipx: %s)' pipx==1.7.1 postgres "${v:-none}")"
    else
        runuser -u postgres -- mkdir -p /var/lib/pgsql/.local/share/patroni-bake
        printf '%s\n' \
            'argcomplete==3.7.0 --hash=sha256:d8f0f22d2a8a7caa383be1e22b6caf1ecaf0ebd10d8f83cc125e36540c95830c' \
            'click==8.1.8 --hash=sha256:63c132bbbed01578a06712a2d1f497bb62d9c1c0d329b7903a866228027263b2' \
            'packaging==26.3 --hash=sha256:d7193f7c8e4e93f444fde0262bf90af30e16fa0ad0ad44cb553c87339b23cd1c' \
            'pipx==1.7.1 --hash=sha256:3933c43bb344e649cb28e10d357e0967ce8572f1c19caf90cf39ae95c2a0afaf' \
            'platformdirs==4.4.0 --hash=sha256:abd01743f24e5287cd7a5db3752faf1a2d65353f38ec26d98e25a6db65958c85' \
            'tomli==2.5.0 --hash=sha256:32a7b79ac57a2e83670ce329ccf675798bc5a2094783a63676866b70503f2e2b' \
            'userpath==1.9.2 --hash=sha256:2cbf01a23d655a1ff8fc166dfb78da1b641d1ceabf0fe5f970767d380b14e89d' \
            | runuser -u postgres -- tee \
                /var/lib/pgsql/.local/share/patroni-bake/pipx-requirements.txt >/dev/null
        as_user python3 -m pip install \
            --user --no-warn-script-location --require-hashes --no-deps \
            --requirement /var/lib/pgsql/.local/share/patroni-bake/pipx-requirements.txt
        printf 'changed: installed %s for %s\n' pipx==1.7.1 postgres
        changed=$((changed + 1))
    fi
}

# patroni: install Patroni with pipx
step_patroni() {
    # Commands as the user in a clean environment: root's variables stay out;
    # caches are not written.
    as_user() {
        runuser -u postgres -- env -i HOME=/var/lib/pgsql \
            PATH=/var/lib/pgsql/.local/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            PIPX_HOME=/var/lib/pgsql/.local/share/pipx \
            PIPX_BIN_DIR=/var/lib/pgsql/.local/bin \
            PIPX_DISABLE_SHARED_LIBS_AUTO_UPGRADE=1 \
            PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
            PIP_CERT=/etc/pki/tls/certs/corp.pem \
            PIP_INDEX_URL=https://pypi.corp.example/simple \
            https_proxy=http://proxy.corp.example:3128 \
            "$@"
    }
    # An installed Patroni stays usable through an upgrade: its venv, pipx's
    # shared libraries and the locks are moved aside and moved back if anything
    # fails (a run killed outright leaves them aside: the next run restores them
    # before it looks). Moves within the home run as the user.
    previous=/var/lib/pgsql/.local/share/pipx/patroni-bake-previous
    restore_previous() {
        runuser -u postgres -- rm -rf \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni \
            /var/lib/pgsql/.local/share/pipx/shared \
            /var/lib/pgsql/.local/share/patroni-bake \
            /var/lib/pgsql/.local/share/pipx/logs
        for p in \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni \
            /var/lib/pgsql/.local/share/pipx/shared \
            /var/lib/pgsql/.local/share/patroni-bake; do
            if [ -e "$previous/${p##*/}" ]; then
                runuser -u postgres -- mv "$previous/${p##*/}" "$p"
            fi
        done
        runuser -u postgres -- rm -rf "$previous"
        printf 'patroni-bake: restored the Patroni install that was there before (%s)\n' \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni >&2
    }
    if [ -d "$previous" ]; then
        if [ "$mode" = check ]; then
            would_change "$(printf 'restore the install that a killed run left in %s, then look again' "$previous")"
            return 0
        fi
        restore_previous
    fi
    # The distributions in a site-packages directory, as their dist-info
    # directories name them: sorted name==version, each followed by a space.
    # (pip and uv name them: no newline or glob in them, so ls is safe to read.)
    # shellcheck disable=SC2012
    dists() {
        ls "$1" 2>/dev/null | sed -n 's/[.]dist-info$//p' |
            awk -F- '{ n = tolower($1); gsub(/[._]+/, "-", n); print n "==" $2 }' |
            LC_ALL=C sort | tr '\n' ' '
    }
    # What the venv and pipx's shared libraries hold when they match the lock.
    locked=$(printf '%s ' \
        certifi==2026.10.19.post1 \
        charset-normalizer==3.5.3 \
        click==8.1.8 \
        dnspython==2.7.0 \
        idna==3.20 \
        patroni==4.1.5 \
        prettytable==3.16.0 \
        psutil==7.2.2 \
        psycopg2-binary==2.9.12 \
        py-consul==1.6.1 \
        python-dateutil==3.0.0 \
        python-etcd==0.4.5 \
        pyyaml==6.0.3 \
        requests==2.32.5 \
        six==1.17.0 \
        tzdata==2026.6 \
        urllib3==2.6.3 \
        wcwidth==0.9.4 \
        ydiff==1.4.2 \
    )
    shared_locked=$(printf '%s ' \
        packaging==26.3 \
        pip==26.0.1.post1 \
        setuptools==82.0.1 \
        wheel==0.48.0 \
    )
    # Installed means: pipx's record names this exact spec, the venv and pipx's
    # shared libraries hold exactly the locked distributions (name==version, as
    # their dist-info directories say), and the venv's interpreter is there.
    # (That patroni runs and reports the version is proven once, after the
    # install: starting Python and Patroni would make a no-op run slow.)
    installed() {
        [ -x /var/lib/pgsql/.local/bin/patroni ] &&
            [ -x /var/lib/pgsql/.local/share/pipx/venvs/patroni/bin/python ] &&
            grep -qF \
                '"package_or_url": "patroni[etcd,psycopg2-binary]==4.1.5"' \
                /var/lib/pgsql/.local/share/pipx/venvs/patroni/pipx_metadata.json 2>/dev/null &&
            [ "$(dists \
                /var/lib/pgsql/.local/share/pipx/venvs/patroni/lib/python3.9/site-packages)" = "$locked" ] &&
            [ "$(dists \
                /var/lib/pgsql/.local/share/pipx/shared/lib/python3.9/site-packages)" = "$shared_locked" ]
    }
    if installed; then
        printf 'ok: %s is installed in %s, as locked\n' \
            'patroni[etcd,psycopg2-binary]==4.1.5' \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni
    elif [ "$mode" = check ]; then
        # The distributions that differ between a site-packages and its lock.
        lock_diff() { # INSTALLED LOCKED WHAT
            d_out=''
            for d in $2; do case " $1" in *" $d "*) ;; *) d_out="$d_out -$d" ;; esac; done
            for d in $1; do case " $2" in *" $d "*) ;; *) d_out="$d_out +$d" ;; esac; done
            if [ -n "$d_out" ]; then
                printf '; %s differs from the lock (-locked +installed):%s' "$3" "$d_out"
            fi
        }
        why=''
        if [ ! -x /var/lib/pgsql/.local/share/pipx/venvs/patroni/bin/python ]; then
            why='; there is no venv'
        else
            meta=/var/lib/pgsql/.local/share/pipx/venvs/patroni/pipx_metadata.json
            if ! grep -qF \
                '"package_or_url": "patroni[etcd,psycopg2-binary]==4.1.5"' \
                "$meta" 2>/dev/null; then
                why="$why; pipx's record names another spec"
            fi
            site=/var/lib/pgsql/.local/share/pipx/venvs/patroni/lib/python3.9/site-packages
            why="$why$(lock_diff "$(dists "$site")" "$locked" 'the venv')"
            site=/var/lib/pgsql/.local/share/pipx/shared/lib/python3.9/site-packages
            why="$why$(lock_diff "$(dists "$site")" "$shared_locked" "pipx's shared libraries")"
        fi
        if [ ! -x /var/lib/pgsql/.local/bin/patroni ]; then
            why="$why; $(printf '%s is missing' /var/lib/pgsql/.local/bin/patroni)"
        fi
        would_change "$(printf 'install %s in %s: %s' \
            'patroni[etcd,psycopg2-binary]==4.1.5' \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni "${why#; }")"
    else
        # A Patroni running from this venv must not have it replaced under it:
        # Python imports lazily, so that process would load the new version's
        # files, or fail to import. (A converged node is never touched: the
        # check above answered ok.)
        pids=''
        for d in /proc/[0-9]*; do
            case "$(tr '\000' ' ' <"$d/cmdline" 2>/dev/null || true)" in
                /var/lib/pgsql/.local/share/pipx/venvs/patroni/bin/*) pids="$pids ${d#/proc/}" ;;
            esac
        done
        if [ -n "$pids" ]; then
            printf 'patroni-bake: Patroni is running from %s (pid%s), and this install would\n' \
                /var/lib/pgsql/.local/share/pipx/venvs/patroni "$pids" >&2
            echo 'patroni-bake: replace that venv under it; nothing was changed.' >&2
            echo 'patroni-bake: upgrade a running node as a rolling upgrade does:' >&2
            echo 'patroni-bake: systemctl stop patroni, run this script, systemctl start patroni' >&2
            echo 'patroni-bake: (on the leader, patronictl switchover first)' >&2
            exit 1
        fi
        runuser -u postgres -- mkdir -p /var/lib/pgsql/.local/share/pipx
        runuser -u postgres -- mkdir -p /var/lib/pgsql/.local/bin

        # The pipx that installer=uv links here would run instead of this one
        # (with its uv backend): a switch back to pip unlinks it, and removes
        # uv's venv once the install is done.
        linked=$(readlink /var/lib/pgsql/.local/bin/pipx || true)
        if [ "$linked" = /var/lib/pgsql/.local/share/pipx/patroni-bake-uv/bin/pipx ]; then
            runuser -u postgres -- rm -f /var/lib/pgsql/.local/bin/pipx
        fi
        # The venv and pipx's shared pip are made afresh, so that a reinstall or
        # an install after a failed one ends like a first install (pipx 1.7
        # records --force-reinstall when it replaces a venv). Removals in the
        # home run as the user: root must not follow the user's symlinks.
        if [ -d /var/lib/pgsql/.local/share/pipx/venvs/patroni ]; then
            runuser -u postgres -- mkdir "$previous"
            for p in \
                /var/lib/pgsql/.local/share/pipx/venvs/patroni \
                /var/lib/pgsql/.local/share/pipx/shared \
                /var/lib/pgsql/.local/share/patroni-bake; do
                if [ -e "$p" ]; then
                    runuser -u postgres -- mv "$p" "$previous/${p##*/}"
                fi
            done
            on_failure=restore_previous
        fi
        runuser -u postgres -- rm -rf \
            /var/lib/pgsql/.local/share/pipx/shared \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni \
            /var/lib/pgsql/.local/share/patroni-bake/downloads
        # The locks, kept as the record of what is installed.
        runuser -u postgres -- mkdir -p /var/lib/pgsql/.local/share/patroni-bake
        printf '%s\n' \
            'packaging==26.3 --hash=sha256:d7193f7c8e4e93f444fde0262bf90af30e16fa0ad0ad44cb553c87339b23cd1c' \
            'pip==26.0.1.post1 --hash=sha256:656ce990e20e410ea2311d8a1ca96c12bba641766c749c7d96d7d3ac77e63a49' \
            'setuptools==82.0.1 --hash=sha256:a59e362652f08dcd477c78bb6e7bd9d80a7995bc73ce773050228a348ce2e5bb' \
            'wheel==0.48.0 --hash=sha256:3217dcc807155e45db462d7ef2431f5ddda0d7273b700d05a67b271ceb1287ab' \
            | runuser -u postgres -- tee \
                /var/lib/pgsql/.local/share/patroni-bake/shared-requirements.txt >/dev/null
        printf '%s\n' \
            'certifi==2026.10.19.post1 --hash=sha256:1324c476b4811eff41a8bc2122cd0bbd4d9c7234c725446d99ab1612b3a7fdd2' \
            'charset-normalizer==3.5.3 --hash=sha256:2f2d973d3c79fbd1066d63d1bafb2ade66934c0840ed149f6fac13c3fdf80793 --hash=sha256:39229c222445415db07a0be4dff8ad1addc3126644d7aa72d73f1575b637d69e' \
            'click==8.1.8 --hash=sha256:63c132bbbed01578a06712a2d1f497bb62d9c1c0d329b7903a866228027263b2' \
            'dnspython==2.7.0 --hash=sha256:b4c34b7d10b51bcc3a5071e7b8dee77939f1e878477eeecc965e9835f63c6c86' \
            'idna==3.20 --hash=sha256:ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c' \
            'patroni==4.1.5 --hash=sha256:7aad8c1539e6c51c269a8005169dd54ddc7668437b7900fa6099d7894e224c84' \
            'prettytable==3.16.0 --hash=sha256:b5eccfabb82222f5aa46b798ff02a8452cf530a352c31bddfa29be41242863aa' \
            'psutil==7.2.2 --hash=sha256:076a2d2f923fd4821644f5ba89f059523da90dc9014e85f8e45a5774ca5bc6f9 --hash=sha256:b0726cecd84f9474419d67252add4ac0cd9811b04d61123054b9fb6f57df6e9e' \
            'psycopg2-binary==2.9.12 --hash=sha256:5c7cb4cbf894a1d36c720d713de507952c7c58f66d30834708f03dbe5c822ccf --hash=sha256:718e1fc18edf573b02cb8aea868de8d8d33f99ce9620206aa9144b67b0985e94' \
            'py-consul==1.6.1 --hash=sha256:7f893b676e2bb1c49fb24b0755bb7fc1f496086b2c06a00b6ffb5d52d5013af9' \
            'python-dateutil==3.0.0 --hash=sha256:3c79630202e4152c6add678446984236efe4f57e84d8e892aab0637bab82e9fd' \
            'python-etcd==0.4.5 --hash=sha256:f1b5ebb825a3e8190494f5ce1509fde9069f2754838ed90402a8c11e1f52b8cb' \
            'pyyaml==6.0.3 --hash=sha256:0150219816b6a1fa26fb4699fb7daa9caf09eb1999f3b70fb6e786805e80375a --hash=sha256:3c5677e12444c15717b902a5798264fa7909e41153cdf9ef7ad571b704a63dd9' \
            'requests==2.32.5 --hash=sha256:2462f94637a34fd532264295e186976db0f5d453d1cdd31473c85a6a161affb6' \
            'six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274' \
            'tzdata==2026.6 --hash=sha256:0a10eec6e13ef16b627fabed9a5f2ba61a62b1c67f327305f4e7e412a70b4aec' \
            'urllib3==2.6.3 --hash=sha256:bf272323e553dfb2e87d9bfd225ca7b0f467b919d7bbd355436d3fd37cb0acd4' \
            'wcwidth==0.9.4 --hash=sha256:901eace6d2dd25ebb917d0ce5db18e5c537e1504c905cf32f0d006c12098b05d' \
            'ydiff==1.4.2 --hash=sha256:369be623dcde7954d98973fb9db1780d64f0353982bf3ac85818f3d62ff452b0' \
            | runuser -u postgres -- tee \
                /var/lib/pgsql/.local/share/patroni-bake/patroni-requirements.txt >/dev/null
        # pipx's shared libraries (the pip of every pipx venv), from the lock:
        # pipx finds them valid and, told so, never upgrades them.
        as_user python3 -m venv /var/lib/pgsql/.local/share/pipx/shared
        as_user /var/lib/pgsql/.local/share/pipx/shared/bin/python -m pip install \
            --quiet --require-hashes --no-deps \
            --requirement /var/lib/pgsql/.local/share/patroni-bake/shared-requirements.txt
        # It holds exactly the lock: what venv seeded besides (some Debian-built
        # Pythons seed pkg_resources) is removed, or no re-run would match.
        for d in $(dists /var/lib/pgsql/.local/share/pipx/shared/lib/python3.9/site-packages); do
            case " $shared_locked" in
                *" $d "*) ;;
                *) as_user /var/lib/pgsql/.local/share/pipx/shared/bin/python -m pip uninstall \
                    --quiet --yes "${d%%==*}" ;;
            esac
        done
        # Every locked file is downloaded and checked against its hash before
        # any of it runs (sdists build with the locked setuptools, not a
        # fetched one); pipx then installs from those files alone.
        as_user /var/lib/pgsql/.local/share/pipx/shared/bin/python -m pip download \
            --quiet --require-hashes --no-deps --no-build-isolation \
            --requirement /var/lib/pgsql/.local/share/patroni-bake/patroni-requirements.txt \
            --dest /var/lib/pgsql/.local/share/patroni-bake/downloads
        as_user PIP_NO_INDEX=1 \
            PIP_FIND_LINKS=/var/lib/pgsql/.local/share/patroni-bake/downloads \
            PIP_NO_BUILD_ISOLATION=0 \
            python3 -m pipx install --force \
            'patroni[etcd,psycopg2-binary]==4.1.5'
        runuser -u postgres -- rm -rf \
            /var/lib/pgsql/.local/share/patroni-bake/downloads \
            /var/lib/pgsql/.local/share/pipx/logs

        installed=$(dists /var/lib/pgsql/.local/share/pipx/venvs/patroni/lib/python3.9/site-packages)
        if [ "$installed" != "$locked" ]; then
            printf 'patroni-bake: the venv does not hold what the lock says\n  installed: %s\n  locked:    %s\n' \
                "$installed" "$locked" >&2
            exit 1
        fi
        reported=$(runuser -u postgres -- /var/lib/pgsql/.local/bin/patroni --version 2>&1 || true)
        if [ "$reported" != 'patroni 4.1.5' ]; then
            printf 'patroni-bake: %s --version printed "%s", not %s\n' \
                /var/lib/pgsql/.local/bin/patroni "$reported" 'patroni 4.1.5' >&2
            exit 1
        fi
        # The chosen extras' modules import in the venv: a lock that installs
        # but cannot run fails here (Python's traceback names the module).
        if ! runuser -u postgres -- /var/lib/pgsql/.local/share/pipx/venvs/patroni/bin/python \
            -c 'import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]' \
            etcd psycopg2; then
            printf 'patroni-bake: the modules of the chosen extras (%s) do not all import in %s\n' \
                'etcd psycopg2' \
                /var/lib/pgsql/.local/share/pipx/venvs/patroni >&2
            exit 1
        fi
        on_failure=''
        runuser -u postgres -- rm -rf "$previous" /var/lib/pgsql/.local/share/pipx/patroni-bake-uv
        printf 'changed: installed %s in %s, as locked\n' \
            'patroni[etcd,psycopg2-binary]==4.1.5' \
            /var/lib/pgsql/.local/share/pipx/venvs/patroni
        changed=$((changed + 1))
    fi
}

# path: put Patroni on the user's PATH
step_path() {
    # The block is written by the user, so a planted symlink gives no root access.
    # Every line of it ends in the marker: a re-run that finds anything but the
    # block once at the end removes all marked lines (even of a half-deleted
    # block) and appends the block. An unchanged file is not touched. The
    # editor is a script of its own (run as the user), one line per word here.
    # With check, it writes nothing: it prints why it would change the file
    # (and with diff, the diff).
    edit=$(printf '%s\n' \
        'set -eu' \
        'f=$1; m=$2; mode=$3; shift 3' \
        'if [ -L "$f" ]; then echo "patroni-bake: $f is a symbolic link; refusing to edit through it" >&2; exit 1; fi' \
        'if [ -e "$f" ] && [ ! -f "$f" ]; then echo "patroni-bake: $f is not a regular file" >&2; exit 1; fi' \
        'block=$(printf "%s\n" "$@")' \
        'if [ -f "$f" ] && [ "$(grep -c -e " $m\$" "$f" || true)" = "$#" ] &&' \
        '    [ "$(tail -n "$#" "$f")" = "$block" ] && [ -z "$(tail -c 1 "$f")" ]; then' \
        '    echo ok' \
        '    exit 0' \
        'fi' \
        'if [ "$mode" != install ]; then' \
        '    from=$f' \
        '    if [ ! -e "$f" ]; then echo "the file is missing"; from=/dev/null' \
        '    elif grep -q -e " $m\$" "$f"; then echo "the block differs, or is not at the end"' \
        '    else echo "the block is missing"; fi' \
        '    if [ "$mode" = diff ]; then' \
        '        { grep -v -e " $m\$" "$from" || true; printf "%s\n" "$block"; } |' \
        '            diff -u --label "$f" --label "$f (install.sh)" "$from" - || true' \
        '    fi' \
        '    exit 0' \
        'fi' \
        'tmp=$(mktemp "$f.patroni-bake.XXXXXX")' \
        'trap "rm -f \"\$tmp\"" EXIT' \
        'if [ -f "$f" ]; then' \
        '    grep -v -e " $m\$" "$f" > "$tmp" || [ $? -eq 1 ]' \
        '    chmod "$(stat -c %a "$f")" "$tmp"' \
        'else' \
        '    chmod 644 "$tmp"' \
        'fi' \
        'printf "%s\n" "$block" >> "$tmp"' \
        'mv -f "$tmp" "$f"' \
        'echo changed' \
    )
    # (A Dockerfile RUN has no mode: it installs.)
    how=${mode:-install}
    if [ "$show_diff" = yes ]; then
        how='diff'
    fi
    for f in .profile .bashrc .bash_profile .bash_login; do
        case "$f" in .bash_profile|.bash_login) if [ ! -e /var/lib/pgsql/"$f" ]; then continue; fi ;; esac
        r=$(runuser -u postgres -- sh -c "$edit" sh /var/lib/pgsql/"$f" '# patroni-bake' "$how" \
            '# Patroni'\''s bin dir on PATH, and pipx'\''s places; managed, rewritten by each install # patroni-bake' \
            'case ":${PATH}:" in *:/var/lib/pgsql/.local/bin:*) ;; # patroni-bake' \
            '*) PATH=/var/lib/pgsql/.local/bin:"${PATH}"; export PATH ;; esac # patroni-bake' \
            'PIPX_HOME=/var/lib/pgsql/.local/share/pipx; export PIPX_HOME # patroni-bake' \
            'PIPX_BIN_DIR=/var/lib/pgsql/.local/bin; export PIPX_BIN_DIR # patroni-bake' \
        )
        case $r in
            ok) printf 'ok: PATH block in %s/%s\n' /var/lib/pgsql "$f" ;;
            changed)
                printf 'changed: PATH block in %s/%s\n' /var/lib/pgsql "$f"
                changed=$((changed + 1))
                ;;
            *)
                # The editor's check: why on the first line, then the diff.
                why=$(printf '%s\n' "$r" | sed -n 1p)
                would_change "$(printf 'PATH block in %s/%s: %s' /var/lib/pgsql "$f" "$why")"
                printf '%s\n' "$r" | sed 1d
                ;;
        esac
    done
}

# unit: install the systemd unit
step_unit() {
    # Root owns the unit: a unit its service user could rewrite would run as root.
    unit_text=$(printf '%s\n' \
        '# Patroni for RHEL 9 and rebuilds:' \
        '# rendered by patroni-bake 0.1.0 (install_patroni).' \
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
        'ExecStart=/var/lib/pgsql/.local/bin/patroni /etc/patroni/patroni.yaml' \
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
        [ "$(stat -c '%U:%G %a %s' /etc/systemd/system/patroni.service)" = 'root:root 644 699' ] &&
        [ "$(cat /etc/systemd/system/patroni.service)" = "$unit_text" ]; then
        printf 'ok: %s\n' /etc/systemd/system/patroni.service
    elif [ "$mode" = check ]; then
        if [ -L /etc/systemd/system/patroni.service ]; then
            why='it is a symbolic link'
        elif [ ! -f /etc/systemd/system/patroni.service ]; then
            why='it is missing'
        elif [ "$(stat -c '%U:%G %a' /etc/systemd/system/patroni.service)" != 'root:root 644' ]; then
            why="it is $(stat -c '%U:%G %a' /etc/systemd/system/patroni.service)"
            if [ "$(cat /etc/systemd/system/patroni.service)" != "$unit_text" ]; then
                why="$why, and its text differs"
            fi
        else
            why='its text differs'
        fi
        would_change "$(printf '%s (not enabled): %s' /etc/systemd/system/patroni.service "$why")"
        printf '%s\n' "$unit_text" | print_diff /etc/systemd/system/patroni.service
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
    elif [ "$mode" = check ]; then
        if [ -d /etc/patroni ]; then
            why="it is $(stat -c '%U:%G %a' /etc/patroni)"
        else
            why='it is missing'
        fi
        would_change "$(printf '%s (0700 %s:%s): %s' /etc/patroni postgres postgres "$why")"
    else
        mkdir -p /etc/patroni
        chown postgres:postgres /etc/patroni
        chmod 0700 /etc/patroni
        printf 'changed: %s (0700 %s:%s)\n' /etc/patroni postgres postgres
        changed=$((changed + 1))
    fi
}

# role_venv: remove the role's venv
step_role_venv() {
    # The role ran Debian 12's pipx (1.1), whose default home is ~/.local/pipx:
    # its Patroni venv stays there, unused and unpatched, once this install
    # (verified by the steps before this one) runs Patroni from its own. It is
    # removed, with its links; the rest of that home (pipx's shared libraries,
    # logs) only where no other venv is left in it, so another pipx app there
    # keeps its home. Removals run as the user: root must not follow the user's
    # symlinks.
    old=/var/lib/pgsql/.local/pipx/venvs/patroni
    if [ ! -d "$old" ] || [ -L "$old" ]; then
        echo 'ok: no venv of the role to remove'
    else
        # A Patroni still running from it (started by the role's unit) keeps
        # it: Python imports lazily, so removing it would break that process.
        pids=''
        for d in /proc/[0-9]*; do
            case "$(tr '\000' ' ' <"$d/cmdline" 2>/dev/null || true)" in
                "$old"/bin/*) pids="$pids ${d#/proc/}" ;;
            esac
        done
        if [ -n "$pids" ]; then
            printf "patroni-bake: kept the role's venv %s: Patroni runs from it (pid%s); restart it, then run again\n" \
                "$old" "$pids" >&2
        elif [ "$mode" = check ]; then
            would_change "$(printf "remove the role's venv %s (pipx's old home; this install's venv is %s)" \
                "$old" /var/lib/pgsql/.local/share/pipx/venvs/patroni)"
        else
            for l in /var/lib/pgsql/.local/bin/* /var/lib/pgsql/.local/bin/*; do
                case "$(readlink "$l" || true)" in
                    "$old"/*) runuser -u postgres -- rm -f "$l" ;;
                esac
            done
            runuser -u postgres -- rm -rf "$old"
            if [ -z "$(ls -A /var/lib/pgsql/.local/pipx/venvs)" ]; then
                runuser -u postgres -- rm -rf /var/lib/pgsql/.local/pipx
            fi
            printf "changed: removed the role's venv %s\n" "$old"
            changed=$((changed + 1))
        fi
    fi
}

main() {
    parse_args "$@"
    current_step='check prerequisites'
    step_preflight
    # The preflight only reads; it says first what is missing (root).
    take_lock
    current_step='install OS packages'
    step_packages
    current_step='install pipx for the user'
    step_pipx_user
    current_step='install Patroni with pipx'
    step_patroni
    current_step='put Patroni on the user'\''s PATH'
    step_path
    current_step='install the systemd unit'
    step_unit
    current_step='create the configuration directory'
    step_config_dir
    current_step='remove the role'\''s venv'
    step_role_venv
    if [ "$mode" = check ]; then
        echo "would_change=$changed"
        checked=yes
        if [ "$changed" -ne 0 ]; then
            exit 3
        fi
    else
        echo "changed=$changed"
    fi
}

# Called on the last line, so that a truncated download runs nothing.
main "$@"
