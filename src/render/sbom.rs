//! The SBOM of a rendering for one architecture: CycloneDX 1.6 JSON of
//! what the install will hold (src/plan/inventory.rs), written before any
//! image exists.
//!
//! Byte-deterministic: the serial number is derived from the document
//! itself, and the only time in it is SOURCE_DATE_EPOCH's, where given.

use anyhow::{Context, Result};

use crate::plan::inventory::{Dist, Inventory, Landing, OsPackage};
use crate::recipe::OsFamily;
use cdx::{
    Bom, Component, Composition, Dependency, ExternalReference, Hash, LicenseChoice, Lifecycle,
    Metadata, NamedLicense, Property, Tools, DECLARED, SCHEMA,
};

mod cdx;
#[cfg(test)]
mod tests;

/// The reference of the rendering itself (the document's subject).
const ROOT_REF: &str = "rendering";

/// The file of `arch`'s SBOM in `render --out`.
pub fn file_name(arch: &str) -> String {
    format!("sbom.{arch}.cdx.json")
}

/// The SBOM of `inv`, with a timestamp only from `source_date_epoch`.
pub fn document(inv: &Inventory, source_date_epoch: Option<i64>) -> Result<Vec<u8>> {
    let mut components: Vec<Component> = Vec::new();
    for landing in inv.kept() {
        components.extend(landing.dists.iter().map(|d| python_component(landing, d)));
    }
    components.extend(inv.os_packages.iter().map(|p| os_component(inv, p)));
    let mut bom = Bom {
        schema: SCHEMA,
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: metadata(inv, source_date_epoch)?,
        components,
        dependencies: dependencies(inv),
        compositions: compositions(inv),
    };
    let unsigned = serde_json::to_vec(&bom).context("serializing the SBOM")?;
    bom.serial_number = Some(serial_number(&unsigned));
    let mut text = serde_json::to_string_pretty(&bom).context("serializing the SBOM")?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// The tool, the rendering, and the choices that change what it installs.
fn metadata(inv: &Inventory, source_date_epoch: Option<i64>) -> Result<Metadata> {
    let mut properties = vec![
        Property::ours("target", &inv.target),
        Property::ours("arch", &inv.arch),
    ];
    properties.extend(
        inv.parameters
            .iter()
            .map(|(k, v)| Property::ours(&format!("param:{k}"), v)),
    );
    Ok(Metadata {
        timestamp: source_date_epoch.map(rfc3339).transpose()?,
        // Made from the lock, before the image is built.
        lifecycles: vec![Lifecycle { phase: "pre-build" }],
        tools: Tools {
            components: vec![Component {
                kind: "application",
                name: "patroni-bake".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
                ..Component::default()
            }],
        },
        component: Component {
            kind: "application",
            bom_ref: Some(ROOT_REF.into()),
            name: "patroni-install".into(),
            version: inv.patroni_version.clone(),
            description: Some(format!(
                "Patroni as patroni-bake's rendering installs it on {} ({})",
                inv.target, inv.arch
            )),
            ..Component::default()
        },
        properties,
    })
}

/// A Python distribution where it lands, with its file where locked.
fn python_component(landing: &Landing, dist: &Dist) -> Component {
    let mut properties = vec![
        Property::ours("place", landing.place.id()),
        Property::ours("location", &landing.path),
    ];
    if dist.version.is_none() {
        properties.push(Property::ours("version", "chosen by pip at install time"));
    }
    let (licenses, license_property) = licenses(dist.license.as_deref());
    properties.extend(license_property);
    let external_references = dist
        .file
        .iter()
        .map(|f| ExternalReference {
            kind: "distribution",
            url: f.url.clone(),
            comment: if f.sdist {
                "sdist, built on the target"
            } else {
                "wheel"
            }
            .into(),
            hashes: vec![Hash {
                alg: "SHA-256",
                content: f.sha256.clone(),
            }],
        })
        .collect();
    Component {
        kind: "library",
        bom_ref: Some(python_ref(landing, &dist.name)),
        name: dist.name.clone(),
        version: dist.version.clone(),
        licenses,
        purl: Some(pypi_purl(&dist.name, dist.version.as_deref())),
        external_references,
        properties,
        ..Component::default()
    }
}

/// An OS package, without a version: the package manager picks it.
fn os_component(inv: &Inventory, pkg: &OsPackage) -> Component {
    let manager = package_manager(inv.family);
    let mut properties = vec![
        Property::ours("place", "os-package"),
        Property::ours("version", format!("chosen by {manager} at install time")),
    ];
    if pkg.only_if_missing {
        properties.push(Property::ours(
            "installed",
            "only where the target lacks it",
        ));
    }
    Component {
        kind: "library",
        bom_ref: Some(os_ref(&pkg.name)),
        name: pkg.name.clone(),
        purl: Some(os_purl(inv, &pkg.name)),
        properties,
        ..Component::default()
    }
}

/// What the lock says a distribution declares; an unknown licence is said
/// to be unknown (a property), never guessed.
fn licenses(license: Option<&str>) -> (Vec<LicenseChoice>, Option<Property>) {
    match license.map(str::trim).filter(|l| !l.is_empty()) {
        None => (Vec::new(), Some(Property::ours("license", "unknown"))),
        Some(l) if spdx::Expression::parse(l).is_ok() => (
            vec![LicenseChoice::Expression {
                expression: l.to_string(),
                acknowledgement: DECLARED,
            }],
            None,
        ),
        Some(l) => (
            vec![LicenseChoice::Named {
                license: NamedLicense {
                    name: l.to_string(),
                    acknowledgement: DECLARED,
                },
            }],
            None,
        ),
    }
}

/// The rendering needs each place's roots and the OS packages; each
/// distribution needs what the lock says, within its place. OS packages'
/// dependencies are unknown, so they have no entry.
fn dependencies(inv: &Inventory) -> Vec<Dependency> {
    let mut root: Vec<String> = Vec::new();
    let mut out: Vec<Dependency> = Vec::new();
    for landing in inv.kept() {
        root.extend(landing.roots.iter().map(|r| python_ref(landing, r)));
        for dist in &landing.dists {
            out.push(Dependency {
                reference: python_ref(landing, &dist.name),
                depends_on: dist.needs.iter().map(|n| python_ref(landing, n)).collect(),
            });
        }
    }
    root.extend(inv.os_packages.iter().map(|p| os_ref(&p.name)));
    out.insert(
        0,
        Dependency {
            reference: ROOT_REF.into(),
            depends_on: root,
        },
    );
    out
}

/// The locked places are complete, components and their dependencies;
/// where pip resolves at install time, and for the OS packages (the
/// package manager adds what they need), the document is incomplete.
fn compositions(inv: &Inventory) -> Vec<Composition> {
    let refs = |complete: bool| -> Vec<String> {
        inv.kept()
            .filter(|l| l.complete == complete)
            .flat_map(|l| l.dists.iter().map(move |d| python_ref(l, &d.name)))
            .collect()
    };
    let mut out = Vec::new();
    let complete = refs(true);
    if !complete.is_empty() {
        out.push(Composition {
            aggregate: "complete",
            assemblies: complete.clone(),
            dependencies: complete,
        });
    }
    let mut incomplete = refs(false);
    incomplete.extend(inv.os_packages.iter().map(|p| os_ref(&p.name)));
    if !incomplete.is_empty() {
        out.push(Composition {
            aggregate: "incomplete",
            assemblies: incomplete,
            dependencies: Vec::new(),
        });
    }
    out
}

fn python_ref(landing: &Landing, name: &str) -> String {
    let version = landing
        .dists
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.version.as_deref());
    match version {
        Some(v) => format!("{}:{name}@{v}", landing.place.id()),
        None => format!("{}:{name}", landing.place.id()),
    }
}

fn os_ref(name: &str) -> String {
    format!("os:{name}")
}

fn package_manager(family: OsFamily) -> &'static str {
    match family {
        OsFamily::Debian => "apt",
        OsFamily::Rhel => "dnf",
    }
}

/// `pkg:pypi/NAME@VERSION`: the purl spec's PyPI name is lowercase with
/// `-` for `_` (the lock's PEP 503 names already are).
pub fn pypi_purl(name: &str, version: Option<&str>) -> String {
    let name = percent_encode(&name.to_lowercase().replace('_', "-"));
    match version {
        Some(v) => format!("pkg:pypi/{name}@{}", percent_encode(v)),
        None => format!("pkg:pypi/{name}"),
    }
}

/// `pkg:deb/debian/NAME?distro=debian-12`, `pkg:rpm/redhat/NAME?distro=rhel-9`.
fn os_purl(inv: &Inventory, name: &str) -> String {
    let (kind, vendor) = match inv.family {
        OsFamily::Debian => ("deb", inv.target.split('-').next().unwrap_or("debian")),
        OsFamily::Rhel => ("rpm", "redhat"),
    };
    format!(
        "pkg:{kind}/{vendor}/{}?distro={}",
        percent_encode(name),
        percent_encode(&inv.target)
    )
}

/// Percent-encoding of everything but RFC 3986's unreserved characters
/// (a local version's `+` becomes `%2B`).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `urn:uuid:` from the SHA-256 of `document` (the document without its
/// serial): a version-8 UUID, name-based with SHA-256 as RFC 9562's
/// appendix B.2 shows (version 5 is SHA-1's).
fn serial_number(document: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut b: [u8; 16] = Sha256::digest(document)[..16]
        .try_into()
        .unwrap_or_default();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `SOURCE_DATE_EPOCH` as RFC 3339 UTC (`1970-01-01T00:00:00Z`).
fn rfc3339(epoch: i64) -> Result<String> {
    if !(0..=253_402_300_799).contains(&epoch) {
        return Err(crate::error::usage(format!(
            "SOURCE_DATE_EPOCH '{epoch}' is outside the years 1970 to 9999"
        )));
    }
    Ok(crate::utc::format_utc(epoch))
}
