//! `render`, `check`, `plan` and `wheelhouse`: the commands that build a
//! plan from the user's inputs.

use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::Utf8Path;
use clap::ValueEnum;

use super::{load_recipe, print};
use crate::cli::{
    CheckArgs, ComposeArgs, FormatArg, InputArgs, PartPosition, PlanArgs, RenderArgs, ValueArgs,
    WheelhouseArgs,
};
use crate::error::usage;
use crate::input::{collect, resolve, user_data, Source};
use crate::output;
use crate::plan::{self, Install, PipxPip, PipxUv, Plan};
use crate::recipe::Recipe;
use crate::render::user_data::{Composition, Position, PATRONI_PART};
use crate::render::{Format, Renderer};
use crate::tools::pip;

/// `render`: every file into `--out`, or one format to stdout.
pub fn render(args: &RenderArgs) -> Result<ExitCode> {
    let compose = composition(&args.compose)?;
    if compose.is_some() && args.out.is_none() && args.format != Some(FormatArg::CloudInit) {
        return Err(usage(format!(
            "--with combines your user data with the cloud-init rendering; give -f cloud-init (or --out DIR), not -f {}",
            value_name(args.format.unwrap_or(FormatArg::Shell))
        )));
    }
    let (recipe, plan) = plan_for(&args.input)?;
    let renderer = Renderer::new(&recipe)?;
    match (&args.out, args.format) {
        (Some(out), None | Some(FormatArg::All)) => {
            let files = renderer.render_all_with(&plan, compose.as_ref())?;
            output::write_dir(out, &files)?;
            eprintln!("patroni-bake: wrote {} files to {out}", files.len());
            Ok(ExitCode::SUCCESS)
        }
        (Some(_), Some(f)) => Err(usage(format!(
            "--out writes every format; drop --format {} (or print it alone without --out)",
            value_name(f)
        ))),
        (None, Some(FormatArg::All)) => {
            Err(usage("--format all writes several files: give --out DIR"))
        }
        (None, f) => {
            let bytes = match &compose {
                Some(comp) => renderer.user_data(&plan, comp)?,
                None => renderer
                    .render(&plan, to_format(f.unwrap_or(FormatArg::Shell)))?
                    .into_bytes(),
            };
            print(&bytes)
        }
    }
}

/// `check`: exit 1 with a diff where `--out` differs from the rendering.
pub fn check(args: &CheckArgs) -> Result<ExitCode> {
    let compose = composition(&args.compose)?;
    let (recipe, plan) = plan_for(&args.input)?;
    let files = Renderer::new(&recipe)?.render_all_with(&plan, compose.as_ref())?;
    match output::drift(&args.out, &files)? {
        None => {
            eprintln!("patroni-bake: {} matches the rendering", args.out);
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            print(diff.as_bytes())?;
            eprintln!("patroni-bake: {} differs from the rendering (diff above); re-render with `render --out`", args.out);
            Ok(ExitCode::from(1))
        }
    }
}

/// `plan`: a summary, or with `--json` the whole plan.
pub fn plan(args: &PlanArgs) -> Result<ExitCode> {
    let (_, plan) = plan_for(&args.input)?;
    if args.json {
        let json = serde_json::to_string_pretty(&plan).context("serializing the plan")?;
        return print(format!("{json}\n").as_bytes());
    }
    print(summary(&plan).as_bytes())
}

/// `wheelhouse`: the target's locked files, downloaded by pip.
pub fn wheelhouse(args: &WheelhouseArgs) -> Result<ExitCode> {
    let (_, plan) = plan_for(&args.input)?;
    let arch = value_name(args.arch);
    pip::fill(&plan, &args.out, &arch)?;
    eprintln!(
        "patroni-bake: filled {} for {} ({}); pass it to the install as wheelhouse",
        args.out, plan.target, arch
    );
    Ok(ExitCode::SUCCESS)
}

/// The plan at a glance, for people (`--json` has all of it).
fn summary(plan: &Plan) -> String {
    let p = &plan.paths;
    let steps: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    let mut rows = vec![
        (
            "target",
            format!("{} ({})", plan.target, plan.target_description),
        ),
        ("install", install_summary(&plan.install)),
        ("os packages", plan.os_packages.names.join(" ")),
        (
            "user",
            format!("{}:{}, home {}", plan.user, plan.group, p.home),
        ),
    ];
    if let Some(pipx) = plan.install.pipx() {
        rows.push(("bin dir", pipx.paths.bin_dir.to_string()));
        rows.push(("venv", pipx.paths.venv.to_string()));
    }
    rows.extend([
        ("config dir", p.config_dir.to_string()),
        (
            "unit",
            format!("{} (Type={})", plan.unit.path, value_of(&plan.unit.kind)),
        ),
        ("steps", steps.join(", ")),
    ]);
    rows.iter().map(|(k, v)| format!("{k:<12} {v}\n")).collect()
}

/// The install's kind, what it installs and whether it is locked.
fn install_summary(install: &Install) -> String {
    let locked = match install.patroni_lock() {
        Some(l) => format!("hash-locked, {} requirements", l.patroni.len()),
        None => "not locked".into(),
    };
    let what = match install {
        Install::Package(pkg) => pkg.packages.join(" "),
        Install::PipxPip(PipxPip { pipx, .. }) | Install::PipxUv(PipxUv { pipx, .. }) => {
            pipx.spec.clone()
        }
    };
    format!("{} {what} ({locked})", install.tag())
}

/// A serialized enum's name (`pipx`, `simple`).
fn value_of(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The recipe and the plan for the inputs, with notes printed to stderr.
pub(super) fn plan_for(input: &InputArgs) -> Result<(Recipe, Plan)> {
    let mut recipe = load_recipe(&input.recipe)?;
    let user_lock = match &input.lock {
        Some(file) => Some((file, recipe.add_lock_file(file)?)),
        None => None,
    };
    let inputs = collect(&recipe.def, &sources(&input.values))?;
    for note in inputs.notes(input.verbose) {
        eprintln!("patroni-bake: {note}");
    }
    let resolved = resolve(&recipe.def, &input.target, &inputs.given)?;
    let plan = plan::build(&recipe, &input.target, &resolved)?;
    if let Some((file, version)) = user_lock {
        check_lock_is_used(file, &version, &plan)?;
    }
    Ok((recipe, plan))
}

/// A lock the user gave that the rendering would not use is a mistake
/// (most often a `patroni_version` left at its default): refuse it rather
/// than render another version than the lock's without a word.
fn check_lock_is_used(file: &Utf8Path, version: &str, plan: &Plan) -> Result<()> {
    let p = &plan.params;
    if plan.install.patroni_lock().is_none() {
        let why = match p.lock_dependencies {
            false => "lock_dependencies is false",
            true => "install_method is package (the distribution's package pins its dependencies)",
        };
        return Err(usage(format!(
            "--lock {file}: {why}, so nothing would use the lock; leave out --lock"
        )));
    }
    if p.patroni_version.to_string() != version {
        return Err(usage(format!(
            "--lock {file} holds Patroni {version}, but patroni_version is '{}'; set patroni_version={version} (--set or the vars file) to render from it",
            p.patroni_version
        )));
    }
    Ok(())
}

/// The value sources. Their order across kinds does not matter: `collect`
/// ranks vars files, then facts, then `--set`, each kind in the order given.
pub fn sources(v: &ValueArgs) -> Vec<Source> {
    let vars = v.vars.iter().map(|p| Source::Vars(p.clone()));
    let facts = v.fact.iter().map(|f| Source::Fact(f.clone()));
    let sets = v.set.iter().map(|s| Source::Set(s.clone()));
    vars.chain(facts).chain(sets).collect()
}

/// The `--with` parts, read and checked, or None without `--with`.
fn composition(args: &ComposeArgs) -> Result<Option<Composition>> {
    if args.with.is_empty() {
        return Ok(None);
    }
    let parts = args
        .with
        .iter()
        .map(|p| user_data::read_part(p))
        .collect::<Result<Vec<_>>>()?;
    let named: Vec<_> = args.with.iter().map(|p| p.as_path()).zip(&parts).collect();
    user_data::check_names(&named, PATRONI_PART)?;
    let patroni = match args.patroni_part {
        PartPosition::First => Position::First,
        PartPosition::Last => Position::Last,
    };
    Ok(Some(Composition { parts, patroni }))
}

fn to_format(f: FormatArg) -> Format {
    match f {
        FormatArg::Shell | FormatArg::All => Format::Shell,
        FormatArg::Dockerfile => Format::Dockerfile,
        FormatArg::CloudInit => Format::CloudInit,
        FormatArg::Unit => Format::Unit,
    }
}

/// The name clap shows for a value of a value enum.
fn value_name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}
