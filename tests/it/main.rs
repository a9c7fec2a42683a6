//! The integration tests, one crate: the CLI, the golden files, the
//! validators, hostile values, properties and `patroni-bake lock`.

mod audit;
mod cases;
mod cli;
mod common;
mod fetch_wheel;
mod front_door;
mod golden;
mod hostile;
mod layout;
mod lock;
mod properties;
mod user_data;
mod validators;
mod vars;
