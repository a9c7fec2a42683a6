//! Reading `--vars` with the ansible-vars crate (YAML as Ansible reads
//! it, JSON, TOML, `group_vars/all/` directories); its failures are the
//! input's to mend, so they exit 2 (src/error.rs).

use ansible_vars::{Entry, ReadError};
use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::usage;

fn bad_input(e: ReadError) -> anyhow::Error {
    usage(e.to_string())
}

/// The files that `--vars PATH` reads, in the order they apply.
pub fn files_of(path: &Utf8Path) -> Result<Vec<Utf8PathBuf>> {
    ansible_vars::files_of(path).map_err(bad_input)
}

/// One vars file's top-level entries.
pub fn read(path: &Utf8Path) -> Result<Vec<Entry>> {
    ansible_vars::read(path).map_err(bad_input)
}

/// The text of a vars file (`path` names it and picks the format).
pub fn parse(path: &Utf8Path, text: &str) -> Result<Vec<Entry>> {
    ansible_vars::parse(path, text).map_err(bad_input)
}
