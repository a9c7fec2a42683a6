//! One Patroni version's lock: uv's lock file (`uv.lock`) of a universal
//! resolution of Patroni with every extra, pipx and pipx's shared libraries,
//! for every target Python on Linux x86_64 and aarch64.
//!
//! The lock project (`patroni-bake lock` writes it) has one optional
//! dependency per choice: `patroni` (Patroni alone), one per Patroni extra
//! (`etcd3` is `patroni[etcd3]==V`), [`SHARED_EXTRA`] and [`PIPX_EXTRA`].
//! A rendering takes the closure of the chosen ones for the target's Python
//! and each architecture, evaluating the lock's PEP 508 markers (pep508_rs),
//! and keeps for every package the hash of the file pip takes there: the
//! best fitting wheel, else the sdist.
//!
//! The extras that pin packages others share (the recipe's
//! `lock_fork_extras`: `aws`, whose botocore holds urllib3 and
//! python-dateutil back) resolve in forks of their own (uv's `conflicts`,
//! each against an empty shadow extra), so that an extra nobody chose
//! cannot hold back what the others install. uv marks the packages of a
//! fork with `extra == 'extra-N-<project>-<extra>'` (or `!=`): the closure
//! evaluates them with the chosen extras.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};
use serde::Deserialize;

/// The lock project's choice of pipx's shared libraries (pip and its tools).
pub const SHARED_EXTRA: &str = "patroni-bake-shared";
/// The lock project's choice of pipx itself (where it comes from PyPI).
pub const PIPX_EXTRA: &str = "patroni-bake-pipx";
/// The uv-installer lock project's one choice: uv and pipx.
pub const UV_EXTRA: &str = "patroni-bake-uv";
/// The lock project's choice of Patroni with no extra.
pub const PATRONI_EXTRA: &str = "patroni";
/// The architectures a lock covers, as `platform_machine` says them.
pub const ARCHES: [&str; 2] = ["x86_64", "aarch64"];
/// The oldest glibc among the targets (RHEL 8): wheels for newer ones are
/// not taken.
const GLIBC: (u32, u32) = (2, 28);

/// A parsed lock.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UvLock {
    #[serde(rename = "package", default)]
    packages: Vec<Package>,
    /// uv's `[options]`: where the lock records its cut-off date.
    #[serde(default)]
    options: Options,
    /// From the [`LACKING`] line; not part of uv's format.
    #[serde(skip)]
    lacking: Option<Vec<String>>,
    /// From the [`LICENSE`](license::LICENSE) lines, by (PEP 503 name,
    /// version); not part of uv's format.
    #[serde(skip)]
    licenses: BTreeMap<(String, String), String>,
}

/// uv's `[options]` table of a lock.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct Options {
    /// The cut-off date the lock was resolved at (RFC 3339).
    #[serde(rename = "exclude-newer")]
    exclude_newer: Option<String>,
}

/// The comment line `patroni-bake lock` puts first in a lock: the extras
/// of Patroni that the locked version does not have (uv only warns about
/// them, and a lock cannot show an extra that installs nothing).
pub const LACKING: &str = "# patroni-bake: extras this Patroni version lacks:";

/// The [`LACKING`] line for `extras`.
pub fn lacking_line(extras: &[String]) -> String {
    if extras.is_empty() {
        format!("{LACKING} none")
    } else {
        format!("{LACKING} {}", extras.join(", "))
    }
}

/// The comment lines `patroni-bake lock` puts before uv's text.
pub fn header(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|l| l.starts_with("# patroni-bake:"))
}

fn read_lacking(header: &str) -> Option<Vec<String>> {
    let line = header.lines().find(|l| l.starts_with(LACKING))?;
    let rest = line.strip_prefix(LACKING)?.trim();
    Some(match rest {
        "none" => Vec::new(),
        list => list.split(',').map(|e| e.trim().to_string()).collect(),
    })
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Package {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<Dep>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<Dep>>,
    sdist: Option<Artifact>,
    #[serde(default)]
    wheels: Vec<Artifact>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Dep {
    name: String,
    version: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
    marker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Artifact {
    url: Option<String>,
    hash: Option<String>,
}

/// Where a closure is taken: a CPython on Linux.
#[derive(Debug, Clone)]
pub struct Env {
    /// `3.11`.
    pub python: String,
    /// `3.11.2`: markers may compare the micro version.
    pub python_full: String,
    /// `x86_64` or `aarch64`.
    pub arch: String,
}

impl Env {
    fn markers(&self) -> Result<MarkerEnvironment> {
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &self.python_full,
            os_name: "posix",
            platform_machine: &self.arch,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: &self.python_full,
            python_version: &self.python,
            sys_platform: "linux",
        })
        .with_context(|| format!("Python version {}", self.python_full))
    }
}

/// A package of a closure: name (PEP 503), version, and the sha256 of the
/// file pip takes on the closure's platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// The file is an sdist (built at install time).
    pub sdist: bool,
    /// Where the lock says the file is (empty where it says nothing).
    pub url: String,
}

impl UvLock {
    pub fn parse(text: &str, origin: &str) -> Result<UvLock> {
        let lock: UvLock = toml::from_str(text).with_context(|| format!("parsing {origin}"))?;
        let header: Vec<&str> = header(text).collect();
        lock.with_header(&header.join("\n"), origin)
    }

    /// A lock that build.rs converted to JSON, with its header (the
    /// `# patroni-bake:` lines before uv's text).
    pub fn from_json(json: &str, header: &str, origin: &str) -> Result<UvLock> {
        let lock: UvLock =
            serde_json::from_str(json).with_context(|| format!("parsing {origin}"))?;
        lock.with_header(header, origin)
    }

    fn with_header(mut self, header: &str, origin: &str) -> Result<UvLock> {
        self.root().with_context(|| format!("reading {origin}"))?;
        self.lacking = read_lacking(header);
        self.licenses =
            license::read_licenses(header).with_context(|| format!("reading {origin}"))?;
        Ok(self)
    }

    /// The lock project itself (uv records it as a virtual package).
    fn root(&self) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.source.contains_key("virtual") || p.source.contains_key("editable"))
            .context("it names no lock project (it is not a lock that `patroni-bake lock` made)")
    }

    /// The version of Patroni that the lock holds.
    pub fn patroni_version(&self) -> Option<&str> {
        self.packages
            .iter()
            .find(|p| p.name == "patroni")
            .and_then(|p| p.version.as_deref())
    }

    /// The extras the locked Patroni version does not have, as `uv lock`
    /// warned when `patroni-bake lock` made it (the first line of the file
    /// records them); `None` for a lock made before that record.
    pub fn lacking_extras(&self) -> Option<&[String]> {
        self.lacking.as_deref()
    }

    /// The choices (optional dependencies of the lock project) it holds.
    pub fn choices(&self) -> Vec<&str> {
        self.root()
            .map(|r| r.optional.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every package the `choices` need in `env`, sorted by name.
    pub fn closure(&self, choices: &[&str], env: &Env) -> Result<Vec<Locked>> {
        let mut out: BTreeMap<String, Locked> = BTreeMap::new();
        self.walk(choices, env, |_, pkg| {
            let locked = self.artifact(pkg, env)?;
            match out.get(&locked.name) {
                Some(other) if other.version != locked.version => bail!(
                    "the lock needs {} both at {} and at {} on Python {} {}",
                    pkg.name,
                    other.version,
                    locked.version,
                    env.python,
                    env.arch
                ),
                Some(_) => Ok(()),
                None => {
                    out.insert(locked.name.clone(), locked);
                    Ok(())
                }
            }
        })?;
        Ok(out.into_values().collect())
    }

    /// The walk of the closure of `choices` in `env`: markers evaluated
    /// (the forks' with the chosen extras), extras followed where asked
    /// for; `visit` sees each edge (the package that asks, or `None` for
    /// a choice, and the package it asks for).
    fn walk<'a>(
        &'a self,
        choices: &[&str],
        env: &Env,
        mut visit: impl FnMut(Option<&'a Package>, &'a Package) -> Result<()>,
    ) -> Result<()> {
        let markers = env.markers()?;
        let root = self.root()?;
        let chosen = conflict_extras(&root.name, choices)?;
        let mut queue: Vec<(Option<&Package>, &Dep)> = Vec::new();
        for choice in choices {
            let deps = root.optional.get(*choice).with_context(|| {
                format!(
                    "the lock has no '{choice}' (it holds: {})",
                    self.choices().join(", ")
                )
            })?;
            queue.extend(deps.iter().map(|d| (None, d)));
        }
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        let mut extras_seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        while let Some((parent, dep)) = queue.pop() {
            if let Some(m) = &dep.marker {
                let tree = MarkerTree::from_str(m)
                    .map_err(|e| anyhow::anyhow!("marker {m:?} of {}: {e}", dep.name))?;
                if !tree.evaluate(&markers, &chosen) {
                    continue;
                }
            }
            let pkg = self.find(dep)?;
            visit(parent, pkg)?;
            let version = pkg.version.as_deref().unwrap_or_default();
            if seen.insert((&pkg.name, version)) {
                queue.extend(pkg.dependencies.iter().map(|d| (Some(pkg), d)));
            }
            for extra in &dep.extra {
                if extras_seen.insert((&pkg.name, extra)) {
                    let deps = pkg.optional.get(extra).with_context(|| {
                        format!("{} {version} has no extra '{extra}' in the lock", pkg.name)
                    })?;
                    queue.extend(deps.iter().map(|d| (Some(pkg), d)));
                }
            }
        }
        Ok(())
    }

    fn find(&self, dep: &Dep) -> Result<&Package> {
        let mut found = self
            .packages
            .iter()
            .filter(|p| p.name == dep.name && (dep.version.is_none() || p.version == dep.version));
        let first = found
            .next()
            .with_context(|| format!("the lock has no package {}", dep.name))?;
        if found.next().is_some() {
            bail!(
                "the lock has several versions of {} and the reference names none",
                dep.name
            );
        }
        Ok(first)
    }

    /// The file pip takes for `pkg` in `env`.
    fn artifact(&self, pkg: &Package, env: &Env) -> Result<Locked> {
        let version = pkg.version.clone().unwrap_or_default();
        let wheel = pkg
            .wheels
            .iter()
            .filter_map(|w| Some((w, wheel_rank(w.url.as_deref()?, env)?)))
            .max_by(|a, b| a.1.cmp(&b.1))
            .map(|(w, _)| w);
        let (file, sdist) =
            match (wheel, &pkg.sdist) {
                (Some(w), _) => (w, false),
                (None, Some(s)) => (s, true),
                (None, None) => bail!(
                "{} {version} has no wheel for CPython {} on Linux {} (glibc {}.{}) and no sdist",
                pkg.name, env.python, env.arch, GLIBC.0, GLIBC.1
            ),
            };
        let sha256 = file
            .hash
            .as_deref()
            .and_then(|h| h.strip_prefix("sha256:"))
            .with_context(|| format!("{} {version}: a file without a sha256 hash", pkg.name))?;
        Ok(Locked {
            name: crate::recipe::requirement::normalize_name(&pkg.name),
            version,
            sha256: sha256.to_string(),
            sdist,
            url: file.url.clone().unwrap_or_default(),
        })
    }
}

/// The chosen `extras` of the lock project `project` as uv names them in
/// the markers of its forks (`conflicts`): `extra-17-patroni-bake-lock-aws`.
fn conflict_extras(project: &str, extras: &[&str]) -> Result<Vec<ExtraName>> {
    extras
        .iter()
        .map(|e| {
            let name = format!("extra-{}-{project}-{e}", project.len());
            ExtraName::from_str(&name).map_err(|err| anyhow::anyhow!("extra {name:?}: {err}"))
        })
        .collect()
}

/// The CPython tag of a `major.minor` version, as wheels and pip name it:
/// `3.11` → `cp311`.
pub fn cpython_tag(python_version: &str) -> String {
    format!("cp{}", python_version.replace('.', ""))
}

/// How well a wheel fits `env` (higher is better), or `None` when pip would
/// not install it there: CPython-specific over abi3 over pure, then the
/// newest glibc.
fn wheel_rank(url: &str, env: &Env) -> Option<(u8, bool, (u32, u32), String)> {
    let file = url.rsplit('/').next()?;
    let stem = file.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let [.., py, abi, plat] = parts.as_slice() else {
        return None;
    };
    let minor: u32 = env.python.strip_prefix("3.")?.parse().ok()?;
    let cp = cpython_tag(&env.python);
    let py_ok = |abi_ok: &dyn Fn(u32) -> bool| {
        py.split('.').any(|t| {
            t == "py3"
                || t == format!("py3{minor}")
                || t.strip_prefix("cp3")
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(abi_ok)
        })
    };
    let abi_rank = abi.split('.').filter_map(|a| match a {
        a if a == cp && py_ok(&|m| m == minor) => Some(3),
        "abi3" if py_ok(&|m| m <= minor) => Some(2),
        "none" if py_ok(&|m| m <= minor) => Some(1),
        _ => None,
    });
    let abi_rank = abi_rank.max()?;
    let mut best_glibc = None;
    let mut any = false;
    for tag in plat.split('.') {
        if tag == "any" {
            any = true;
            continue;
        }
        let Some(glibc) = tag
            .strip_suffix(&format!("_{}", env.arch))
            .and_then(manylinux_glibc)
        else {
            continue;
        };
        if glibc <= GLIBC && best_glibc.is_none_or(|b| glibc > b) {
            best_glibc = Some(glibc);
        }
    }
    match (best_glibc, any) {
        (Some(g), _) => Some((abi_rank, true, g, file.to_string())),
        (None, true) => Some((abi_rank, false, (0, 0), file.to_string())),
        (None, false) => None,
    }
}

/// The glibc of a manylinux platform tag without its architecture.
fn manylinux_glibc(tag: &str) -> Option<(u32, u32)> {
    match tag {
        "manylinux1" => Some((2, 5)),
        "manylinux2010" => Some((2, 12)),
        "manylinux2014" => Some((2, 17)),
        _ => {
            let rest = tag.strip_prefix("manylinux_")?;
            let (a, b) = rest.split_once('_')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        }
    }
}

mod graph;
mod license;

pub use license::{license_lines, MetadataSource, LICENSE};

#[cfg(test)]
mod tests;

pub use graph::Graph;
