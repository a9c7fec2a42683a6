//! What each subcommand does. Only this module prints; it hands files to
//! `output` (and the lock to `tools`) to write.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, RecipeArgs};
use crate::error::exit_code;
use crate::recipe::Recipe;

mod audit;
mod listing;
mod lock;
mod render;

/// Parse the command line, run, print errors with their causes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`| head`) is a normal end, as it is
        // for head, git and ripgrep: no message, no panic.
        Err(err) if closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("patroni-bake: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render(args) => render::render(&args),
        Command::Check(args) => render::check(&args),
        Command::Plan(args) => render::plan(&args),
        Command::Wheelhouse(args) => render::wheelhouse(&args),
        Command::Audit(args) => audit::audit(&args),
        Command::Targets(args) => listing::targets(&load_recipe(&args.recipe)?, args.json),
        Command::Params(args) => listing::params(
            &load_recipe(&args.recipe)?,
            args.target.as_deref(),
            args.json,
        ),
        Command::Lock(args) => lock::lock(&args),
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "patroni-bake", &mut out);
            print(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .context("rendering the man page")?;
            print(&out)
        }
    }
}

/// Write to standard output, all of it or an error.
fn print(bytes: &[u8]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn load_recipe(args: &RecipeArgs) -> Result<Recipe> {
    match &args.recipes {
        Some(dir) => Recipe::from_dir(dir),
        None => Recipe::embedded(),
    }
}
