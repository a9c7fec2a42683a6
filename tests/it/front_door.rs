//! The CLI as a Unix tool: a reader that stops early ends it quietly,
//! completions and a man page come from the CLI definition, and the
//! listings speak JSON too.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::common::*;

/// Every subcommand that prints, with arguments that make it print.
const PRINTING: &[&[&str]] = &[
    &["targets"],
    &["targets", "--json"],
    &["params"],
    &["params", "--json"],
    &["plan", "-t", "debian-12"],
    &["plan", "-t", "debian-12", "--json"],
    &["render", "-t", "debian-12"],
    &["render", "-t", "debian-12", "-f", "dockerfile"],
    &["render", "-t", "debian-12", "-f", "cloud-init"],
    &["render", "-t", "debian-12", "-f", "unit"],
    &[
        "render",
        "-t",
        "debian-12",
        "-f",
        "cloud-init",
        "--with",
        "tests/data/user-data/fleet.yaml",
    ],
    &["completions", "bash"],
    &["man"],
    &["--help"],
];

/// The tool with `args`, its stdout and stderr piped to this test.
fn spawn_piped(args: &[&str]) -> std::process::Child {
    bin()
        .current_dir(repo())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `CMD | head -c 1`: the reader takes one byte and closes the pipe.
fn head_c1(args: &[&str]) -> (Option<i32>, String) {
    let mut child = spawn_piped(args);
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).unwrap();
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn every_subcommand_ends_quietly_when_the_reader_stops() {
    for args in PRINTING {
        let (code, err) = head_c1(args);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(code, Some(0), "{args:?}: {err}");
    }
}

/// A reader gone before anything is written: the first write fails.
#[test]
fn a_pipe_closed_before_the_first_write_is_a_quiet_end() {
    for args in PRINTING {
        let mut child = spawn_piped(args);
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_cli() {
    let bash = run(bin().args(["completions", "bash"]));
    assert!(bash.status.success());
    let bash = text(&bash.stdout);
    for word in [
        "patroni-bake",
        "render",
        "--with",
        "--patroni-part",
        "wheelhouse",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &bash).unwrap();
    let parsed = run(Command::new("bash").arg("-n").arg(script.path()));
    assert!(parsed.status.success(), "{}", text(&parsed.stderr));
    for shell in ["zsh", "fish"] {
        let out = run(bin().args(["completions", shell]));
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let man = run(bin().arg("man"));
    let man = text(&man.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH patroni-bake"),
        "{}",
        &man[..200.min(man.len())]
    );
    for word in ["render", "check", "targets", "completions"] {
        assert!(man.contains(word), "the man page lacks {word}");
    }
    assert_usage_error_clap(&run(bin().args(["completions", "tcsh"])), "tcsh");
}

fn assert_usage_error_clap(out: &std::process::Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(needle), "{}", text(&out.stderr));
}

#[test]
fn targets_and_params_say_in_json_what_the_tables_show() {
    let table = text(&run(bin().arg("targets")).stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&run(bin().args(["targets", "--json"])).stdout).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), table.lines().count() - 1);
    for (row, line) in rows.iter().zip(table.lines().skip(1)) {
        let name = row["name"].as_str().unwrap();
        assert!(line.starts_with(name), "{line}");
        assert!(line.contains(row["description"].as_str().unwrap()));
        assert!(line.contains(row["python_version"].as_str().unwrap()));
    }
    let table = text(&run(bin().args(["params", "-t", "rhel-9"])).stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&run(bin().args(["params", "-t", "rhel-9", "--json"])).stdout)
            .unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), table.lines().count() - 1);
    let home = rows.iter().find(|r| r["name"] == "pg_home").unwrap();
    assert_eq!(home["default"]["rhel"], "/var/lib/pgsql");
    assert!(table
        .lines()
        .any(|l| l.starts_with("pg_home") && l.contains("/var/lib/pgsql")));
    let all: serde_json::Value =
        serde_json::from_slice(&run(bin().args(["params", "--json"])).stdout).unwrap();
    let home = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pg_home")
        .unwrap();
    assert_eq!(home["default"]["debian"], "/var/lib/postgresql");
}
