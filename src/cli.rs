//! Command-line interface: clap structs only.

use camino::Utf8PathBuf;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "patroni-bake",
    version,
    about = "Render the install of Patroni (PostgreSQL HA) as a shell script, a Dockerfile fragment, a cloud-init snippet and a systemd unit",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one format to stdout, or every file and SHA256SUMS to --out DIR.
    Render(RenderArgs),
    /// Re-render and compare with DIR: print a diff and exit 1 on drift.
    Check(CheckArgs),
    /// List the targets with their family and Python.
    Targets(TargetsArgs),
    /// List the parameters with their defaults and descriptions.
    Params(ParamsArgs),
    /// Lock a Patroni version with every extra (uv's universal resolution) into --out FILE.
    Lock(LockArgs),
    /// Print the plan (every value resolved for the target) as JSON.
    Plan(PlanArgs),
    /// Download a target's locked files into DIR: a wheelhouse for offline installs.
    Wheelhouse(WheelhouseArgs),
    /// Match the Python distributions the rendering installs against an advisory database on disk (OSV records): exit 1 on a finding.
    Audit(AuditArgs),
    /// Print a shell completion script (bash: source <(patroni-bake completions bash)).
    Completions(CompletionsArgs),
    /// Print the man page (roff): patroni-bake man | man -l -
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// JSON instead of the table: one object per target.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub recipe: RecipeArgs,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// Parameters: patroni_version chooses what is locked (every extra is).
    #[command(flatten)]
    pub values: ValueArgs,
    /// Write the lock to FILE (yours, kept with your rendering); render with --lock FILE.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        required_unless_present = "recipes"
    )]
    pub out: Option<Utf8PathBuf>,
    /// Refresh the recipe's own lock in DIR/install_patroni/ (a checkout's recipes/; the default version only).
    #[arg(long, value_name = "DIR")]
    pub recipes: Option<Utf8PathBuf>,
    /// Lock uv and pipx for installer=uv (the recipe's uv-installer.uv.lock) instead of Patroni.
    #[arg(long)]
    pub uv_installer: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The whole plan as JSON (for scripts), instead of a summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WheelhouseArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Directory to fill (created if missing); pass it to the install as `wheelhouse`.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Utf8PathBuf,
    /// CPU architecture of the target (the wheels of binary packages differ).
    #[arg(long, value_enum, default_value = "x86_64")]
    pub arch: ArchArg,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The advisory database: a directory of OSV records in JSON or YAML (a clone of github.com/pypa/advisory-database) or osv.dev's zip of PyPI's records (all.zip).
    #[arg(long, value_name = "PATH")]
    pub db: Utf8PathBuf,
    /// Leave an advisory out (by its id or an alias), saying why: ID=REASON (repeatable).
    #[arg(long = "ignore", value_name = "ID=REASON")]
    pub ignore: Vec<String>,
    /// The findings as JSON, for machines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArchArg {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "aarch64")]
    Aarch64,
}

#[derive(Debug, Args)]
pub struct RecipeArgs {
    /// Read recipes from DIR (holding install_patroni/) instead of the embedded copy.
    #[arg(long, value_name = "DIR", global = true)]
    pub recipes: Option<Utf8PathBuf>,
}

/// Where parameter values come from. Their precedence is by kind (vars
/// files in the order given, then facts, then --set), not by position.
#[derive(Debug, Args)]
pub struct ValueArgs {
    /// Set a parameter (repeatable; wins over every vars file); see `patroni-bake params`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Read variables from a YAML, JSON or TOML file, or a group_vars/all/ directory (repeatable; a later one wins).
    #[arg(long = "vars", value_name = "FILE|DIR")]
    pub vars: Vec<Utf8PathBuf>,
    /// Give an Ansible fact or variable that the vars refer to and that cannot be known at render time (repeatable), such as ansible_user_id=admin.
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub fact: Vec<String>,
}

/// What to render: a target and parameter values.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Target OS: see `patroni-bake targets`.
    #[arg(long, short = 't', value_name = "TARGET")]
    pub target: String,
    #[command(flatten)]
    pub values: ValueArgs,
    /// List the vars files' keys that no parameter uses.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// The lock of another Patroni version, made by `patroni-bake lock --out FILE`.
    #[arg(long, value_name = "FILE")]
    pub lock: Option<Utf8PathBuf>,
    #[command(flatten)]
    pub recipe: RecipeArgs,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Format to print on stdout (default: shell); `all` needs --out.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Write every file and SHA256SUMS into DIR, replacing what a previous render wrote.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<Utf8PathBuf>,
    #[command(flatten)]
    pub compose: ComposeArgs,
}

/// Combining the install with the user's own cloud-init user data.
#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// Your own user data (#cloud-config, a #! script, …) to combine with the install into one MIME multipart, `user-data` (repeatable, in order; with -f cloud-init or --out).
    #[arg(long = "with", value_name = "FILE")]
    pub with: Vec<Utf8PathBuf>,
    /// Where the install's part goes among the --with parts.
    #[arg(long, value_enum, default_value = "last", requires = "with")]
    pub patroni_part: PartPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartPosition {
    First,
    Last,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Directory written by `render --out`.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Utf8PathBuf,
    /// The --with files the rendering was made with.
    #[command(flatten)]
    pub compose: ComposeArgs,
}

#[derive(Debug, Args)]
pub struct ParamsArgs {
    /// Show the defaults resolved for this target only.
    #[arg(long, short = 't', value_name = "TARGET")]
    pub target: Option<String>,
    /// JSON instead of the table: one object per parameter.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub recipe: RecipeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// install.sh: POSIX sh, run as root
    Shell,
    /// Dockerfile fragment (no FROM)
    Dockerfile,
    /// #cloud-config user data; with --with, the combined user data (MIME multipart)
    CloudInit,
    /// patroni.service, the systemd unit
    Unit,
    /// every file (with --out)
    All,
}
