//! Hash-locked Python requirements: the lines pip installs with
//! `--require-hashes` (`name==version --hash=sha256:…`), and `patroni-bake
//! lock`, which has uv make the lock (src/uvlock.rs reads it).

use std::process::Command;

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

use crate::recipe::RecipeDef;
/// One line of a lock, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDist {
    /// The name normalized as PEP 503 does (lower case, runs of `-_.` as `-`).
    pub name: String,
    pub version: String,
}

impl LockedDist {
    pub fn parse(line: &str) -> Result<LockedDist> {
        let mut words = line.split(' ');
        let pin = words.next().unwrap_or_default();
        let Some((name, version)) = pin.split_once("==") else {
            bail!("'{line}' does not start with name==version");
        };
        let hashes: Vec<&str> = words.collect();
        if hashes.is_empty() {
            bail!("'{line}' has no --hash");
        }
        for h in hashes {
            let hex = h.strip_prefix("--hash=sha256:").unwrap_or_default();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("'{h}' in '{pin}' is not --hash=sha256:<64 hex digits>");
            }
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            || version.is_empty()
            || !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+!".contains(c))
        {
            bail!("'{pin}' is not a plain name==version");
        }
        Ok(LockedDist {
            name: normalize_name(name),
            version: version.to_string(),
        })
    }

    /// `name==version`, as the install compares it with what is installed.
    pub fn pin(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }
}

/// PEP 503 normalization.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if "-_.".contains(c) {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The lock project's `pyproject.toml` for Patroni `version`: one optional
/// dependency per choice (see src/uvlock.rs), for every target's Python on
/// Linux x86_64 and aarch64.
pub fn lock_project(def: &RecipeDef, version: &str) -> String {
    let min_python = def
        .targets
        .values()
        .map(|t| t.python_version.as_str())
        .min_by_key(|v| {
            v.split('.')
                .map(|n| n.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .unwrap_or("3.9");
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out =
        String::from("# Made by `patroni-bake lock`; uv resolves it into uv.lock.\n[project]\n");
    out.push_str(&format!("name = \"patroni-bake-lock\"\nversion = \"0\"\nrequires-python = {}\ndependencies = []\n\n", q(&format!(">={min_python}"))));
    out.push_str("[project.optional-dependencies]\n");
    out.push_str(&format!(
        "{} = [{}]\n",
        crate::uvlock::PATRONI_EXTRA,
        q(&format!("patroni=={version}"))
    ));
    for extra in &def.patroni_extras {
        out.push_str(&format!(
            "{} = [{}]\n",
            q(extra),
            q(&format!("patroni[{extra}]=={version}"))
        ));
    }
    let shared: Vec<String> = def.pipx_shared_libs.iter().map(|l| q(l)).collect();
    out.push_str(&format!(
        "{} = [{}]\n",
        crate::uvlock::SHARED_EXTRA,
        shared.join(", ")
    ));
    out.push_str(&format!(
        "{} = [{}]\n\n",
        crate::uvlock::PIPX_EXTRA,
        q(&def.pipx_pip_spec)
    ));
    out.push_str("[tool.uv]\npackage = false\nenvironments = [\n");
    for arch in crate::uvlock::ARCHES {
        out.push_str(&format!(
            "    {},\n",
            q(&format!(
                "sys_platform == 'linux' and platform_machine == '{arch}'"
            ))
        ));
    }
    out.push_str("]\n");
    if !def.lock_dependency_metadata.is_empty() {
        out.push_str("dependency-metadata = [\n");
        for (name, v) in &def.lock_dependency_metadata {
            out.push_str(&format!(
                "    {{ name = {}, version = {}, requires-dist = [] }},\n",
                q(name),
                q(v)
            ));
        }
        out.push_str("]\n");
    }
    out
}

/// Have uv lock `project` in `dir` (a fresh directory) and return uv.lock.
pub fn uv_lock(project: &str, dir: &Utf8Path) -> Result<String> {
    let pyproject = dir.join("pyproject.toml");
    std::fs::write(&pyproject, project).with_context(|| format!("writing {pyproject}"))?;
    let status = match Command::new("uv").arg("lock").current_dir(dir).status() {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(crate::error::usage(
                "uv is not installed: `patroni-bake lock` needs uv and the package index (python3 -m pip install uv)",
            ))
        }
        Err(e) => return Err(e).context("running uv"),
    };
    if !status.success() {
        bail!("uv lock failed ({status}); its message is above. It needs the package index (PyPI, or UV_INDEX_URL / UV_DEFAULT_INDEX); behind a TLS-intercepting proxy set SSL_CERT_FILE to its CA bundle");
    }
    let lock = dir.join("uv.lock");
    std::fs::read_to_string(&lock)
        .with_context(|| format!("reading {lock}, which uv should have written"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_like_pep_503() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("python_etcd"), "python-etcd");
        assert_eq!(normalize_name("zope..interface__x"), "zope-interface-x");
    }

    #[test]
    fn lines_need_a_pin_and_sha256_hashes() {
        let h = "a".repeat(64);
        let d = LockedDist::parse(&format!("PyYAML==6.0.3 --hash=sha256:{h}")).unwrap();
        assert_eq!(d.pin(), "pyyaml==6.0.3");
        for bad in [
            "pyyaml==6.0.3".to_string(),
            format!("pyyaml>=6 --hash=sha256:{h}"),
            format!("pyyaml==6.0.3 --hash=md5:{h}"),
            format!("pyyaml==6.0.3 --hash=sha256:{}", "g".repeat(64)),
            format!("py$(x)==1 --hash=sha256:{h}"),
        ] {
            assert!(LockedDist::parse(&bad).is_err(), "{bad}");
        }
    }
}
