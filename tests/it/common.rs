//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camino::Utf8PathBuf;
use patroni_bake::plan::Plan;
use patroni_bake::recipe::Recipe;

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
    recipe: &Recipe,
    target: &str,
    given: &BTreeMap<String, patroni_bake::input::Given>,
) -> anyhow::Result<Plan> {
    let resolved = patroni_bake::input::resolve(&recipe.def, target, given)?;
    patroni_bake::plan::build(recipe, target, &resolved)
}

/// The parameters that are typed past text (enums, a flag, a number): the
/// checked resolving takes them; no string reaches a template through them.
const TYPED: [&str; 5] = [
    "install_method",
    "installer",
    "lock_dependencies",
    "cloud_init_limit",
    "patroni_version",
];

/// A home for the checked resolving, replaced by the given one after it.
const HOME: &str = "/patroni-bake-test-home";

/// The plan of `target` with `values` put into the typed parameters as
/// they are, past every check the CLI makes: the quoting tests feed
/// hostile values through the templates this way (production code has no
/// such door). The typed parameters, and the others' defaults, resolve as
/// the CLI resolves them; a default under the home is under the given home.
pub fn plan_unchecked(
    recipe: &Recipe,
    target: &str,
    values: &BTreeMap<String, String>,
) -> anyhow::Result<Plan> {
    let typed = values.iter().filter(|(k, _)| TYPED.contains(&k.as_str()));
    let mut given = patroni_bake::input::given_map(typed, "test");
    given.extend(patroni_bake::input::given_map([("pg_home", HOME)], "test"));
    let mut resolved = patroni_bake::input::resolve(&recipe.def, target, &given)?;
    if let Some(home) = values.get("pg_home") {
        let p = &mut resolved.params;
        for path in [&mut p.pg_home, &mut p.patroni_bin_dir, &mut p.pipx_home] {
            if let Ok(rest) = path.strip_prefix(HOME) {
                *path = Utf8PathBuf::from(home).join(rest);
            }
        }
    }
    for (name, value) in values {
        if !TYPED.contains(&name.as_str()) {
            set_unchecked(&mut resolved, name, value);
        }
    }
    patroni_bake::plan::build(recipe, target, &resolved)
}

/// Parameter `name` is `v`, as it is.
fn set_unchecked(r: &mut patroni_bake::input::Resolved, name: &str, v: &str) {
    let p = &mut r.params;
    let optional = || (!v.is_empty()).then(|| v.to_string());
    match name {
        "pg_user" => p.pg_user = v.into(),
        "pg_group" => p.pg_group = v.into(),
        "pg_home" => p.pg_home = v.into(),
        "patroni_bin_dir" => p.patroni_bin_dir = v.into(),
        "patroni_config_dir" => p.patroni_config_dir = v.into(),
        "pipx_home" => p.pipx_home = v.into(),
        "patroni_extras" => {
            p.patroni_extras = v.into();
            r.extras = v.split(',').map(str::to_string).collect();
            r.extras.sort();
        }
        "wheelhouse" => p.wheelhouse = optional().map(Utf8PathBuf::from),
        "ca_bundle" => p.ca_bundle = optional().map(Utf8PathBuf::from),
        "pip_index_url" => p.pip_index_url = optional(),
        "http_proxy" => p.http_proxy = optional(),
        "https_proxy" => p.https_proxy = optional(),
        "no_proxy" => p.no_proxy = optional(),
        other => panic!("no parameter {other}"),
    }
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
