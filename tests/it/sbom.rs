//! The SBOM through the CLI: printed alone per architecture, written and
//! checked with the rest, dated only by SOURCE_DATE_EPOCH.

use std::fs;

use crate::common::*;

fn sbom_json(args: &[&str]) -> serde_json::Value {
    let out = run(bin()
        .args(["render", "-t", "debian-12", "-f", "sbom"])
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn arch_of(doc: &serde_json::Value) -> &str {
    doc["metadata"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "patroni-bake:arch")
        .unwrap()["value"]
        .as_str()
        .unwrap()
}

#[test]
fn f_sbom_prints_the_sbom_that_out_writes_for_each_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let written = run(bin()
        .args(["render", "-t", "debian-12", "--out"])
        .arg(&out)
        .env_remove("SOURCE_DATE_EPOCH"));
    assert!(written.status.success(), "{}", text(&written.stderr));
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    for (arch, args) in [("x86_64", &[][..]), ("aarch64", &["--arch", "aarch64"][..])] {
        let file = format!("sbom.{arch}.cdx.json");
        assert!(
            sums.contains(&format!("  {file}\n")),
            "SHA256SUMS lacks {file}"
        );
        let printed = sbom_json(args);
        assert_eq!(arch_of(&printed), arch);
        let on_disk: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(&file)).unwrap()).unwrap();
        assert_eq!(printed, on_disk, "{file}");
    }
}

#[test]
fn check_sees_a_changed_or_missing_sbom() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let render = || {
        run(bin()
            .args(["render", "-t", "rhel-9", "--out"])
            .arg(&out)
            .env_remove("SOURCE_DATE_EPOCH"))
    };
    let check = || {
        run(bin()
            .args(["check", "-t", "rhel-9", "--out"])
            .arg(&out)
            .env_remove("SOURCE_DATE_EPOCH"))
    };
    assert!(render().status.success());
    assert!(check().status.success());
    let file = out.join("sbom.aarch64.cdx.json");
    let edited = fs::read_to_string(&file)
        .unwrap()
        .replacen("\"pip\"", "\"pip2\"", 1);
    fs::write(&file, edited).unwrap();
    let drift = check();
    assert_eq!(drift.status.code(), Some(1));
    assert!(
        text(&drift.stdout).contains("sbom.aarch64.cdx.json"),
        "{}",
        text(&drift.stdout)
    );
    fs::remove_file(&file).unwrap();
    let drift = check();
    assert_eq!(drift.status.code(), Some(1));
    assert!(
        text(&drift.stdout).contains("missing in"),
        "{}",
        text(&drift.stdout)
    );
    // A dated SBOM is another rendering: check must be given the same date.
    assert!(render().status.success());
    let dated = run(bin()
        .args(["check", "-t", "rhel-9", "--out"])
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1764892800"));
    assert_eq!(dated.status.code(), Some(1));
    assert!(text(&dated.stdout).contains("2025-12-05T00:00:00Z"));
}

#[test]
fn arch_without_f_sbom_and_a_bad_epoch_are_usage_errors() {
    assert_usage_error(
        &render(&["-t", "debian-12", "--arch", "aarch64"]),
        &["--arch", "-f sbom"],
    );
    let out = run(bin()
        .args(["render", "-t", "debian-12", "-f", "sbom"])
        .env("SOURCE_DATE_EPOCH", "yesterday"));
    assert_usage_error(&out, &["SOURCE_DATE_EPOCH", "yesterday"]);
}
