//! patroni-bake renders the install of Patroni without touching a host.
//!
//! The pipeline, one module each, imports running one way:
//! recipe (the data, validated) → input (what the user gives, evaluated and
//! checked) → plan (every value resolved for one target) → render (pure:
//! plan in, files out, SHA256SUMS among them) → output (writing, drift).
//! `tools` runs uv and pip (pip writes the wheelhouse it is asked for) and
//! reports what the user should read through the reporter its caller gives
//! it; only `commands` prints, and besides pip only `output` writes.
//! `audit` matches what a plan installs (plan::inventory) against an
//! advisory database (the osv-match crate).

pub mod audit;
pub mod cli;
pub mod commands;
pub mod error;
pub mod input;
pub mod output;
pub mod plan;
pub mod recipe;
pub mod render;
pub mod suggest;
pub mod tools;
pub mod utc;
