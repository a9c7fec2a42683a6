#!/usr/bin/env bash
# install_method=package: Debian's own patroni package, through the three
# renderings, with the assertions of the pipx method and no pipx at all.

test_package_method() { # SUITE
    local suite=$1 flavour=nodot
    local -a saved=("$RENDER" "$GOLDEN" "$BIN_DIR" "$VERSION" "$METHOD")
    RENDER="$WORK/render-$TARGET-package"
    GOLDEN="$REPO/golden/$TARGET-package"
    "$BIN" render --target "$TARGET" --set "ca_bundle=$CA_IN" --set install_method=package --out "$RENDER" 2>/dev/null ||
        fail "rendering $TARGET with install_method=package"
    METHOD=package
    BIN_DIR=/usr/bin
    VERSION=$("$BIN" plan --json --target "$TARGET" --set install_method=package 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["install"]["version"])')
    say "$suite package: Debian's patroni $VERSION"
    test_shell "$suite-package" "$flavour" "$(base_image "$suite" "$flavour")"
    test_docker "$suite-package" "$flavour" "$(base_image "$suite" "$flavour")"
    test_cloud_init "$suite-package" "$flavour" "$(base_image "$suite" "$flavour-cloud")"
    compare_manifests "$suite-package" "$flavour" shell docker cloud
    local c="$RUN_ID-$suite-package-$flavour-shell"
    expect_same "$suite package: no pipx, no venv" \
        "$(cexec "$c" sh -c "command -v pipx; ls -d $PIPX_HOME_ 2>/dev/null; echo end")" end
    expect_same "$suite package: the unit starts the package's binary" \
        "$(cexec "$c" sed -n 's/^ExecStart=//p' /etc/systemd/system/patroni.service)" "/usr/bin/patroni $CONF/patroni.yaml"
    RENDER=${saved[0]} GOLDEN=${saved[1]} BIN_DIR=${saved[2]} VERSION=${saved[3]} METHOD=${saved[4]}
}
