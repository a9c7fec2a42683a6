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
        let out = run(bin()
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

/// The longest line of install.sh besides data lines.
const MAX_LINE: usize = 120;

/// A line of data rather than of code: a requirement (`name==version
/// --hash=sha256:…`), uv's wheel for an architecture (its URL and hash),
/// or one quoted word continued (` \`) that is written into a file or
/// matched verbatim (the PATH block's lines, pipx's record of the spec),
/// which no line break may enter.
fn is_data_line(line: &str) -> bool {
    let word = line.trim_start().strip_suffix(" \\").unwrap_or("");
    let one_quoted_word = word.len() > 2
        && word.starts_with('\'')
        && word.ends_with('\'')
        && !word[1..word.len() - 1].replace("'\\''", "").contains('\'');
    line.contains("--hash=sha256:") || line.contains(" sha256=") || one_quoted_word
}

#[test]
fn no_line_of_install_sh_is_over_120_characters_besides_data() {
    let mut long = Vec::new();
    for case in golden_cases() {
        let file = golden_dir(&case).join("install.sh");
        let script = std::fs::read_to_string(&file).unwrap();
        for (n, line) in script.lines().enumerate() {
            if line.chars().count() > MAX_LINE && !is_data_line(line) {
                long.push(format!("golden/{}/install.sh:{}: {line}", case.name, n + 1));
            }
        }
    }
    assert!(
        long.is_empty(),
        "lines over {MAX_LINE}:\n{}",
        long.join("\n")
    );
    assert!(is_data_line("    'a b c' \\") && !is_data_line("    'a' b \\"));
}
