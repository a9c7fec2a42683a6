//! `patroni-bake lock` end to end, offline: uv is replaced by a stub that
//! answers with a fixed pylock.toml per platform, so that the merge of
//! platforms, the file written and its use by `render --recipes` are tested
//! without an index.

mod common;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

/// pylock.toml as uv prints it: a binary package whose wheels differ by
/// platform, a pure wheel, and an sdist-only package.
const STUB_UV: &str = r##"#!/bin/sh
cat > /dev/null
case " $* " in *x86_64*) arch=x86_64 h=1 ;; *) arch=aarch64 h=2 ;; esac
r() { printf "$1%.0s" $(seq 64); }
cat <<EOF
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "PyYAML"
version = "6.0.4"
sdist = { url = "https://x/pyyaml-6.0.4.tar.gz", hashes = { sha256 = "$(r 9)" } }
wheels = [
    { url = "https://x/pyyaml-6.0.4-cp311-cp311-manylinux_2_17_$arch.whl", hashes = { sha256 = "$(r 7)" } },
    { url = "https://x/pyyaml-6.0.4-cp311-cp311-manylinux_2_28_$arch.whl", hashes = { sha256 = "$(r $h)" } },
]

[[packages]]
name = "patroni"
version = "9.9.9"
wheels = [{ url = "https://x/patroni-9.9.9-py3-none-any.whl", hashes = { sha256 = "$(r a)" } }]

[[packages]]
name = "python_etcd"
version = "0.4.5"
sdist = { url = "https://x/python-etcd-0.4.5.tar.gz", hashes = { sha256 = "$(r c)" } }
EOF
"##;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn recipes_copy(tmp: &Path) -> std::path::PathBuf {
    let recipes = tmp.join("recipes");
    copy_dir(&repo().join("recipes"), &recipes);
    recipes
}

#[test]
fn lock_merges_platforms_writes_locks_toml_and_render_uses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let recipes = recipes_copy(tmp.path());
    let stubs = tmp.path().join("bin");
    fs::create_dir_all(&stubs).unwrap();
    fs::write(stubs.join("uv"), STUB_UV).unwrap();
    fs::set_permissions(stubs.join("uv"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", stubs.display());
    let r = recipes.to_str().unwrap();
    let render = || {
        run(bin()
            .args(["render", "--recipes", r, "-t", "debian-12"])
            .args(["--set", "patroni_version=9.9.9"]))
    };

    // Before the lock: a usage error that names the command to run.
    let out = render();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "patroni-bake lock --recipes DIR --target debian-12 --set patroni_version=9.9.9"
        ),
        "{err}"
    );

    let out = run(bin()
        .args(["lock", "--recipes", r, "-t", "debian-12"])
        .args(["--set", "patroni_version=9.9.9"])
        .env("PATH", &path));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let locks = fs::read_to_string(recipes.join("install_patroni/locks.toml")).unwrap();
    let h = |c: &str| c.repeat(64);
    // The newest-glibc wheel of each platform, hashes sorted; the sdist only
    // where no wheel is; names normalized.
    let pyyaml = format!(
        "pyyaml==6.0.4 --hash=sha256:{} --hash=sha256:{}",
        h("1"),
        h("2")
    );
    assert!(locks.contains(&format!("\"{pyyaml}\"")), "{locks}");
    assert!(
        !locks.contains(&h("7")) && !locks.contains(&h("9")),
        "{locks}"
    );
    assert!(locks.contains(&format!("\"python-etcd==0.4.5 --hash=sha256:{}\"", h("c"))));
    assert!(locks.contains("\"patroni[etcd,psycopg2-binary]==9.9.9\" = ["));
    // The locks it did not make are kept.
    assert!(locks.contains("[python.\"3.13\"]"));

    let out = render();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.contains(&format!("'{pyyaml}'")));
    assert!(script.contains("locked='patroni==9.9.9 python-etcd==0.4.5 pyyaml==6.0.4 '"));
}

#[test]
fn lock_without_uv_says_how_to_get_it_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let recipes = recipes_copy(tmp.path());
    let file = recipes.join("install_patroni/locks.toml");
    let before = fs::read(&file).unwrap();
    let out = run(bin()
        .args([
            "lock",
            "--recipes",
            recipes.to_str().unwrap(),
            "-t",
            "debian-12",
        ])
        .env("PATH", tmp.path()));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("pip install uv"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn a_wheelhouse_needs_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(bin()
        .args([
            "wheelhouse",
            "-t",
            "debian-12",
            "--set",
            "lock_dependencies=false",
        ])
        .arg("--out")
        .arg(tmp.path().join("wh")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("wheelhouse"),
        "{}",
        text(&out.stderr)
    );
    assert!(!tmp.path().join("wh").exists());
}
