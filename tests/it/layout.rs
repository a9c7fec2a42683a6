//! The pipeline's imports run one way: recipe → input → plan → render →
//! output (tools and commands at the end); a module never uses one that
//! comes after it. error, suggest and utc are shared leaves.

use std::fs;
use std::path::Path;

use crate::common::repo;

const ORDER: &[&str] = &["recipe", "input", "plan", "render", "output", "tools"];
const LEAVES: &[&str] = &["error", "suggest", "utc"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn imports_run_one_way_through_the_pipeline() {
    let mut wrong = Vec::new();
    for (rank, layer) in ORDER.iter().enumerate() {
        let mut files = Vec::new();
        rust_files(&repo().join("src").join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ has no files");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (i, line) in text.lines().enumerate() {
                for (pos, _) in line.match_indices("crate::") {
                    let used: String = line[pos + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let later = ORDER
                        .iter()
                        .position(|l| *l == used)
                        .is_some_and(|r| r > rank);
                    let known = LEAVES.contains(&used.as_str()) || ORDER.contains(&used.as_str());
                    if later || !known {
                        wrong.push(format!("{}:{}: uses crate::{used}", file.display(), i + 1));
                    }
                }
            }
        }
    }
    for leaf in LEAVES {
        let text = fs::read_to_string(repo().join("src").join(format!("{leaf}.rs"))).unwrap();
        if text.contains("crate::") {
            wrong.push(format!("src/{leaf}.rs is a leaf but uses crate::"));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing back:\n{}",
        wrong.join("\n")
    );
}

/// The longest function, in lines from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 60;

/// Functions a reader can hold in mind: none in src/, tests/, benches/,
/// build.rs or a workspace crate's crates/*/src/ is longer than
/// [`MAX_FN_LINES`].
#[test]
fn no_function_is_longer_than_60_lines() {
    let mut files = vec![repo().join("build.rs")];
    for dir in ["src", "tests", "benches"] {
        rust_files(&repo().join(dir), &mut files);
    }
    for krate in fs::read_dir(repo().join("crates")).unwrap() {
        rust_files(&krate.unwrap().path().join("src"), &mut files);
    }
    let mut long = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(super) fn ",
                "pub(crate) fn ",
                "const fn ",
            ]
            .iter()
            .any(|p| trimmed.starts_with(p));
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            let end = lines[i + 1..].iter().position(|l| *l == close);
            let Some(end) = end else {
                long.push(format!(
                    "{}:{}: no closing brace found at its indentation",
                    file.display(),
                    i + 1
                ));
                continue;
            };
            let len = end + 2;
            if len > MAX_FN_LINES {
                long.push(format!(
                    "{}:{}: {len} lines: {}",
                    file.display(),
                    i + 1,
                    trimmed
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

/// cargo deny once wrote its database under a folder named `~` here
/// (deny.toml's `~` is not expanded); nothing may write outside target/.
#[test]
fn no_folder_named_tilde() {
    assert!(
        !repo().join("~").exists(),
        "a folder named ~ is in the repository root"
    );
}

/// A comment that names a file of src/ names one that exists (files move;
/// their mentions must move with them).
#[test]
fn comments_name_files_that_exist() {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut stale = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(at) = line.find("//") else { continue };
            let comment = &line[at..];
            for (pos, _) in comment.match_indices("src/") {
                let path: String = comment[pos..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "_/.".contains(*c))
                    .collect();
                let path = path.trim_end_matches('.');
                if path.ends_with(".rs") && !repo().join(path).exists() {
                    stale.push(format!("{}:{}: {path}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "comments name files that do not exist:\n{}",
        stale.join("\n")
    );
}
