//! patroni-bake renders the install of Patroni without touching a host.
//!
//! recipe (data, validated) → plan (every value resolved for one target) →
//! render (pure: plan in, files out). Only `commands` prints or writes.

pub mod ansible;
pub mod ansible_filters;
pub mod cli;
pub mod commands;
pub mod error;
pub mod gzip;
pub mod lock;
pub mod manifest;
pub mod output;
pub mod params;
pub mod plan;
pub mod quote;
pub mod recipe;
pub mod render;
pub mod suggest;
pub mod templates;
pub mod uvlock;
pub mod validate;
pub mod varsfile;
pub mod wheelhouse;
