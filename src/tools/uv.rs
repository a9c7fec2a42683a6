//! `patroni-bake lock`: uv makes the lock of a Patroni version (the format
//! is read by src/recipe/uvlock.rs) of the project src/tools/pyproject.rs
//! writes. The only code that runs uv.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

/// Have uv lock `project` in `dir`, resolving at the cut-off date
/// `exclude_newer` where one is given: uv.lock, and the extras uv warned
/// that the locked Patroni does not have. A second call in the same `dir`
/// starts from the first's uv.lock. uv's messages go to `report`, as uv
/// wrote them.
pub fn uv_lock(
    project: &str,
    dir: &Utf8Path,
    exclude_newer: Option<&str>,
    report: &mut dyn FnMut(&str),
) -> Result<(String, Vec<String>)> {
    let pyproject = dir.join("pyproject.toml");
    std::fs::write(&pyproject, project).with_context(|| format!("writing {pyproject}"))?;
    let mut cmd = Command::new("uv");
    cmd.arg("lock");
    if let Some(ts) = exclude_newer {
        cmd.args(["--exclude-newer", ts]);
    }
    let output = match cmd
        .current_dir(dir)
        .stderr(Stdio::piped())
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(crate::error::usage(
                "uv is not installed: `patroni-bake lock` needs uv and the package index (python3 -m pip install uv)",
            ))
        }
        Err(e) => return Err(e).context("running uv"),
    };
    // uv's messages are the user's to read, as if uv wrote them itself.
    let said = String::from_utf8_lossy(&output.stderr);
    report(&said);
    if !output.status.success() {
        bail!("uv lock failed ({}); its message is above. It needs the package index (PyPI, or UV_INDEX_URL / UV_DEFAULT_INDEX); behind a TLS-intercepting proxy set SSL_CERT_FILE to its CA bundle", output.status);
    }
    let lock = dir.join("uv.lock");
    let text = std::fs::read_to_string(&lock)
        .with_context(|| format!("reading {lock}, which uv should have written"))?;
    Ok((text, lacking_extras(&said)))
}

/// The extras of `patroni` that uv warned about: "warning: The package
/// `patroni==4.0.7` does not have an extra named `systemd`".
fn lacking_extras(uv_stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = uv_stderr
        .lines()
        .filter(|l| l.contains("`patroni==") && l.contains("does not have an extra named `"))
        .filter_map(|l| l.rsplit_once("extra named `"))
        .filter_map(|(_, rest)| rest.split_once('`').map(|(name, _)| name.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_extras_uv_warns_about() {
        let said = "Resolved 16 packages in 1.39s\n\
            warning: The package `patroni==4.0.7` does not have an extra named `systemd`\n\
            warning: The package `patroni==4.0.7` does not have an extra named `nosuchextra`\n\
            warning: The package `other==1.0` does not have an extra named `x`\n";
        assert_eq!(lacking_extras(said), ["nosuchextra", "systemd"]);
        assert!(lacking_extras("Resolved 20 packages\n").is_empty());
    }
}
