//! `patroni-bake lock`: each locked distribution's declared licence, read
//! from its metadata on the index (licenses.py, run by uv's Python: the
//! lock needs uv already, and urllib beats adding an HTTP client crate for
//! some seventy small requests).

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

use crate::recipe::uvlock::UvLock;

const SCRIPT: &str = include_str!("licenses.py");

/// The licences of `lock`'s distributions, by (name, version), for those
/// whose metadata states one; `dir` is a scratch directory.
pub fn read(lock: &UvLock, dir: &Utf8Path) -> Result<BTreeMap<(String, String), String>> {
    let script = dir.join("licenses.py");
    std::fs::write(&script, SCRIPT).with_context(|| format!("writing {script}"))?;
    let input = serde_json::to_string(&lock.metadata_sources()).context("the files as JSON")?;
    let mut child = Command::new("uv")
        .args(["run", "--no-project", "--no-config", "--quiet", "--"])
        .arg("python")
        .arg(&script)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running uv run python licenses.py")?;
    child
        .stdin
        .take()
        .context("stdin of licenses.py")?
        .write_all(input.as_bytes())
        .context("writing to licenses.py")?;
    let output = child
        .wait_with_output()
        .context("waiting for licenses.py")?;
    if !output.status.success() {
        bail!("reading the locked distributions' licences from the index failed ({}); its message is above", output.status);
    }
    let found: BTreeMap<String, String> =
        serde_json::from_slice(&output.stdout).context("reading what licenses.py printed")?;
    found
        .into_iter()
        .map(|(who, text)| {
            let (name, version) = who
                .split_once(' ')
                .with_context(|| format!("licenses.py printed {who:?}, not NAME VERSION"))?;
            Ok(((name.to_string(), version.to_string()), text))
        })
        .collect()
}
