//! The locks a plan needs, and their lines and pins.

use std::collections::BTreeMap;

use anyhow::Result;

use super::spec_of;
use crate::params::Given;
use crate::quote;
use crate::recipe::{PipxSource, Recipe};

/// What a lock is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// pipx's shared libraries (pip and its build tools).
    Shared,
    /// pipx itself, where it comes from PyPI.
    Pipx,
    /// Patroni with its extras.
    Patroni,
}

/// One requirement a lock must exist for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    pub kind: LockKind,
    /// The target Python, `major.minor`.
    pub python: String,
    /// The key in locks.toml.
    pub key: String,
    /// What uv resolves.
    pub requirements: Vec<String>,
}

/// The locks a target needs for a Patroni spec: pipx's shared libraries,
/// pipx itself where it comes from PyPI, and Patroni.
pub fn lock_requests(
    recipe: &Recipe,
    target: &str,
    patroni_spec: &str,
) -> Result<Vec<LockRequest>> {
    let def = &recipe.def;
    let (_, t) = def.target(target)?;
    let py = &t.python_version;
    let one = |kind, req: &str| LockRequest {
        kind,
        python: py.clone(),
        key: req.to_string(),
        requirements: vec![req.to_string()],
    };
    let mut out = vec![LockRequest {
        kind: LockKind::Shared,
        python: py.clone(),
        key: def.pipx_shared_libs.join(" "),
        requirements: def.pipx_shared_libs.clone(),
    }];
    if def.families[&t.family].pipx_source == PipxSource::PipUser {
        out.push(one(LockKind::Pipx, &def.pipx_pip_spec));
    }
    out.push(one(LockKind::Patroni, patroni_spec));
    Ok(out)
}

/// The lock lines for `req`, or an error naming the command that makes them.
pub(super) fn locked_lines(
    recipe: &Recipe,
    target: &str,
    req: &LockRequest,
    given: &BTreeMap<String, Given>,
    resolved: &BTreeMap<String, String>,
) -> Result<Vec<String>> {
    if let Some(lines) = recipe.locks.get(&req.python, &req.key) {
        return Ok(lines.to_vec());
    }
    let mut cmd = format!("patroni-bake lock --recipes DIR --target {target}");
    for k in ["patroni_version", "patroni_extras"] {
        if given.contains_key(k) {
            cmd.push_str(&format!(" --set {k}={}", quote::shell(&resolved[k])));
        }
    }
    Err(crate::error::usage(format!(
        "no lock for '{}' on Python {} (target {target}) in {}; make one with `{cmd}` (DIR: a checkout's recipes/), then render with --recipes DIR; or set lock_dependencies=false to let dependencies float",
        req.key,
        req.python,
        crate::lock::LOCKS_FILE
    )))
}

/// Sorted `name==version `, as the install's site-packages listing prints.
pub(super) fn pins(lines: &[String]) -> Result<String> {
    let mut pins = lines
        .iter()
        .map(|l| crate::lock::LockedDist::parse(l).map(|d| d.pin()))
        .collect::<Result<Vec<_>>>()?;
    pins.sort();
    Ok(pins.iter().map(|p| format!("{p} ")).collect())
}

/// What `patroni-bake lock` resolves for `target` with the given values.
pub fn lock_requests_for(
    recipe: &Recipe,
    target: &str,
    given: &BTreeMap<String, Given>,
) -> Result<Vec<LockRequest>> {
    let p = crate::params::resolve(&recipe.def, target, given, true)?;
    let (spec, pinned, _) = spec_of(&recipe.def, &p, true)?;
    if pinned.is_none() {
        return Err(crate::error::usage(
            "patroni_version 'latest' cannot be locked: pin a version",
        ));
    }
    lock_requests(recipe, target, &spec)
}
