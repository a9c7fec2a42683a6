//! `patroni-bake lock`: uv makes the lock of a Patroni version (the format
//! is read by src/recipe/uvlock.rs). The only code that runs uv.

use std::process::{Command, Stdio};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

use crate::recipe::version::Version;
use crate::recipe::RecipeDef;

/// The lock project's `pyproject.toml` for Patroni `version`: one optional
/// dependency per choice (see src/recipe/uvlock.rs), for every target's Python on
/// Linux x86_64 and aarch64. With `forks`, the recipe's `lock_fork_extras`
/// too, each in forks of its own; without, the project leaves them out
/// (the first resolution, see src/tools/lock.rs).
pub fn lock_project(def: &RecipeDef, version: &str, forks: bool) -> String {
    let fork_extras: &[String] = if forks { &def.lock_fork_extras } else { &[] };
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out =
        String::from("# Made by `patroni-bake lock`; uv resolves it into uv.lock.\n[project]\n");
    out.push_str(&format!("name = \"patroni-bake-lock\"\nversion = \"0\"\nrequires-python = {}\ndependencies = []\n\n", q(&format!(">={}", min_python(def)))));
    out.push_str(&optional_dependencies(def, version, forks));
    out.push('\n');
    out.push_str(&environments(&target_pythons(def)));
    out.push_str(&conflicts(fork_extras));
    out.push_str(&dependency_metadata(def));
    out
}

/// The oldest Python of the targets (`major.minor`).
fn min_python(def: &RecipeDef) -> &str {
    def.targets
        .values()
        .map(|t| t.python_version.as_str())
        .min_by_key(|v| Version::from_str(v).ok())
        .unwrap_or("3.9")
}

/// `[project.optional-dependencies]`: one extra per choice of Patroni's,
/// pipx's shared libraries and pipx; with `forks`, the recipe's
/// `lock_fork_extras` and their empty shadows, without, neither.
fn optional_dependencies(def: &RecipeDef, version: &str, forks: bool) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::from("[project.optional-dependencies]\n");
    out.push_str(&format!(
        "{} = [{}]\n",
        crate::recipe::uvlock::PATRONI_EXTRA,
        q(&format!("patroni=={version}"))
    ));
    for extra in &def.patroni_extras {
        if !forks && def.lock_fork_extras.contains(extra) {
            continue;
        }
        out.push_str(&format!(
            "{} = [{}]\n",
            q(extra),
            q(&format!("patroni[{extra}]=={version}"))
        ));
    }
    let shared: Vec<String> = def.pipx_shared_libs.iter().map(|l| q(l)).collect();
    out.push_str(&format!(
        "{} = [{}]\n",
        crate::recipe::uvlock::SHARED_EXTRA,
        shared.join(", ")
    ));
    out.push_str(&format!(
        "{} = [{}]\n",
        crate::recipe::uvlock::PIPX_EXTRA,
        q(&def.pipx_pip_spec)
    ));
    if forks {
        for extra in &def.lock_fork_extras {
            out.push_str(&format!("{} = []\n", q(&shadow_extra(extra))));
        }
    }
    out
}

/// uv's `dependency-metadata`: the recipe's distributions taken as
/// having no dependencies.
fn dependency_metadata(def: &RecipeDef) -> String {
    if def.lock_dependency_metadata.is_empty() {
        return String::new();
    }
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::from("dependency-metadata = [\n");
    for (name, v) in &def.lock_dependency_metadata {
        out.push_str(&format!(
            "    {{ name = {}, version = {}, requires-dist = [] }},\n",
            q(name),
            q(v)
        ));
    }
    out.push_str("]\n");
    out
}

/// The lock project of uv and pipx for installer=uv: one choice,
/// [`UV_EXTRA`](crate::recipe::uvlock::UV_EXTRA), for every Python the
/// pipx runs on, on Linux x86_64 and aarch64.
pub fn uv_installer_project(def: &RecipeDef) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let reqs: Vec<String> = def.uv_installer.iter().map(|r| q(r)).collect();
    let mut out = String::from(
        "# Made by `patroni-bake lock --uv-installer`; uv resolves it into uv.lock.\n[project]\n",
    );
    out.push_str(&format!(
        "name = \"patroni-bake-uv-installer\"\nversion = \"0\"\nrequires-python = {}\ndependencies = []\n\n",
        q(&format!(">={}", def.uv_installer_min_python))
    ));
    out.push_str("[project.optional-dependencies]\n");
    out.push_str(&format!(
        "{} = [{}]\n\n",
        crate::recipe::uvlock::UV_EXTRA,
        reqs.join(", ")
    ));
    out.push_str(&environments(&[]));
    out
}

/// The empty extra that `extra` conflicts with in the lock project, so that
/// uv resolves `extra` in forks of its own (a conflict needs two sides).
fn shadow_extra(extra: &str) -> String {
    format!("patroni-bake-not-{extra}")
}

/// Every target's Python (`major.minor`), sorted, once each.
fn target_pythons(def: &RecipeDef) -> Vec<&str> {
    let mut out: Vec<&str> = def
        .targets
        .values()
        .map(|t| t.python_version.as_str())
        .collect();
    out.sort_by_key(|v| {
        v.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    out.dedup();
    out
}

/// `[tool.uv]`: a virtual project, resolved for Linux on
/// [`ARCHES`](crate::recipe::uvlock::ARCHES), and for each of `pythons`
/// apart where there are any: uv then resolves every Python from the start
/// as `uv pip compile --python-version` does for it alone, rather than a
/// version picked for a range of them before the range split (prettytable
/// 3.18.0 for Python 3.10 and later, where 3.11 takes 3.19.0).
fn environments(pythons: &[&str]) -> String {
    let mut out = String::from("[tool.uv]\npackage = false\nenvironments = [\n");
    let q = |s: String| toml::Value::String(s).to_string();
    for arch in crate::recipe::uvlock::ARCHES {
        let platform = format!("sys_platform == 'linux' and platform_machine == '{arch}'");
        if pythons.is_empty() {
            out.push_str(&format!("    {},\n", q(platform.clone())));
        }
        for py in pythons {
            out.push_str(&format!(
                "    {},\n",
                q(format!("{platform} and python_version == '{py}'"))
            ));
        }
    }
    out.push_str("]\n");
    out
}

/// uv's `conflicts`: each of `extras` against its empty shadow, so that
/// uv resolves the choices with it and those without it apart.
fn conflicts(extras: &[String]) -> String {
    if extras.is_empty() {
        return String::new();
    }
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::from("conflicts = [\n");
    for extra in extras {
        out.push_str(&format!(
            "    [{{ extra = {} }}, {{ extra = {} }}],\n",
            q(extra),
            q(&shadow_extra(extra))
        ));
    }
    out.push_str("]\n");
    out
}

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
