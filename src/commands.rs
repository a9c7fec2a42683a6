//! What each subcommand does. Only this module prints or writes files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use clap::{ArgMatches, CommandFactory, FromArgMatches, ValueEnum};

use crate::cli::{
    CheckArgs, Cli, Command, ComposeArgs, FormatArg, InputArgs, LockArgs, PartPosition, RecipeArgs,
    RenderArgs,
};
use crate::error::{exit_code, usage};
use crate::input::params::{self, Source, Validation};
use crate::input::user_data;
use crate::output;
use crate::plan::{self, Params, Plan};
use crate::recipe::{ParamDefault, Recipe, LOCK_FILE, RECIPE_NAME};
use crate::render::user_data::{Composition, Position, PATRONI_PART};
use crate::render::{Format, Renderer};
use crate::tools::{pip, uv};

/// Parse the command line, run, print errors with their causes.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &matches) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("patroni-bake: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<ExitCode> {
    let sub = matches
        .subcommand()
        .map(|(_, m)| m)
        .expect("clap requires a subcommand");
    match cli.command {
        Command::Render(args) => render(&args, sub),
        Command::Check(args) => check(&args, sub),
        Command::Targets(args) => {
            print_targets(&load_recipe(&args)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Params(args) => {
            print_params(&load_recipe(&args.recipe)?, args.target.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lock(args) => lock(&args, sub),
        Command::Plan(args) => {
            let (_, plan) = plan_for(&args.input, sub)?;
            let json = serde_json::to_string_pretty(&plan).context("serializing the plan")?;
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Wheelhouse(args) => {
            let (_, plan) = plan_for(&args.input, sub)?;
            let arch = value_name(args.arch);
            pip::fill(&plan, &args.out, &arch)?;
            eprintln!(
                "patroni-bake: filled {} for {} ({}); pass it to the install as wheelhouse",
                args.out, plan.target, arch
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `render`: every file into `--out`, or one format to stdout.
fn render(args: &RenderArgs, sub: &ArgMatches) -> Result<ExitCode> {
    let compose = composition(&args.compose)?;
    if compose.is_some() && args.out.is_none() && args.format != Some(FormatArg::CloudInit) {
        return Err(usage(format!(
            "--with combines your user data with the cloud-init rendering; give -f cloud-init (or --out DIR), not -f {}",
            value_name(args.format.unwrap_or(FormatArg::Shell))
        )));
    }
    let (recipe, plan) = plan_for(&args.input, sub)?;
    let renderer = Renderer::new(&recipe)?;
    match (&args.out, args.format) {
        (Some(out), None | Some(FormatArg::All)) => {
            let files = renderer.render_all_with(&plan, compose.as_ref())?;
            output::write_dir(out, &files)?;
            eprintln!("patroni-bake: wrote {} files to {out}", files.len());
        }
        (Some(_), Some(f)) => {
            return Err(usage(format!(
                "--out writes every format; drop --format {} (or print it alone without --out)",
                value_name(f)
            )))
        }
        (None, Some(FormatArg::All)) => {
            return Err(usage("--format all writes several files: give --out DIR"));
        }
        (None, f) => {
            let bytes = match &compose {
                Some(comp) => renderer.user_data(&plan, comp)?,
                None => renderer
                    .render(&plan, to_format(f.unwrap_or(FormatArg::Shell)))?
                    .into_bytes(),
            };
            std::io::stdout()
                .write_all(&bytes)
                .context("writing to stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `check`: exit 1 with a diff where `--out` differs from the rendering.
fn check(args: &CheckArgs, sub: &ArgMatches) -> Result<ExitCode> {
    let compose = composition(&args.compose)?;
    let (recipe, plan) = plan_for(&args.input, sub)?;
    let files = Renderer::new(&recipe)?.render_all_with(&plan, compose.as_ref())?;
    match output::drift(&args.out, &files)? {
        None => {
            eprintln!("patroni-bake: {} matches the rendering", args.out);
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            std::io::stdout()
                .write_all(diff.as_bytes())
                .context("writing to stdout")?;
            eprintln!("patroni-bake: {} differs from the rendering (diff above); re-render with `render --out`", args.out);
            Ok(ExitCode::from(1))
        }
    }
}

/// `lock`: uv locks the chosen Patroni version; the lock is checked on
/// every target before it is written.
fn lock(args: &LockArgs, sub: &ArgMatches) -> Result<ExitCode> {
    let mut recipe = load_recipe(&RecipeArgs {
        recipes: args.recipes.clone(),
    })?;
    let inputs = params::collect(&recipe.def, &sources(sub))?;
    let any_target = recipe
        .def
        .targets
        .keys()
        .next()
        .context("no targets")?
        .clone();
    let resolved = params::resolve(&recipe.def, &any_target, &inputs.given, Validation::Checked)?;
    let version = Params::from_map(&resolved)?.patroni_version;
    if version == "latest" {
        return Err(usage("patroni_version 'latest' cannot be locked: pin a version (--set patroni_version=4.1.5)"));
    }
    let out = lock_destination(&recipe, args, &version)?;
    let dir = Utf8PathBuf::from_path_buf(
        std::env::temp_dir().join(format!("patroni-bake-lock.{}", std::process::id())),
    )
    .map_err(|p| anyhow::anyhow!("temporary directory {} is not UTF-8", p.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {dir}"))?;
    eprintln!("patroni-bake: locking Patroni {version} with every extra, for every target's Python on Linux x86_64 and aarch64 (uv lock)");
    let result = uv::uv_lock(&uv::lock_project(&recipe.def, &version), &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let text = result?;
    recipe.add_lock(&text, "the lock uv made")?;
    // Every target must take the default extras from it.
    let mut given = inputs.given.clone();
    given.extend(params::given_map([("patroni_version", &version)], "--set"));
    for target in recipe.def.targets.keys() {
        plan::build(&recipe, target, &given, Validation::Checked)
            .with_context(|| format!("checking the new lock on {target}"))?;
    }
    output::write_file(&out, text.as_bytes())?;
    eprintln!("patroni-bake: wrote {out}; render with --lock {out}");
    Ok(ExitCode::SUCCESS)
}

/// Where `lock` writes: `--out`, or the recipe's own lock (for its
/// default version only).
fn lock_destination(recipe: &Recipe, args: &LockArgs, version: &str) -> Result<Utf8PathBuf> {
    match (&args.out, &args.recipes) {
        (Some(file), _) => Ok(file.clone()),
        (None, Some(dir)) => {
            let default = recipe.default_patroni_version();
            if version != default {
                return Err(usage(format!(
                    "the recipe's lock is for its default version {default}; write a lock of {version} with --out FILE and render with --lock FILE"
                )));
            }
            Ok(dir.join(RECIPE_NAME).join(LOCK_FILE))
        }
        (None, None) => Err(usage(
            "give --out FILE (or --recipes DIR to refresh the recipe's own lock)",
        )),
    }
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

fn load_recipe(args: &RecipeArgs) -> Result<Recipe> {
    match &args.recipes {
        Some(dir) => Recipe::from_dir(dir),
        None => Recipe::embedded(),
    }
}

/// The recipe and the plan for the inputs, with notes printed to stderr.
fn plan_for(input: &InputArgs, m: &ArgMatches) -> Result<(Recipe, Plan)> {
    let mut recipe = load_recipe(&input.recipe)?;
    let user_lock = match &input.lock {
        Some(file) => Some((file, recipe.add_lock_file(file)?)),
        None => None,
    };
    let inputs = params::collect(&recipe.def, &sources(m))?;
    for note in inputs.notes(input.verbose) {
        eprintln!("patroni-bake: {note}");
    }
    let plan = plan::build(&recipe, &input.target, &inputs.given, Validation::Checked)?;
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
    if plan.lock.is_none() {
        let why = match p.lock_dependencies {
            false => "lock_dependencies is false",
            true => "install_method is package (the distribution's package pins its dependencies)",
        };
        return Err(usage(format!(
            "--lock {file}: {why}, so nothing would use the lock; leave out --lock"
        )));
    }
    if p.patroni_version != version {
        return Err(usage(format!(
            "--lock {file} holds Patroni {version}, but patroni_version is '{}'; set patroni_version={version} (--set or the vars file) to render from it",
            p.patroni_version
        )));
    }
    Ok(())
}

/// `--vars`, `--fact` and `--set` in the order they were given (among
/// `--vars` a later one wins; `params::collect` ranks the kinds).
fn sources(m: &ArgMatches) -> Vec<Source> {
    let mut all: Vec<(usize, Source)> = Vec::new();
    if let (Some(idx), Some(vals)) = (m.indices_of("set"), m.get_many::<String>("set")) {
        all.extend(idx.zip(vals).map(|(i, v)| (i, Source::Set(v.clone()))));
    }
    if let (Some(idx), Some(vals)) = (m.indices_of("fact"), m.get_many::<String>("fact")) {
        all.extend(idx.zip(vals).map(|(i, v)| (i, Source::Fact(v.clone()))));
    }
    if let (Some(idx), Some(vals)) = (m.indices_of("vars"), m.get_many::<Utf8PathBuf>("vars")) {
        all.extend(idx.zip(vals).map(|(i, v)| (i, Source::Vars(v.clone()))));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, s)| s).collect()
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

fn print_targets(recipe: &Recipe) {
    let rows: Vec<[String; 5]> = recipe
        .def
        .targets
        .iter()
        .map(|(name, t)| {
            [
                name.clone(),
                t.family.as_str().to_string(),
                format!("{} ({})", t.python, t.python_version),
                if t.aliases.is_empty() {
                    "-".into()
                } else {
                    t.aliases.join(",")
                },
                t.description.clone(),
            ]
        })
        .collect();
    print_table(
        ["TARGET", "FAMILY", "PYTHON", "ALIASES", "DESCRIPTION"],
        &rows,
    );
}

fn print_params(recipe: &Recipe, target: Option<&str>) -> Result<()> {
    let def = &recipe.def;
    let families: Vec<crate::recipe::OsFamily> = match target {
        Some(t) => vec![def.target(t)?.1.family],
        None => def.families.keys().cloned().collect(),
    };
    let rows: Vec<[String; 3]> = def
        .params
        .iter()
        .map(|(name, p)| {
            let default = match &p.default {
                ParamDefault::One(v) => show(v),
                ParamDefault::PerFamily(_) if families.len() == 1 => {
                    show(p.default.for_family(families[0]))
                }
                ParamDefault::PerFamily(m) => m
                    .iter()
                    .map(|(f, v)| format!("{}: {}", f.as_str(), show(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            [
                name.clone(),
                default,
                format!("{} [{}]", p.description, p.kind.allowed()),
            ]
        })
        .collect();
    print_table(["PARAMETER", "DEFAULT", "DESCRIPTION"], &rows);
    Ok(())
}

fn show(v: &str) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        v.to_string()
    }
}

/// Left-aligned columns, the last one unpadded.
fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
