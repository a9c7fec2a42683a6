//! The committed renderings under golden/ are exactly what the tool renders.
//! With PATRONI_BAKE_UPDATE_GOLDEN=1 (`make golden`) the same test has the
//! tool render them instead, so that golden/cases.txt has one reader.

use crate::common::*;

#[test]
fn every_golden_rendering_matches() {
    let update = std::env::var_os("PATRONI_BAKE_UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for case in golden_cases() {
        let dir = golden_dir(&case);
        // The SBOMs carry a time only from SOURCE_DATE_EPOCH: not the goldens.
        let out = run(bin()
            .env_remove("SOURCE_DATE_EPOCH")
            .arg(if update { "render" } else { "check" })
            .args(["--target", &case.target])
            .args(&case.args)
            .arg("--out")
            .arg(&dir));
        if !out.status.success() {
            failures.push(format!(
                "{}:\n{}{}",
                case.name,
                text(&out.stdout),
                text(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden renderings drifted; review the diff, then `make golden`:\n{}",
        failures.join("\n")
    );
}

#[test]
fn golden_holds_only_listed_cases() {
    let cases: Vec<String> = golden_cases().into_iter().map(|c| c.name).collect();
    for entry in std::fs::read_dir(repo().join("golden")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(
                cases.contains(&name),
                "golden/{name} is not in golden/cases.txt; remove it or list it"
            );
        }
    }
}

#[test]
fn every_target_has_a_default_golden_rendering() {
    let out = run(bin().arg("targets"));
    let cases = golden_cases();
    for line in text(&out.stdout).lines().skip(1) {
        let target = line.split_whitespace().next().unwrap();
        assert!(
            cases
                .iter()
                .any(|c| c.name == target && c.target == target && c.args.is_empty()),
            "target {target} has no default golden case"
        );
    }
}
