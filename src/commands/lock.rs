//! `patroni-bake lock`: the work is tools/lock.rs's.

use std::process::ExitCode;

use anyhow::Result;

use super::{load_recipe, render::sources};
use crate::cli::{LockArgs, RecipeArgs};
use crate::error::usage;
use crate::input::collect;
use crate::tools::lock::{self, Destination};

pub fn lock(args: &LockArgs) -> Result<ExitCode> {
    let mut recipe = load_recipe(&RecipeArgs {
        recipes: args.recipes.clone(),
    })?;
    let inputs = collect(&recipe.def, &sources(&args.values))?;
    let version = lock::version_to_lock(&recipe, &inputs)?;
    let dest = match (&args.out, &args.recipes) {
        (Some(file), _) => Destination::File(file),
        (None, Some(dir)) => Destination::Recipes(dir),
        (None, None) => {
            return Err(usage(
                "give --out FILE (or --recipes DIR to refresh the recipe's own lock)",
            ))
        }
    };
    // What tools/lock.rs reports (uv's messages, its notes) is printed as is.
    let mut report = |said: &str| eprint!("{said}");
    if args.uv_installer {
        eprintln!("patroni-bake: locking uv and pipx for installer=uv, for every target's Python on Linux x86_64 and aarch64 (uv lock)");
        let out = lock::lock_uv_installer(&mut recipe, &inputs, dest, &mut report)?;
        eprintln!("patroni-bake: wrote {out}");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("patroni-bake: locking Patroni {version} with every extra, for every target's Python on Linux x86_64 and aarch64 (uv lock)");
    let out = lock::lock(
        &mut recipe,
        &inputs,
        &version,
        args.exclude_newer.as_deref(),
        dest,
        &mut report,
    )?;
    eprintln!("patroni-bake: wrote {out}; render with --lock {out}");
    Ok(ExitCode::SUCCESS)
}
