//! Hash-locked Python requirements: `recipes/install_patroni/locks.toml`.
//!
//! A lock is keyed by the target's Python (`3.11`) and the requirement it
//! resolves (`patroni[etcd,psycopg2-binary]==4.1.5`, `pipx==1.7.1`, or pipx's
//! shared libraries). Each entry is one requirements-file line:
//! `name==version --hash=sha256:…`, so that pip installs it with
//! `--require-hashes`. Locks are data: `patroni-bake lock` writes them (this
//! module shells out to uv for the resolution); rendering only reads them.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The lock file inside a recipe folder.
pub const LOCKS_FILE: &str = "locks.toml";

/// The platforms a lock covers: Linux on x86_64 and aarch64 with glibc 2.28
/// or newer (RHEL 8's glibc is the oldest among the targets).
pub const PLATFORMS: &[&str] = &["x86_64-manylinux_2_28", "aarch64-manylinux_2_28"];

const HEADER: &str = "\
# Hash-locked Python requirements, by target Python and requirement.
# Written by `patroni-bake lock` (`make lock`): uv resolves each requirement
# for Linux x86_64 and aarch64 (manylinux_2_28); each line keeps the hashes
# of the files pip may take there (a wheel per platform, or the sdist).
# Do not edit by hand: re-run the lock.
";

/// Every lock of a recipe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locks {
    /// Python `major.minor` → requirement → requirements-file lines.
    #[serde(default)]
    pub python: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Locks {
    pub fn parse(text: &str, origin: &str) -> Result<Locks> {
        let locks: Locks = toml::from_str(text).with_context(|| format!("parsing {origin}"))?;
        for (py, reqs) in &locks.python {
            for (req, lines) in reqs {
                for line in lines {
                    LockedDist::parse(line)
                        .with_context(|| format!("{origin}: python {py}, {req}"))?;
                }
            }
        }
        Ok(locks)
    }

    /// The file's text: sorted, so that a re-lock diffs only what changed.
    pub fn to_text(&self) -> Result<String> {
        let body = toml::to_string_pretty(self).context("serializing the locks")?;
        Ok(format!("{HEADER}\n{body}"))
    }

    pub fn get(&self, python: &str, requirement: &str) -> Option<&[String]> {
        self.python
            .get(python)
            .and_then(|r| r.get(requirement))
            .map(Vec::as_slice)
    }
}

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

/// Resolve `requirements` for CPython `python` on every platform of
/// [`PLATFORMS`] with `uv pip compile`, and merge them into lock lines.
pub fn resolve(requirements: &[String], python: &str) -> Result<Vec<String>> {
    let mut merged: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for platform in PLATFORMS {
        for (name, version, hashes) in uv_compile(requirements, python, platform)? {
            let entry = merged
                .entry(name.clone())
                .or_insert_with(|| (version.clone(), Vec::new()));
            if entry.0 != version {
                bail!(
                    "{name} resolves to {} on one platform and {version} on {platform}; a lock needs one version",
                    entry.0
                );
            }
            for h in hashes {
                if !entry.1.contains(&h) {
                    entry.1.push(h);
                }
            }
        }
    }
    Ok(merged
        .into_iter()
        .map(|(name, (version, mut hashes))| {
            hashes.sort();
            let hashes: Vec<String> = hashes
                .iter()
                .map(|h| format!("--hash=sha256:{h}"))
                .collect();
            format!("{name}=={version} {}", hashes.join(" "))
        })
        .collect())
}

/// uv's PEP 751 lock (pylock.toml), the part this module reads.
#[derive(Debug, Deserialize)]
struct PyLock {
    #[serde(default)]
    packages: Vec<PyLockPackage>,
}

#[derive(Debug, Deserialize)]
struct PyLockPackage {
    name: String,
    version: String,
    sdist: Option<PyLockFile>,
    #[serde(default)]
    wheels: Vec<PyLockFile>,
}

#[derive(Debug, Deserialize)]
struct PyLockFile {
    url: String,
    hashes: BTreeMap<String, String>,
}

/// (normalized name, version, sha256 of the files pip may take).
fn uv_compile(
    requirements: &[String],
    python: &str,
    platform: &str,
) -> Result<Vec<(String, String, Vec<String>)>> {
    let input = requirements.join("\n") + "\n";
    let mut child = Command::new("uv")
        .args(["pip", "compile", "-", "--quiet", "--no-header"])
        .args(["--format", "pylock.toml"])
        .args(["--python-version", python, "--python-platform", platform])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running uv (install it with `python3 -m pip install uv`)")?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().context("uv's stdin")?;
        stdin
            .write_all(input.as_bytes())
            .context("writing requirements to uv")?;
    }
    let out = child.wait_with_output().context("waiting for uv")?;
    if !out.status.success() {
        bail!(
            "uv pip compile for Python {python} on {platform} failed ({}); its message is above",
            out.status
        );
    }
    let text = String::from_utf8(out.stdout).context("uv's output is not UTF-8")?;
    let lock: PyLock = toml::from_str(&text).context("parsing uv's pylock.toml")?;
    lock.packages
        .into_iter()
        .map(|p| {
            // uv lists only the wheels that fit the platform; the sdist is
            // needed only where none does.
            let best = best_wheel(&p.wheels, python);
            let files: Vec<&PyLockFile> = match best {
                Some(w) => vec![w],
                None => p.sdist.iter().collect(),
            };
            if files.is_empty() {
                bail!("{} {} has no file for {platform}", p.name, p.version);
            }
            let hashes = files
                .iter()
                .map(|f| {
                    f.hashes
                        .get("sha256")
                        .cloned()
                        .with_context(|| format!("{} has no sha256", f.url))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((normalize_name(&p.name), p.version, hashes))
        })
        .collect()
}

/// The wheel pip prefers among those that fit: CPython-specific over abi3
/// over pure, then the newest glibc. pip filters by hash before it ranks,
/// so any one fitting wheel works; the best keeps the lock small.
fn best_wheel<'a>(wheels: &'a [PyLockFile], python: &str) -> Option<&'a PyLockFile> {
    let cp = format!("cp{}", python.replace('.', ""));
    wheels.iter().max_by_key(|w| {
        let file = w.url.rsplit('/').next().unwrap_or_default();
        let parts: Vec<&str> = file.trim_end_matches(".whl").split('-').collect();
        let (abi, plat) = match parts.as_slice() {
            [.., abi, plat] => (*abi, *plat),
            _ => ("", ""),
        };
        let abi_rank = if abi == cp {
            3
        } else if abi == "abi3" {
            2
        } else {
            1
        };
        let glibc = plat
            .split('.')
            .filter_map(|t| {
                let rest = t.strip_prefix("manylinux_")?;
                let mut n = rest.split('_');
                Some((
                    n.next()?.parse::<u32>().ok()?,
                    n.next()?.parse::<u32>().ok()?,
                ))
            })
            .max()
            .unwrap_or((0, 0));
        (abi_rank, plat != "any", glibc, file.to_string())
    })
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

    #[test]
    fn the_best_wheel_is_the_most_specific() {
        let w = |name: &str| PyLockFile {
            url: format!("https://x/{name}"),
            hashes: BTreeMap::new(),
        };
        let wheels = [
            w("c-1-py3-none-any.whl"),
            w("c-1-cp37-abi3-manylinux_2_17_x86_64.whl"),
            w("c-1-cp311-cp311-manylinux1_x86_64.manylinux_2_28_x86_64.whl"),
            w("c-1-cp311-cp311-manylinux_2_17_x86_64.whl"),
        ];
        assert!(best_wheel(&wheels, "3.11").unwrap().url.contains("2_28"));
        assert!(best_wheel(&wheels, "3.12").unwrap().url.contains("abi3"));
    }

    #[test]
    fn the_shipped_locks_parse_and_round_trip() {
        let text = include_str!("../recipes/install_patroni/locks.toml");
        let locks = Locks::parse(text, LOCKS_FILE).unwrap();
        assert_eq!(locks.to_text().unwrap(), text);
    }
}
