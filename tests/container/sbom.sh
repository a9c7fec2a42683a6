#!/usr/bin/env bash
# The SBOM equals what is installed: CycloneDX's own generator for Python
# environments (cyclonedx-bom's `cyclonedx-py environment`, pinned) run on
# an installed venv's Python lists the same (name, version) set as the
# rendering's SBOM for what that Python sees, and the licences agree where
# both know one. On the pip install, the uv install and the arm64 install.

CYCLONEDX_BOM=7.5.0
# Where it is copied in a container, for its checks; removed after them.
CDX_IN=/tmp/patroni-bake-cyclonedx-bom

# cyclonedx-bom and its dependencies for the container's Python and
# architecture, installed on the host once (pip --target, wheels only, for
# that platform: nothing of the target's architecture runs on the host),
# under target/; copied into a container for a check. Sets CDX_DIR.
use_cyclonedx_bom() { # PYTHON_VERSION ARCH
    local dir="$REPO/target/cyclonedx-bom-$CYCLONEDX_BOM-py$1-$2"
    CDX_DIR=$dir
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        step "install cyclonedx-bom $CYCLONEDX_BOM for Python $1 on $2 into $dir" \
            python3 -m pip install -q --disable-pip-version-check --no-warn-conflicts --no-compile \
            --target "$dir" --implementation cp --python-version "$1" --only-binary=:all: \
            --platform "manylinux2014_$2" --platform "manylinux_2_28_$2" "cyclonedx-bom==$CYCLONEDX_BOM"
        touch "$dir/.complete"
    fi
}

# cyclonedx-py's SBOM of the environment of PYTHON in container C (run as
# the user, by the container's own python3), into FILE.
cyclonedx_py_of() { # C PYTHON FILE CDX_DIR
    local c=$1 py=$2 file=$3 cdx=$4 in=$CDX_IN
    if ! cexec "$c" test -d "$in"; then
        docker cp "$cdx" "$c:$in" >/dev/null
        cexec "$c" chmod -R a+rX "$in"
    fi
    # Not PYTHONPATH, which the inspected Python would inherit (and list).
    if ! cexec "$c" runuser -u "$USER_" -- env PYTHONDONTWRITEBYTECODE=1 python3 -c \
        'import sys; sys.path.insert(0, sys.argv.pop(1)); from cyclonedx_py._internal.cli import run; sys.exit(run(prog="cyclonedx-py"))' \
        "$in" environment --sv 1.6 --of JSON -o - "$py" >"$file" 2>"$file.err"; then
        cat "$file.err" >&2
        fail "cyclonedx-py environment $py in $c"
    fi
}

# The rendering's SBOM and cyclonedx-py's agree on VENV_PYTHON, which sees
# the SBOM's PLACES (a pipx venv sees pipx's shared libraries through
# pipx_shared.pth).
assert_sbom_place() { # C LABEL SBOM VENV_PYTHON PLACES CDX_DIR
    local c=$1 what=$2 sbom=$3 py=$4 places=$5 cdx=$6 theirs disagree
    theirs="$WORK/cyclonedx-py-$c-$(printf '%s' "$places" | tr ',' '_').json"
    cyclonedx_py_of "$c" "$py" "$theirs" "$cdx"
    expect_same "$what: cyclonedx-py environment $py lists the SBOM's $places" \
        "$(python3 "$HERE/sbom_compare.py" theirs "$theirs")" \
        "$(python3 "$HERE/sbom_compare.py" ours "$sbom" "$places")" cyclonedx-py "the SBOM"
    disagree=$(python3 "$HERE/sbom_compare.py" licences "$sbom" "$places" "$theirs" 2>"$WORK/licences.txt")
    say "  $(cat "$WORK/licences.txt")"
    expect_same "$what: the licences agree where both know one ($places)" "$disagree" ""
}

# The pip install: Patroni's venv (with pipx's shared libraries, which it
# sees) and the shared libraries alone.
assert_sbom_pip() { # C LABEL SBOM ARCH
    local c=$1 what=$2 sbom=$3 t0 cdx
    t0=$(now)
    use_cyclonedx_bom "$(target_python)" "$4"
    cdx=$CDX_DIR
    assert_sbom_place "$c" "$what" "$sbom" "$PIPX_HOME_/venvs/patroni/bin/python" patroni-venv,pipx-shared "$cdx"
    assert_sbom_place "$c" "$what" "$sbom" "$PIPX_HOME_/shared/bin/python" pipx-shared "$cdx"
    cexec "$c" rm -rf "$CDX_IN"
    say "  SBOM checks took $(elapsed "$t0")"
}

# The uv install: Patroni's venv (uv's backend links no shared libraries)
# and uv's and pipx's venv.
assert_sbom_uv() { # C LABEL SBOM ARCH
    local c=$1 what=$2 sbom=$3 t0 cdx
    t0=$(now)
    use_cyclonedx_bom "$(target_python)" "$4"
    cdx=$CDX_DIR
    assert_sbom_place "$c" "$what" "$sbom" "$PIPX_HOME_/venvs/patroni/bin/python" patroni-venv "$cdx"
    assert_sbom_place "$c" "$what" "$sbom" "$PIPX_HOME_/patroni-bake-uv/bin/python" uv-venv "$cdx"
    cexec "$c" rm -rf "$CDX_IN"
    say "  SBOM checks took $(elapsed "$t0")"
}
