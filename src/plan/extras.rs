//! A choice of Patroni extras that can run: Patroni refuses to start
//! without a PostgreSQL driver ("Patroni requires psycopg2>=2.5.4,
//! psycopg2-binary, or psycopg>=3.0.0"), so a choice without one is
//! refused (at resolve, src/recipe/rules.rs); a choice without a DCS extra
//! gets a note (only Kubernetes needs none).

use super::{InstallMethod, Params};
use crate::recipe::RecipeDef;

/// The note for a choice without a DCS extra, where pipx installs the
/// extras (the refusal of a choice without a driver is
/// [`rules::check_driver`](crate::recipe::rules::check_driver)'s, at
/// resolve).
pub(super) fn notes(def: &RecipeDef, p: &Params, extras: &[String]) -> Vec<String> {
    if p.install_method != InstallMethod::Pipx || extras.iter().any(|e| def.dcs_extras.contains(e))
    {
        return Vec::new();
    }
    vec![format!(
        "patroni_extras '{}' has no DCS extra ({}): only Kubernetes needs none (Patroni talks to its API itself); any other DCS needs its extra",
        extras.join(","),
        def.dcs_extras.join(", ")
    )]
}
