//! Ansible variables as Ansible reads and evaluates them, for a program
//! that must give the value a play would give, or refuse and say why.
//!
//! What of Ansible it covers:
//! - **Vars files** as `group_vars` holds them ([`read`], [`files_of`]): YAML
//!   read as PyYAML 6 reads it, which is YAML 1.1 (`yes`/`no`/`on`/`off` are
//!   booleans, `0755` is octal, `016384` text, `1_000` and `1:30` integers,
//!   by PyYAML's own resolver patterns), anchors and merge keys (`<<`),
//!   `!vault` (kept, never decrypted) and `!unsafe`; mapping keys keep their
//!   YAML type (`8:` is an integer); JSON as Python's json module reads it;
//!   a `group_vars/all/` directory in Ansible's order. TOML is read too.
//! - **Evaluation** ([`Vars`]): a string is a Jinja template, evaluated
//!   lazily (only what is asked for, each variable once; a cycle is an
//!   error naming it), with Ansible's Jinja settings (`trim_blocks`, a
//!   block scalar's final line breaks kept, backslashes in string literals
//!   escaped as Ansible does, a single `{{ … }}` keeping its type), the
//!   filters and tests group_vars use (`default`, `bool`, `int`, `regex_*`,
//!   `ternary`, `combine`, `dict2items`, `version`, path filters, list
//!   filters, Python's string methods…), `vars` (every variable, lazily, as
//!   ansible-core 2.19 has it) and facts as a host gives them
//!   ([`facts_as_vars`]: `ansible_x` and `ansible_facts['x']` are one).
//! - **Refusals with their way out** ([`Failure`]): a fact or magic variable
//!   that only the host knows (`ansible_user_id`, `hostvars`,
//!   `inventory_hostname`), even under `default(…)` or `is defined`, since
//!   the host's answer would be another; lookups and plugins (they need the
//!   controller); `omit`; a vault value; an undefined name, with the
//!   nearest defined one.
//!
//! A refusal's way out speaks to a command line that takes a fact as
//! `--fact NAME=VALUE`, a parameter (a name given to [`Vars::new`] as one)
//! as `--set NAME=VALUE`, and vars files: the caller's words, given here.
//!
//! Not covered: inventories, precedence beyond the caller's own ordering
//! (it hands over one mapping of variables), lookups, custom plugins.

mod eval;
mod facts;
mod file;
mod filters;
mod list_filters;
mod raw;
mod suggest;
mod yaml11;

pub use eval::{is_host_fact, is_template, printable, Failure, Var, Vars};
pub use facts::facts_as_vars;
pub use file::{files_of, io_reason, parse, read, Entry, ReadError};
pub use raw::Raw;
pub use yaml11::{yaml_top_level, TopLevel, YamlError};

/// The Jinja value type of evaluated variables (minijinja's).
pub use minijinja::Value;
