#!/usr/bin/env bash
# Base images: what the role's dependencies leave behind, built from a
# debootstrap rootfs (no registry is needed) and cached under a key of this
# file's content, so that a second run reuses them.
#
# Flavours, for each Debian suite:
#   nodot:      postgres created the way postgresql-common creates it (a
#               system user whose home has no dotfiles);
#   skel:       the same, with /etc/skel's .bashrc and .profile in the home;
#   *-cloud:    the flavour plus cloud-init, set up for a NoCloud seed.

BASES_KEY=$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)

base_image() { # SUITE FLAVOUR
    printf 'patroni-bake-test/base:%s-%s-%s' "$1" "$2" "$BASES_KEY"
}

# The image of a minbase rootfs of SUITE for ARCH (amd64 by default),
# debootstrapped once and kept under this file's key.
rootfs_image() { # SUITE [ARCH]
    local arch=${2:-amd64}
    printf 'patroni-bake-test/rootfs:%s-%s-%s' "$1" "$arch" "$BASES_KEY"
}

ensure_rootfs() { # SUITE [ARCH]
    local suite=$1 arch=${2:-amd64} image
    image=$(rootfs_image "$suite" "$arch")
    docker image inspect "$image" >/dev/null 2>&1 && return
    command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap"
    local dir="$WORK/rootfs-$suite-$arch"
    step "debootstrap $suite ($arch)" timeout 1200 debootstrap --arch="$arch" --variant=minbase "$suite" "$dir" http://deb.debian.org/debian
    if [ "$arch" = amd64 ]; then
        step "import $suite ($arch) rootfs" sh -c "tar -C '$dir' -c . | docker import - '$image'"
    else
        # docker import records the engine's own architecture whatever
        # --platform says (20.10); a build from scratch records the one asked.
        local ctx="$WORK/rootfs-ctx-$suite-$arch"
        mkdir -p "$ctx"
        step "pack $suite ($arch) rootfs" tar -C "$dir" -cf "$ctx/rootfs.tar" .
        printf 'FROM scratch\nADD rootfs.tar /\n' >"$ctx/Dockerfile"
        step "import $suite ($arch) rootfs" docker build --platform "linux/$arch" -q -t "$image" "$ctx"
        rm -rf "$ctx"
    fi
    rm -rf "$dir"
}

build_bases() { # SUITE
    local suite=$1
    local rootfs_image
    rootfs_image=$(rootfs_image "$suite")
    local missing=0
    for f in nodot skel nodot-cloud skel-cloud; do
        docker image inspect "$(base_image "$suite" "$f")" >/dev/null 2>&1 || missing=1
    done
    if [ "$missing" = 0 ]; then
        say "base images for $suite: cached ($BASES_KEY)"
        return
    fi
    ensure_rootfs "$suite"
    local ctx="$WORK/base-ctx-$suite"
    mkdir -p "$ctx"
    # postgresql-common: adduser --system --home /var/lib/postgresql
    # --no-create-home --shell /bin/bash --group postgres, then the package
    # ships the home directory, owned by postgres.
    cat >"$ctx/Dockerfile.nodot" <<DOCKERFILE
FROM $rootfs_image
RUN useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
      --shell /bin/bash --comment 'PostgreSQL administrator' postgres \
 && install -d -o postgres -g postgres -m 0755 /var/lib/postgresql
DOCKERFILE
    cat >"$ctx/Dockerfile.skel" <<DOCKERFILE
FROM $(base_image "$suite" nodot)
RUN install -o postgres -g postgres -m 0644 /etc/skel/.bashrc /etc/skel/.profile /var/lib/postgresql/
DOCKERFILE
    for f in nodot skel; do
        cat >"$ctx/Dockerfile.$f-cloud" <<DOCKERFILE
FROM $(base_image "$suite" "$f")
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cloud-init >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && printf '%s\n' 'datasource_list: [ NoCloud, None ]' 'locale: C.UTF-8' 'network: {config: disabled}' \
      > /etc/cloud/cloud.cfg.d/99-patroni-bake-test.cfg
DOCKERFILE
    done
    for f in nodot skel nodot-cloud skel-cloud; do
        step "build base $suite-$f" timeout 900 docker build --network host -q \
            -t "$(base_image "$suite" "$f")" -f "$ctx/Dockerfile.$f" "$ctx"
    done
}
