//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_patroni-bake"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub use crate::cases::{golden_cases, Case};

pub fn golden_dir(case: &Case) -> PathBuf {
    repo().join("golden").join(&case.name)
}

/// Run and describe the result for assertion messages.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Run a validator, panicking with its output when it fails, and with an
/// install hint when it is missing: validators never skip.
pub fn validator(program: &str, args: &[&str], path: &Path) -> Output {
    let out = Command::new(program).args(args).arg(path).output().unwrap_or_else(|e| {
        panic!("validator {program} cannot run ({e}); install it (see .ci/run): validators never skip")
    });
    out
}

pub fn render(args: &[&str]) -> Output {
    run(bin().arg("render").args(args))
}

/// Exit 2, nothing on stdout, and stderr naming every `needles`.
pub fn assert_usage_error(out: &Output, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "expected exit 2; stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on error: {}",
        text(&out.stdout)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
}

/// The plan of `target` for the given values, through input's resolving
/// as the CLI does it.
pub fn plan_of(
    recipe: &patroni_bake::recipe::Recipe,
    target: &str,
    given: &std::collections::BTreeMap<String, patroni_bake::input::Given>,
    validation: patroni_bake::input::Validation,
) -> anyhow::Result<patroni_bake::plan::Plan> {
    let resolved = patroni_bake::input::resolve(&recipe.def, target, given, validation)?;
    patroni_bake::plan::build(recipe, target, &resolved)
}

/// The parts of a user-data file as cloud-init's own code reads them (gzip,
/// MIME, transfer encodings): (file name, MIME type, payload), in order.
pub fn cloud_init_parts(path: &Path) -> Vec<(String, String, String)> {
    const READER: &str = r##"
import json, sys
from cloudinit import user_data, util
raw = open(sys.argv[1], "rb").read()
print(json.dumps([
    [p.get_filename(), p.get_content_type(), util.fully_decoded_payload(p)]
    for p in user_data.convert_string(raw).walk()
    if not p.is_multipart()
]))
"##;
    let out = run(Command::new("/usr/bin/python3")
        .args(["-c", READER])
        .arg(path));
    assert!(
        out.status.success(),
        "cloud-init cannot read {}: {}",
        path.display(),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
