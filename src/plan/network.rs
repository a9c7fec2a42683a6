//! How the install reaches the network: proxies, the package index and a
//! CA bundle, for the package manager, pip and cloud-init's apt.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use serde::Serialize;

use super::Params;
use crate::recipe::PackageManager;

/// cloud-init's `apt:` settings.
#[derive(Debug, Clone, Serialize)]
pub struct AptConf {
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    /// The CA bundle apt must trust (its `apt.conf` line is the template's).
    pub ca_bundle: Option<Utf8PathBuf>,
}

/// How commands that reach the network are run.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    /// Environment for commands that reach the network (the package
    /// manager, pip, uv): proxies, index URL and CA bundle. Empty ones left
    /// out.
    pub env: BTreeMap<String, String>,
    /// Package-manager options: quiet, lock timeout and retries.
    pub package_manager_args: Vec<String>,
    /// The package manager's option for the CA bundle; empty for none.
    pub ca_args: Vec<String>,
}

impl Network {
    /// `uv`: the install runs uv, which reads its own variables.
    pub fn of(p: &Params, pm: PackageManager, uv: bool) -> Network {
        let (env, package_manager_args) = settings(p, pm, uv);
        let ca_args = match (pm, &p.ca_bundle) {
            (_, None) => Vec::new(),
            (PackageManager::Apt, Some(ca)) => {
                vec!["-o".to_string(), format!("Acquire::https::CAInfo={ca}")]
            }
            (PackageManager::Dnf, Some(ca)) => vec![format!("--setopt=sslcacert={ca}")],
        };
        Network {
            env,
            package_manager_args,
            ca_args,
        }
    }
}

/// The environment of commands that reach the network, and the package
/// manager's options.
fn settings(p: &Params, pm: PackageManager, uv: bool) -> (BTreeMap<String, String>, Vec<String>) {
    let mut env = BTreeMap::new();
    let ca_bundle = p.ca_bundle.as_ref().map(|c| c.to_string());
    for (value, var) in [
        (&p.http_proxy, "http_proxy"),
        (&p.https_proxy, "https_proxy"),
        (&p.no_proxy, "no_proxy"),
        (&p.pip_index_url, "PIP_INDEX_URL"),
        (&ca_bundle, "PIP_CERT"),
    ] {
        if let Some(value) = value {
            env.insert(var.to_string(), value.clone());
        }
    }
    // uv reads its own variables; Python's ssl module (which fetches uv's
    // wheel) reads SSL_CERT_FILE too.
    if uv {
        for (value, var) in [
            (&p.pip_index_url, "UV_DEFAULT_INDEX"),
            (&ca_bundle, "SSL_CERT_FILE"),
        ] {
            if let Some(value) = value {
                env.insert(var.to_string(), value.clone());
            }
        }
    }
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let args = match pm {
        PackageManager::Apt => words(&[
            "-q",
            "-o",
            "DPkg::Lock::Timeout=300",
            "-o",
            "Acquire::Retries=5",
        ]),
        PackageManager::Dnf => words(&["-q", "-y"]),
    };
    (env, args)
}

/// cloud-init's apt settings, where apt is the package manager and a proxy
/// or a CA bundle is given.
pub fn apt_conf(p: &Params, pm: PackageManager) -> Option<AptConf> {
    let any = p.http_proxy.is_some() || p.https_proxy.is_some() || p.ca_bundle.is_some();
    (pm == PackageManager::Apt && any).then(|| AptConf {
        http_proxy: p.http_proxy.clone(),
        https_proxy: p.https_proxy.clone(),
        ca_bundle: p.ca_bundle.clone(),
    })
}
