//! What the user brings: parameters from vars files, `--set` and `--fact`,
//! evaluated the way Ansible does, and checked against the recipe's rules.

pub mod facts;
pub mod given;
pub mod params;
pub mod resolved;
pub mod user_data;
pub mod varsfile;

pub use given::{collect, given_map, Given, Inputs, Source};
pub use resolved::{resolve, Backend, InstallMethod, Params, Resolved};
