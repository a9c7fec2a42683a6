//! `patroni-bake lock` end to end, offline: uv is replaced by a stub that
//! keeps the lock project it was given and writes a fixed uv.lock (the test
//! lock of tests/data), so that the command, the file it writes in the
//! user's directory, `render --lock` and `check` on a stale lock are tested
//! without an index.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

/// uv: `uv lock [--exclude-newer TS]` in the lock project's directory
/// (the arguments of each call kept in $STUB_KEEP/calls; uv's `[options]`
/// record of the cut-off appended), and `uv run` of licenses.py (the files
/// it was given kept, a fixed answer printed).
const STUB_UV: &str = r#"#!/bin/sh
echo "$*" >>"$STUB_KEEP/calls"
if [ "$1" = run ]; then
    cat >"$STUB_KEEP/metadata-sources.json"
    printf '{"pyyaml 6.0.4": "MIT", "urllib3 2.8.0": "License :: OSI Approved :: MIT License"}'
    exit 0
fi
[ "$1" = lock ] || { echo "stub uv: unexpected $*" >&2; exit 2; }
cp pyproject.toml "$STUB_KEEP/pyproject.toml"
[ -z "${STUB_FAIL:-}" ] || { echo "error: Failed to fetch: https://pypi.org/simple/patroni/" >&2; exit 2; }
cp "$STUB_LOCK" uv.lock
[ "${2:-}" != --exclude-newer ] || printf '\n[options]\nexclude-newer = "%s"\n' "$3" >>uv.lock
echo 'Resolved 9 packages in 0.01s' >&2
echo 'warning: The package `patroni==9.9.9` does not have an extra named `raft`' >&2
"#;

/// A directory with the stub uv, for PATH.
fn stub_bin(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(bin.join("uv"), STUB_UV).unwrap();
    fs::set_permissions(bin.join("uv"), fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn lock_cmd(tmp: &Path, path: &str) -> std::process::Command {
    let mut cmd = bin();
    cmd.arg("lock")
        .current_dir(tmp)
        .env("PATH", path)
        .env("STUB_KEEP", tmp)
        .env("STUB_LOCK", repo().join("tests/data/stub.uv.lock"));
    cmd
}

#[test]
fn a_user_locks_another_version_into_their_own_directory_and_renders_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = lock_9_9_9(tmp.path());
    let l = lock.to_str().unwrap();
    renders_from_the_lock_9_9_9(l);
    refuses_a_lock_it_would_not_use(l);
    check_reports_a_changed_lock(tmp.path(), &lock);
}

/// `render --set patroni_version=V` with no lock for V is a usage error
/// that names `patroni-bake lock`; that command makes the lock (its
/// project: every extra, pipx and its libraries, Linux on both arches).
fn lock_9_9_9(tmp: &Path) -> PathBuf {
    render_asks_for_a_lock_of_9_9_9();
    let path = format!("{}:/usr/bin:/bin", stub_bin(tmp).display());
    let out = run(lock_cmd(tmp, &path).args([
        "--set",
        "patroni_version=9.9.9",
        "--out",
        "patroni-9.9.9.uv.lock",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    the_lock_reports_uv_and_its_notes_on_stderr(&text(&out.stderr));
    let lock = tmp.join("patroni-9.9.9.uv.lock");
    the_lock_is_uvs_after_its_header(&lock);
    uv_locked_twice_then_read_the_licences(tmp);
    the_lock_project_has_every_choice(tmp);
    lock
}

/// `render` of a version with no lock names the command that makes one.
fn render_asks_for_a_lock_of_9_9_9() {
    let out = run(bin().args([
        "render",
        "-t",
        "debian-12",
        "--set",
        "patroni_version=9.9.9",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("patroni-bake lock --set patroni_version=9.9.9 --out patroni-9.9.9.uv.lock"),
        "{err}"
    );
}

/// uv's messages pass through as uv wrote them, between patroni-bake's
/// notes, in the order they came.
fn the_lock_reports_uv_and_its_notes_on_stderr(err: &str) {
    let uv_said = "Resolved 9 packages in 0.01s\n\
        warning: The package `patroni==9.9.9` does not have an extra named `raft`\n";
    let want = format!(
        "patroni-bake: locking Patroni 9.9.9 with every extra, for every target's Python on Linux x86_64 and aarch64 (uv lock)\n\
         {uv_said}\
         patroni-bake: the cut-off date is 2026-11-27T20:53:45Z (one second after the newest upload locked)\n\
         patroni-bake: again with all, aws in forks of their own (uv lock)\n\
         {uv_said}\
         patroni-bake: wrote patroni-9.9.9.uv.lock; render with --lock patroni-9.9.9.uv.lock\n"
    );
    assert_eq!(err, want);
}

/// uv's lock, after the lines that record the extras uv warned about
/// and the licences; uv locked twice, the second time at the cut-off
/// date one second after the newest upload of the first.
fn the_lock_is_uvs_after_its_header(lock: &Path) {
    assert_eq!(
        fs::read_to_string(lock).unwrap(),
        "# patroni-bake: extras this Patroni version lacks: raft\n\
         # patroni-bake: license pyyaml 6.0.4: MIT\n\
         # patroni-bake: license urllib3 2.8.0: License :: OSI Approved :: MIT License\n"
            .to_string()
            + &fs::read_to_string(repo().join("tests/data/stub.uv.lock")).unwrap()
            + "\n[options]\nexclude-newer = \"2026-11-27T20:53:45Z\"\n"
    );
}

/// uv locked, locked again at the cut-off date, then read the licences
/// from each distribution's metadata: from a wheel where it has one
/// (beside it on the index), else from its sdist.
fn uv_locked_twice_then_read_the_licences(tmp: &Path) {
    let calls = fs::read_to_string(tmp.join("calls")).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(
        calls[..2],
        ["lock", "lock --exclude-newer 2026-11-27T20:53:45Z"]
    );
    assert!(calls[2].starts_with("run "), "{calls:?}");
    let sources = fs::read_to_string(tmp.join("metadata-sources.json")).unwrap();
    assert!(sources.contains(r#"{"name":"python-etcd","version":"0.4.5","url":"https://x/python-etcd-0.4.5.tar.gz","wheel":false}"#), "{sources}");
    assert!(!sources.contains("patroni-bake-lock"), "{sources}");
}

/// The lock project: every extra of Patroni's, pipx and its libraries,
/// for Linux x86_64 and aarch64, a virtual project.
fn the_lock_project_has_every_choice(tmp: &Path) {
    let project = lock_project(tmp);
    let extras = &project["project"]["optional-dependencies"];
    for (extra, want) in [
        ("patroni", r#"["patroni==9.9.9"]"#),
        ("etcd3", r#"["patroni[etcd3]==9.9.9"]"#),
        ("zookeeper", r#"["patroni[zookeeper]==9.9.9"]"#),
        ("patroni-bake-shared", r#"["pip", "setuptools", "wheel"]"#),
        ("patroni-bake-pipx", r#"["pipx==1.7.1"]"#),
    ] {
        assert_eq!(
            extras.get(extra),
            Some(&toml_value(want)),
            "{extra}:\n{project}"
        );
    }
    assert_eq!(
        project["project"]["requires-python"].as_str(),
        Some(">=3.9")
    );
    let uv = &project["tool"]["uv"];
    assert_eq!(uv["package"].as_bool(), Some(false), "{project}");
    let environments = uv["environments"].as_array().unwrap();
    assert!(
        environments.iter().any(|e| e
            .as_str()
            .unwrap()
            .contains("platform_machine == 'aarch64'")),
        "{project}"
    );
}

/// The lock project uv was last given, parsed.
fn lock_project(tmp: &Path) -> toml::Table {
    let text = fs::read_to_string(tmp.join("pyproject.toml")).unwrap();
    text.parse()
        .unwrap_or_else(|e| panic!("the lock project is not TOML: {e}\n{text}"))
}

/// The value that `toml` (a TOML value, as written after `key = `) means.
fn toml_value(toml: &str) -> toml::Value {
    let table: toml::Table = format!("v = {toml}").parse().unwrap();
    table["v"].clone()
}

/// `render` of Patroni 9.9.9 from the lock `l`, with more `args`.
fn render_9_9_9(l: &str, args: &[&str]) -> Output {
    run(bin()
        .args([
            "render",
            "-t",
            "debian-12",
            "--lock",
            l,
            "--set",
            "patroni_version=9.9.9",
        ])
        .args(args))
}

fn h(c: &str) -> String {
    c.repeat(64)
}

/// The rendering takes the lock's lines and pins; an extra the lock lacks
/// is refused, naming the rest.
fn renders_from_the_lock_9_9_9(l: &str) {
    let out = render_9_9_9(l, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    // One hash per architecture where they differ, the sdist where no wheel fits.
    assert!(
        script.contains(&format!(
            "'pyyaml==6.0.4 --hash=sha256:{} --hash=sha256:{}'",
            h("1"),
            h("2")
        )),
        "{script}"
    );
    assert!(script.contains(&format!("'python-etcd==0.4.5 --hash=sha256:{}'", h("c"))));
    // One line per locked distribution: a version bump is a one-line diff.
    assert!(
        script.contains(
            "locked=$(printf '%s ' \\\n        patroni==9.9.9 \\\n        psycopg2-binary==2.9.13 \\\n        python-etcd==0.4.5 \\\n        pyyaml==6.0.4 \\\n        urllib3==2.8.0 \\\n    )\n"
        ),
        "{script}"
    );
    // An extra uv said 9.9.9 lacks is refused at render, naming the rest.
    let out = render_9_9_9(l, &["--set", "patroni_extras=etcd,psycopg2-binary,raft"]);
    assert_usage_error(&out, &["Patroni 9.9.9 (as locked) has no extra 'raft'"]);
}

/// A lock that the rendering would not use is refused, not ignored.
fn refuses_a_lock_it_would_not_use(l: &str) {
    let out = run(bin().args(["render", "-t", "debian-12", "--lock", l]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "holds Patroni 9.9.9, but patroni_version is '4.1.5'; set patroni_version=9.9.9"
        ),
        "{err}"
    );
    let out = render_9_9_9(l, &["--set", "lock_dependencies=false"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing would use the lock"));
}

/// check reports a lock that changed like any drift.
fn check_reports_a_changed_lock(tmp: &Path, lock: &Path) {
    let l = lock.to_str().unwrap();
    let out_dir = tmp.join("rendered");
    let out = render_9_9_9(l, &["--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let check = || {
        run(bin()
            .args([
                "check",
                "-t",
                "debian-12",
                "--lock",
                l,
                "--set",
                "patroni_version=9.9.9",
            ])
            .arg("--out")
            .arg(&out_dir))
    };
    assert!(check().status.success());
    let stale = fs::read_to_string(lock).unwrap().replace(&h("1"), &h("f"));
    fs::write(lock, stale).unwrap();
    let out = check();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains(&h("f")), "{}", text(&out.stdout));
}

#[test]
fn lock_without_uv_or_index_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(lock_cmd(tmp.path(), "/usr/bin:/bin").args(["--out", "x.lock"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("uv is not installed"), "{err}");
    assert!(err.contains("python3 -m pip install uv"), "{err}");
    assert!(!tmp.path().join("x.lock").exists());

    let path = format!("{}:/usr/bin:/bin", stub_bin(tmp.path()).display());
    let out = run(lock_cmd(tmp.path(), &path)
        .env("STUB_FAIL", "1")
        .args(["--out", "x.lock"]));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("uv lock failed") && err.contains("package index"),
        "{err}"
    );
    assert!(!tmp.path().join("x.lock").exists());

    let out = run(lock_cmd(tmp.path(), &path).args([
        "--set",
        "patroni_version=latest",
        "--out",
        "x.lock",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("'latest' cannot be locked"));
}

#[test]
fn a_bad_lock_file_is_a_usage_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.lock");
    fs::write(&bad, "version = 1\n").unwrap();
    let out = run(bin().args(["render", "-t", "debian-12", "--lock", bad.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.lock") && err.contains("patroni-bake lock"),
        "{err}"
    );
}

/// 4.0.x has no `systemd` extra: rendering it from 4.0.7's lock would
/// install Patroni without it (pip only warns), and the host's smoke import
/// would fail. It is refused at render, naming what the version has.
#[test]
fn an_extra_the_locked_version_lacks_is_refused_at_render() {
    let lock = repo().join("tests/data/patroni-4.0.7.uv.lock");
    let out = run(bin()
        .args(["render", "-t", "debian-13", "--lock"])
        .arg(&lock)
        .args(["--set", "patroni_version=4.0.7"])
        .args(["--set", "patroni_extras=psycopg2-binary,etcd3,systemd"]));
    assert_usage_error(
        &out,
        &[
            "Patroni 4.0.7 (as locked) has no extra 'systemd'",
            "its extras are: all, aws",
            "patroni-bake lock",
        ],
    );
    // An extra that installs nothing (kubernetes) is not in any lock's
    // packages, and is taken; so is every extra of the built-in 4.1.5.
    let ok = run(bin()
        .args(["render", "-t", "debian-13", "--lock"])
        .arg(&lock)
        .args(["--set", "patroni_version=4.0.7"])
        .args(["--set", "patroni_extras=psycopg2-binary,etcd3,kubernetes"]));
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let all = run(bin().args([
        "render",
        "-t",
        "debian-12",
        "--set",
        "patroni_extras=systemd,etcd,psycopg2",
    ]));
    assert!(all.status.success(), "{}", text(&all.stderr));
}

/// A `--lock` that is not a lock gets advice that never names that file as
/// the place to write one.
#[test]
fn a_file_that_is_not_a_lock_is_refused_without_pointing_back_at_it() {
    let out = run(bin().args(["render", "-t", "debian-12", "--lock", "/etc/passwd"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--lock /etc/passwd:"), "{err}");
    assert!(
        err.contains("patroni-bake lock --set patroni_version=V"),
        "{err}"
    );
    assert!(!err.contains("--out /etc/passwd"), "{err}");
}

/// The first resolution leaves out the extras that fork (aws, all);
/// the second, the project uv was last given, has each against its empty
/// shadow in uv's conflicts, for every target's Python apart.
fn the_full_lock_project_forks_aws(tmp: &Path) {
    let project = lock_project(tmp);
    let extras = &project["project"]["optional-dependencies"];
    assert_eq!(
        extras.get("aws"),
        Some(&toml_value(r#"["patroni[aws]==9.9.9"]"#)),
        "{project}"
    );
    assert_eq!(
        extras.get("patroni-bake-not-aws"),
        Some(&toml_value("[]")),
        "{project}"
    );
    let uv = &project["tool"]["uv"];
    let conflict = toml_value(r#"[{ extra = "aws" }, { extra = "patroni-bake-not-aws" }]"#);
    assert!(
        uv["conflicts"].as_array().unwrap().contains(&conflict),
        "{project}"
    );
    let environment = toml::Value::from(
        "sys_platform == 'linux' and platform_machine == 'aarch64' and python_version == '3.9'",
    );
    assert!(
        uv["environments"]
            .as_array()
            .unwrap()
            .contains(&environment),
        "{project}"
    );
}

/// `lock --exclude-newer TS` resolves both times at TS, which uv records;
/// a TS that is not a UTC date is refused before uv runs.
#[test]
fn lock_exclude_newer_resolves_at_the_given_date_and_refuses_another_text() {
    let tmp = tempfile::tempdir().unwrap();
    let path = format!("{}:/usr/bin:/bin", stub_bin(tmp.path()).display());
    let out = run(lock_cmd(tmp.path(), &path).args([
        "--set",
        "patroni_version=9.9.9",
        "--exclude-newer",
        "2026-11-01",
        "--out",
        "x.lock",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let calls = fs::read_to_string(tmp.path().join("calls")).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(
        calls[..2],
        [
            "lock --exclude-newer 2026-11-01T00:00:00Z",
            "lock --exclude-newer 2026-11-01T00:00:00Z"
        ]
    );
    let lock = fs::read_to_string(tmp.path().join("x.lock")).unwrap();
    assert!(lock.ends_with("[options]\nexclude-newer = \"2026-11-01T00:00:00Z\"\n"));
    the_full_lock_project_forks_aws(tmp.path());

    fs::remove_file(tmp.path().join("calls")).unwrap();
    let out = run(lock_cmd(tmp.path(), &path).args([
        "--set",
        "patroni_version=9.9.9",
        "--exclude-newer",
        "last tuesday",
        "--out",
        "y.lock",
    ]));
    assert_usage_error(&out, &["--exclude-newer 'last tuesday'", "RFC 3339"]);
    assert!(!tmp.path().join("calls").exists());
    assert!(!tmp.path().join("y.lock").exists());
}
