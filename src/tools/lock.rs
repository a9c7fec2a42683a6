//! `patroni-bake lock`: resolve the version to lock, have uv lock it with
//! every extra, check the new lock on every target, and write it.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{cut_off, licenses, pyproject, uv};
use crate::error::usage;
use crate::input::{given_map, resolve, Inputs};
use crate::output;
use crate::plan;
use crate::recipe::uvlock::UvLock;
use crate::recipe::uvlock::{lacking_line, license_lines};
use crate::recipe::{Recipe, LOCK_FILE, RECIPE_NAME, UV_INSTALLER_LOCK_FILE};

/// Where the lock goes: a file of the user's, or the recipe's own.
pub enum Destination<'a> {
    File(&'a Utf8Path),
    /// A checkout's recipes/ directory (the default version only).
    Recipes(&'a Utf8Path),
}

/// The Patroni version the inputs ask to lock.
pub fn version_to_lock(recipe: &Recipe, inputs: &Inputs) -> Result<String> {
    let any_target = recipe.def.targets.keys().next().context("no targets")?;
    let resolved = resolve(&recipe.def, any_target, &inputs.given)?;
    let Some(version) = resolved.params.patroni_version.pinned() else {
        return Err(usage(
            "patroni_version 'latest' cannot be locked: pin a version (--set patroni_version=4.1.5)",
        ));
    };
    Ok(version.to_string())
}

/// Lock `version` with uv at the cut-off date `exclude_newer` (by default
/// one second after the newest upload that uv's resolution holds), record
/// the licences, and write the lock; returns where it went. What the user
/// should read on the way (uv's messages, the cut-off date) goes to
/// `report`.
pub fn lock(
    recipe: &mut Recipe,
    inputs: &Inputs,
    version: &str,
    exclude_newer: Option<&str>,
    dest: Destination,
    report: &mut dyn FnMut(&str),
) -> Result<Utf8PathBuf> {
    let out = destination(recipe, version, dest)?;
    let exclude_newer = exclude_newer.map(cut_off::parse).transpose()?;
    let dir = temp_dir()?;
    let result = locked_text(recipe, version, exclude_newer.as_deref(), &dir, report);
    let _ = std::fs::remove_dir_all(&dir);
    let text = result?;
    recipe.add_lock(&text, "the lock uv made")?;
    // Every target must take the default extras from it.
    let mut given = inputs.given.clone();
    given.extend(given_map([("patroni_version", version)], "--set"));
    for target in recipe.def.targets.keys() {
        let resolved = resolve(&recipe.def, target, &given)?;
        plan::build(recipe, target, &resolved)
            .with_context(|| format!("checking the new lock on {target}"))?;
    }
    output::write_file(&out, text.as_bytes())?;
    Ok(out)
}

/// uv's lock of `version` at its cut-off date, after patroni-bake's
/// header: the extras uv warned about and the licences.
///
/// Twice: first without the recipe's `lock_fork_extras`, then with them
/// (in forks of their own) starting from that lock. uv prefers the versions
/// of a lock it starts from, and in one resolution it prefers in a fork the
/// versions another fork took: the fork extras' old pins (aws's
/// python-dateutil<3) would leak into the choices without them. The first
/// resolution also gives the cut-off date where the user gives none.
fn locked_text(
    recipe: &Recipe,
    version: &str,
    exclude_newer: Option<&str>,
    dir: &Utf8Path,
    report: &mut dyn FnMut(&str),
) -> Result<String> {
    let first = pyproject::lock_project(&recipe.def, version, false)?;
    let (first_text, mut lacking) = uv::uv_lock(&first, dir, exclude_newer, report)?;
    let at = match exclude_newer {
        Some(at) => at.to_string(),
        None => {
            let at = cut_off::after_newest_upload(&first_text)
                .context("uv's lock records no upload time to take a cut-off date from")?;
            report(&format!("patroni-bake: the cut-off date is {at} (one second after the newest upload locked)\n"));
            at
        }
    };
    if !recipe.def.lock_fork_extras.is_empty() {
        report(&format!(
            "patroni-bake: again with {} in forks of their own (uv lock)\n",
            recipe.def.lock_fork_extras.join(", ")
        ));
    }
    let full = pyproject::lock_project(&recipe.def, version, true)?;
    let (uv_text, more) = uv::uv_lock(&full, dir, Some(&at), report)?;
    lacking.extend(more);
    lacking.sort();
    lacking.dedup();
    let lock = UvLock::parse(&uv_text, "the lock uv made")?;
    let licenses = licenses::read(&lock, dir)?;
    Ok(format!(
        "{}\n{}{uv_text}",
        lacking_line(&lacking),
        license_lines(&licenses)
    ))
}

/// Lock uv and pipx for installer=uv, check the lock on every target whose
/// Python runs that pipx, and write it; uv's messages go to `report`.
pub fn lock_uv_installer(
    recipe: &mut Recipe,
    inputs: &Inputs,
    dest: Destination,
    report: &mut dyn FnMut(&str),
) -> Result<Utf8PathBuf> {
    let out = match dest {
        Destination::File(file) => file.to_path_buf(),
        Destination::Recipes(dir) => dir.join(RECIPE_NAME).join(UV_INSTALLER_LOCK_FILE),
    };
    let project = pyproject::uv_installer_project(&recipe.def)?;
    let dir = temp_dir()?;
    let result = uv::uv_lock(&project, &dir, None, report);
    let _ = std::fs::remove_dir_all(&dir);
    let (text, _) = result?;
    recipe.uv_installer_lock = Some(UvLock::parse(&text, "the lock uv made")?);
    let mut given = inputs.given.clone();
    given.extend(given_map([("installer", "uv")], "--set"));
    for (target, t) in &recipe.def.targets {
        if !plan::runs_uv_installer(&recipe.def, t) {
            continue;
        }
        let resolved = resolve(&recipe.def, target, &given)?;
        plan::build(recipe, target, &resolved)
            .with_context(|| format!("checking the new lock on {target}"))?;
    }
    output::write_file(&out, text.as_bytes())?;
    Ok(out)
}

/// A fresh directory for uv's lock project.
fn temp_dir() -> Result<Utf8PathBuf> {
    let dir = Utf8PathBuf::from_path_buf(
        std::env::temp_dir().join(format!("patroni-bake-lock.{}", std::process::id())),
    )
    .map_err(|p| anyhow::anyhow!("temporary directory {} is not UTF-8", p.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {dir}"))?;
    Ok(dir)
}

fn destination(recipe: &Recipe, version: &str, dest: Destination) -> Result<Utf8PathBuf> {
    match dest {
        Destination::File(file) => Ok(file.to_path_buf()),
        Destination::Recipes(dir) => {
            let default = recipe.default_patroni_version();
            if version != default {
                return Err(usage(format!(
                    "the recipe's lock is for its default version {default}; write a lock of {version} with --out FILE and render with --lock FILE"
                )));
            }
            Ok(dir.join(RECIPE_NAME).join(LOCK_FILE))
        }
    }
}
