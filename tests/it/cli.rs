//! The command line as a user meets it: errors, --out, check, --recipes,
//! determinism.

use std::fs;

use crate::common::*;

#[test]
fn bad_target_key_and_values_are_usage_errors_with_suggestions() {
    assert_usage_error(
        &render(&["-t", "debian-21"]),
        &["unknown target 'debian-21'", "did you mean 'debian-12'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_bindir=/x"]),
        &["'patroni_bindir'", "did you mean 'patroni_bin_dir'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "novalue"]),
        &["KEY=VALUE"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_bin_dir=opt/bin"]),
        &["patroni_bin_dir 'opt/bin'", "not absolute", "Allowed"],
    );
    assert_usage_error(
        &render(&[
            "-t",
            "debian-12",
            "--set",
            "patroni_config_dir=/etc/pat roni",
        ]),
        &["a space"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_extras=etcd,consull"]),
        &["'consull'", "did you mean 'consul'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_version=v4.1"]),
        &["patroni_version 'v4.1'", "PEP 440"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "pg_user=Postgres"]),
        &["pg_user 'Postgres'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "https_proxy=proxy:3128"]),
        &["https_proxy", "http://"],
    );
    assert_usage_error(&render(&["-t", "debian-12", "-f", "all"]), &["--out"]);
    assert_usage_error(&render(&["-t", "debian-12", "-f", "pdf"]), &["pdf"]);
}

#[test]
fn renders_are_byte_equal_whatever_the_environment() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let one = run(bin()
        .args(["render", "-t", "rhel-8", "--out"])
        .arg(a.path().join("r"))
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("HOME", "/nonexistent")
        .current_dir("/"));
    let two = run(bin()
        .args(["render", "-t", "rhel-8", "--out", "r"])
        .env("TZ", "Pacific/Kiritimati")
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .env("HOME", b.path())
        .current_dir(b.path()));
    assert!(one.status.success() && two.status.success());
    for name in [
        "install.sh",
        "Dockerfile",
        "cloud-init.yaml",
        "patroni.service",
        "SHA256SUMS",
    ] {
        let x = fs::read(a.path().join("r").join(name)).unwrap();
        let y = fs::read(b.path().join("r").join(name)).unwrap();
        assert_eq!(x, y, "{name} differs between environments");
        assert!(!x.contains(&b'\r'), "{name} has CR");
        let s = text(&x);
        assert!(
            !s.contains(b.path().to_str().unwrap()) && !s.contains("/tmp"),
            "{name} names a local path"
        );
    }
}

#[test]
fn out_replaces_only_its_own_rendering_and_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    assert!(render(&["-t", "debian-12", "--out", o]).status.success());
    assert!(
        render(&["-t", "debian-13", "--out", o]).status.success(),
        "a rendering is replaced by the next"
    );
    let mode = |n: &str| {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(out.join(n)).unwrap().permissions().mode() & 0o777
    };
    assert_eq!((mode("install.sh"), mode("Dockerfile")), (0o755, 0o644));

    let check = |t: &str| run(bin().args(["check", "-t", t, "--out", o]));
    assert_eq!(check("debian-13").status.code(), Some(0));
    let drift = check("debian-12");
    assert_eq!(drift.status.code(), Some(1));
    assert!(
        text(&drift.stdout).contains("-# Install Patroni on Debian 13")
            && text(&drift.stdout).contains("+# Install Patroni on Debian 12")
    );

    // A failed render leaves the directory exactly as it was.
    let before = fs::read(out.join("install.sh")).unwrap();
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "pg_home=x", "--out", o]),
        &["pg_home"],
    );
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);

    // A directory with files of its own is refused, and left alone.
    fs::write(out.join("notes.txt"), "mine").unwrap();
    assert_usage_error(&render(&["-t", "debian-12", "--out", o]), &["notes.txt"]);
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);
    assert_eq!(
        check("debian-13").status.code(),
        Some(1),
        "an extra file is drift"
    );

    // A symlink as --out is refused, not followed.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    assert_usage_error(
        &render(&["-t", "debian-12", "--out", link.to_str().unwrap()]),
        &["symbolic link"],
    );
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "temporary directories left: {leftovers:?}"
    );
}

/// A copy of recipes/ to edit: (its directory, its install_patroni/).
fn recipe_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("install_patroni");
    fs::create_dir_all(copy.join("steps")).unwrap();
    for entry in walk(&repo().join("recipes/install_patroni")) {
        let rel = entry
            .strip_prefix(repo().join("recipes/install_patroni"))
            .unwrap();
        fs::create_dir_all(copy.join(rel).parent().unwrap()).unwrap();
        fs::copy(&entry, copy.join(rel)).unwrap();
    }
    (dir, copy)
}

#[test]
fn a_step_line_the_dockerfile_cannot_hold_is_refused_naming_the_template_line() {
    let (dir, copy) = recipe_copy();
    let step = copy.join("steps/config_dir.sh.j2");
    let source = fs::read_to_string(&step).unwrap();
    fs::write(&step, format!("cat >/tmp/x <<EOF\nx\nEOF\n{source}")).unwrap();
    let out = render(&[
        "-t",
        "debian-12",
        "-f",
        "dockerfile",
        "--recipes",
        dir.path().to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert!(!out.status.success() && out.stdout.is_empty(), "{err}");
    assert!(
        err.contains("steps/config_dir.sh.j2 line 1: `cat >/tmp/x <<EOF`")
            && err.contains("here-document")
            && err.contains("encoding step config_dir"),
        "{err}"
    );
    // A step is also a RUN (and indentation would break a heredoc):
    // install.sh refuses it as well.
    let out = render(&["-t", "debian-12", "--recipes", dir.path().to_str().unwrap()]);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("here-document"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn recipes_dir_overrides_the_embedded_recipe() {
    let (dir, copy) = recipe_copy();
    let unit = copy.join("patroni.service.j2");
    let t = fs::read_to_string(&unit)
        .unwrap()
        .replace("TimeoutSec=30", "TimeoutSec=45");
    fs::write(&unit, t).unwrap();
    let out = render(&[
        "-t",
        "debian-12",
        "-f",
        "unit",
        "--recipes",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        text(&out.stdout).contains("TimeoutSec=45"),
        "{}",
        text(&out.stderr)
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--recipes", "/nonexistent"]),
        &["/nonexistent"],
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn targets_and_params_list_everything() {
    let targets = text(&run(bin().arg("targets")).stdout);
    for t in [
        "debian-12",
        "debian-13",
        "ubuntu-22.04",
        "ubuntu-24.04",
        "rhel-8",
        "rhel-9",
        "rocky-9",
        "python3.11 (3.11)",
    ] {
        assert!(targets.contains(t), "{t} missing from:\n{targets}");
    }
    let params = text(&run(bin().arg("params")).stdout);
    for p in [
        "patroni_bin_dir",
        "{{ pg_home }}/.local/bin",
        "debian: /var/lib/postgresql, rhel: /var/lib/pgsql",
        "4.1.5",
    ] {
        assert!(params.contains(p), "{p} missing from:\n{params}");
    }
    let rhel = text(&run(bin().args(["params", "-t", "alma-8"])).stdout);
    assert!(
        rhel.contains("/var/lib/pgsql") && !rhel.contains("/var/lib/postgresql"),
        "{rhel}"
    );
}

#[test]
fn cloud_init_over_its_limit_is_compressed_or_refused_with_the_sizes() {
    let (code, yaml, err) = {
        let out = render(&[
            "-t",
            "rhel-9",
            "-f",
            "cloud-init",
            "--set",
            "cloud_init_limit=65536",
        ]);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(!yaml.contains("gz+b64"), "readable where it fits");
    let out = render(&[
        "-t",
        "rhel-9",
        "-f",
        "cloud-init",
        "--set",
        "cloud_init_limit=1024",
    ]);
    assert_usage_error(
        &out,
        &[
            "even with the script gzip-compressed",
            "over cloud_init_limit 1024",
            "65536",
        ],
    );
    let out = render(&[
        "-t",
        "rhel-9",
        "-f",
        "cloud-init",
        "--set",
        "cloud_init_limit=16k",
    ]);
    assert_usage_error(
        &out,
        &["cloud_init_limit '16k' is not valid", "1024 to 16777216"],
    );
}
