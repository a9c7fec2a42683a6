//! The parts of CycloneDX 1.6's JSON format that the SBOM uses, as typed
//! structs: serde writes them in the order declared here.

use serde::Serialize;

/// The schema the document declares (editors and validators read it).
pub const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub bom_format: &'static str,
    pub spec_version: &'static str,
    /// Derived from the rest of the document (see `serial_number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    pub version: u32,
    pub metadata: Metadata,
    pub components: Vec<Component>,
    pub dependencies: Vec<Dependency>,
    pub compositions: Vec<Composition>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    /// Only from SOURCE_DATE_EPOCH: a rendering has no time of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub lifecycles: Vec<Lifecycle>,
    pub tools: Tools,
    pub component: Component,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lifecycle {
    pub phase: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tools {
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Component {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// A licence: an SPDX expression, or a name where it is none; always the
/// one the distribution's metadata declares (`acknowledgement`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    Expression {
        expression: String,
        acknowledgement: &'static str,
    },
    Named {
        license: NamedLicense,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedLicense {
    pub name: String,
    pub acknowledgement: &'static str,
}

/// How a licence that the package's metadata states is acknowledged.
pub const DECLARED: &str = "declared";

#[derive(Debug, Clone, Serialize)]
pub struct ExternalReference {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
    pub comment: String,
    pub hashes: Vec<Hash>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hash {
    pub alg: &'static str,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: String,
    pub value: String,
}

impl Property {
    /// A property in patroni-bake's namespace.
    pub fn ours(name: &str, value: impl Into<String>) -> Property {
        Property {
            name: format!("patroni-bake:{name}"),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    #[serde(rename = "ref")]
    pub reference: String,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Composition {
    pub aggregate: &'static str,
    pub assemblies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
}
