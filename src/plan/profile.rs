//! The PATH block in the user's shell startup files: which files get it
//! and the marker that ends each of its lines (the lines themselves are
//! written by the path step's template).

use serde::Serialize;

/// Every line of the managed PATH block ends with this, so that a re-run
/// finds all of its lines, even of a block that was half deleted.
pub const BLOCK_MARKER: &str = "# patroni-bake";

/// Where the PATH block goes.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Shell startup files that get the block, relative to the home:
    /// `.profile` (login sh, and bash without `.bash_profile`) and
    /// `.bashrc` (interactive bash).
    pub files: Vec<String>,
    /// Login files of bash that get the block only when they exist.
    pub bash_login_files: Vec<String>,
    /// The marker that ends each managed line.
    pub marker: String,
}

impl Profile {
    pub fn standard() -> Profile {
        Profile {
            files: vec![".profile".into(), ".bashrc".into()],
            bash_login_files: vec![".bash_profile".into(), ".bash_login".into()],
            marker: BLOCK_MARKER.to_string(),
        }
    }
}
