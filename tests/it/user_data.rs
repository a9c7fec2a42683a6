//! `render --with`: the user's own cloud-init user data combined with the
//! install, refused clearly when cloud-init would not run a part, and the
//! same bytes wherever it is rendered.

use std::fs;
use std::path::Path;

use crate::common::*;

const FLEET: &str = "tests/data/user-data/fleet.yaml";

fn with(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["-t", "debian-12", "-f", "cloud-init"];
    args.extend_from_slice(extra);
    run(bin().current_dir(repo()).arg("render").args(&args))
}

#[test]
fn parts_cloud_init_would_not_run_are_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("fleet.txt");
    fs::write(&bad, "packages: [jq]\n").unwrap();
    let bad = bad.to_str().unwrap();
    assert_usage_error(
        &with(&["--with", bad]),
        &[bad, "'packages: [jq]'", "#cloud-config", "a script (#!)"],
    );
    assert_usage_error(
        &with(&["--with", "no/such/file.yaml"]),
        &["--with no/such/file.yaml", "no such file"],
    );
    let list = tmp.path().join("list.yaml");
    fs::write(&list, "#cloud-config\n- jq\n").unwrap();
    assert_usage_error(
        &with(&["--with", list.to_str().unwrap()]),
        &["top level is a list"],
    );
    // Two scripts cloud-init would store under one name.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        fs::create_dir(d).unwrap();
        fs::write(d.join("x.sh"), "#!/bin/sh\n").unwrap();
    }
    assert_usage_error(
        &with(&[
            "--with",
            a.join("x.sh").to_str().unwrap(),
            "--with",
            b.join("x.sh").to_str().unwrap(),
        ]),
        &["both named x.sh"],
    );
}

#[test]
fn with_is_for_the_cloud_init_rendering_and_writes_nothing_on_error() {
    assert_usage_error(
        &run(bin().current_dir(repo()).args([
            "render",
            "-t",
            "debian-12",
            "-f",
            "shell",
            "--with",
            FLEET,
        ])),
        &["--with", "-f cloud-init", "not -f shell"],
    );
    let out = run(bin().current_dir(repo()).args([
        "render",
        "-t",
        "debian-12",
        "--patroni-part",
        "first",
    ]));
    assert_eq!(out.status.code(), Some(2), "--patroni-part needs --with");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let bad = tmp.path().join("bad.yaml");
    fs::write(&bad, "hello\n").unwrap();
    let out = run(bin()
        .current_dir(repo())
        .args(["render", "-t", "debian-12", "--with"])
        .arg(&bad)
        .arg("--out")
        .arg(&dir));
    assert_usage_error(&out, &["bad.yaml"]);
    assert!(!dir.exists(), "nothing is written when a part is refused");
}

#[test]
fn over_the_limit_even_compressed_is_refused_with_the_sizes() {
    assert_usage_error(
        &with(&["--with", FLEET, "--set", "cloud_init_limit=2048"]),
        &[
            "combined user data is",
            "gzip-compressed",
            "bytes plain",
            "over cloud_init_limit 2048",
        ],
    );
}

#[test]
fn the_combined_user_data_is_the_same_from_any_directory_and_path() {
    let relative = with(&["--with", FLEET]);
    assert!(relative.status.success(), "{}", text(&relative.stderr));
    let absolute = repo().join(FLEET);
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = run(bin()
        .current_dir(tmp.path())
        .args(["render", "-t", "debian-12", "-f", "cloud-init", "--with"])
        .arg(&absolute)
        .env("TZ", "Pacific/Chatham")
        .env("HOME", tmp.path()));
    assert!(elsewhere.status.success());
    assert_eq!(relative.stdout, elsewhere.stdout);
    let plain = with(&["--with", FLEET, "--set", "cloud_init_limit=65536"]);
    let text = text(&plain.stdout);
    assert!(
        !text.contains(repo().to_str().unwrap()),
        "no path of this machine"
    );
    assert!(text.contains("filename=\"fleet.yaml\""));
}

#[test]
fn out_writes_user_data_and_check_wants_the_same_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let dir_s = dir.to_str().unwrap();
    let ok = |args: &[&str]| {
        let out = run(bin().current_dir(repo()).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    };
    ok(&["render", "-t", "debian-12", "--with", FLEET, "--out", dir_s]);
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("  user-data\n"), "{sums}");
    ok(&["check", "-t", "debian-12", "--with", FLEET, "--out", dir_s]);
    // Without the part, the directory has drifted from the rendering.
    let out = run(bin()
        .current_dir(repo())
        .args(["check", "-t", "debian-12", "--out", dir_s]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // A render without --with replaces one made with it.
    ok(&["render", "-t", "debian-12", "--out", dir_s]);
    assert!(!Path::new(&dir.join("user-data")).exists());
}

/// Parts that are not 7-bit text (CRLF, UTF-8) or lack a final line break
/// still reach cloud-init byte for byte.
#[test]
fn any_text_part_reaches_cloud_init_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = [
        ("crlf.yaml", "#cloud-config\r\nruncmd: [[echo, hi]]\r\n"),
        ("noeol.sh", "#!/bin/sh\necho no final newline"),
        (
            "utf8.yaml",
            "#cloud-config\nwrite_files: [{path: /etc/x, content: \"Grüße ✓\"}]\n",
        ),
        ("blank-end.sh", "#!/bin/sh\n\n\n"),
    ];
    let mut cmd = bin();
    cmd.args([
        "render",
        "-t",
        "debian-12",
        "-f",
        "cloud-init",
        "--set",
        "cloud_init_limit=65536",
    ]);
    for (name, content) in parts {
        fs::write(tmp.path().join(name), content).unwrap();
        cmd.arg("--with").arg(tmp.path().join(name));
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = tmp.path().join("user-data");
    fs::write(&file, &out.stdout).unwrap();
    let got = cloud_init_parts(&file);
    for (i, (name, content)) in parts.iter().enumerate() {
        assert_eq!(got[i].2, *content, "{name}");
    }
    assert_eq!(got.len(), parts.len() + 1);
}
