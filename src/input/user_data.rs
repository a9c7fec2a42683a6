//! The user's own cloud-init user data (`render --with FILE`): each file a
//! part of the combined user data, kept byte for byte.
//!
//! A part's type comes from its first line, as cloud-init itself decides
//! it (`#cloud-config`, `#!`, …): a file cloud-init would not run is
//! refused here, naming it, rather than silently ignored on the VM.

use anyhow::Result;
use camino::Utf8Path;

use crate::error::usage;
use ansible_vars::{yaml_top_level, TopLevel, YamlError};

/// One part of the user's user data, as read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPart {
    /// The file name the part carries in the multipart (the file's base
    /// name, made safe for a MIME header): cloud-init names the scripts
    /// it runs after it.
    pub name: String,
    /// The MIME type cloud-init gives this first line, such as
    /// `text/cloud-config`.
    pub mime_type: &'static str,
    /// The file's bytes, unchanged.
    pub content: Vec<u8>,
}

/// cloud-init's first-line markers (its `INCLUSION_TYPES_MAP`); a longer
/// marker first, since `#cloud-config-archive` starts with `#cloud-config`.
const MARKERS: &[(&str, &str)] = &[
    ("#cloud-config-archive", "text/cloud-config-archive"),
    ("#cloud-config-jsonp", "text/cloud-config-jsonp"),
    ("## template: jinja", "text/jinja2"),
    ("#cloud-boothook", "text/cloud-boothook"),
    ("#include-once", "text/x-include-once-url"),
    ("#part-handler", "text/part-handler"),
    ("#cloud-config", "text/cloud-config"),
    ("#include", "text/x-include-url"),
    ("#!", "text/x-shellscript"),
];

/// What a part may start with, for messages.
const ALLOWED: &str = "#cloud-config, a script (#!), #cloud-boothook, #include, #include-once, #part-handler, #cloud-config-archive, #cloud-config-jsonp or ## template: jinja";

/// Read and check one `--with` file.
pub fn read_part(path: &Utf8Path) -> Result<UserPart> {
    let content = std::fs::read(path).map_err(|e| {
        usage(format!(
            "--with {path}: cannot read it ({})",
            ansible_vars::io_reason(&e)
        ))
    })?;
    let name = part_name(path);
    let mime_type = classify(path, &content)?;
    Ok(UserPart {
        name,
        mime_type,
        content,
    })
}

/// Check a part's bytes and give its MIME type.
pub fn classify(path: &Utf8Path, content: &[u8]) -> Result<&'static str> {
    if content.starts_with(&[0x1f, 0x8b]) {
        return Err(usage(format!(
            "--with {path}: it is gzip-compressed; give it uncompressed (the combined user data is compressed as a whole when it must be)"
        )));
    }
    let text = std::str::from_utf8(content).map_err(|e| {
        usage(format!(
            "--with {path}: it is not UTF-8 text (byte {} is not); cloud-init reads user data as UTF-8",
            e.valid_up_to() + 1
        ))
    })?;
    // cloud-init compares the start, lowercased, after leading whitespace.
    let start = text.trim_start().to_lowercase();
    if start.starts_with("content-type:") || start.starts_with("mime-version:") {
        return Err(usage(format!(
            "--with {path}: it is a MIME message already; give each of its parts as a file of its own (--with per part), or add patroni-bake's install.sh to it as a text/x-shellscript part"
        )));
    }
    let Some((_, mime_type)) = MARKERS.iter().find(|(m, _)| start.starts_with(m)) else {
        let first = text.trim_start().lines().next().unwrap_or("");
        let first: String = first.chars().take(60).collect();
        return Err(usage(if text.trim().is_empty() {
            format!("--with {path}: it is empty; a part starts with {ALLOWED}")
        } else {
            format!(
                "--with {path}: its first line '{}' is not one cloud-init runs; a part starts with {ALLOWED}",
                first.escape_debug()
            )
        }));
    };
    if *mime_type == "text/cloud-config" {
        check_cloud_config(path, text)?;
    }
    Ok(mime_type)
}

/// A `#cloud-config` part is a YAML mapping (or empty), as cloud-init's
/// PyYAML reads it.
fn check_cloud_config(path: &Utf8Path, text: &str) -> Result<()> {
    match yaml_top_level(text) {
        Ok(TopLevel::Mapping | TopLevel::Empty) => Ok(()),
        Ok(TopLevel::Other(what)) => Err(usage(format!(
            "--with {path}: the #cloud-config's top level is {what}; it must be a mapping of cloud-config keys"
        ))),
        Err(YamlError {
            message,
            line,
            column,
        }) => Err(usage(format!(
            "--with {path}:{line}:{column}: the #cloud-config is not valid YAML: {message}"
        ))),
    }
}

/// The file's base name with anything but `[A-Za-z0-9._+-]` made `_`:
/// it goes into a quoted MIME header and becomes a file name on the VM,
/// and no path of the rendering machine may reach the output.
fn part_name(path: &Utf8Path) -> String {
    let base = path.file_name().unwrap_or("part");
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Refuse two parts that cloud-init would store under one name (a later
/// script would replace an earlier one on the VM).
pub fn check_names(parts: &[(&Utf8Path, &UserPart)], ours: &str) -> Result<()> {
    for (i, (path, part)) in parts.iter().enumerate() {
        if part.name == ours {
            return Err(usage(format!(
                "--with {path}: its name {ours} is the name of patroni-bake's own part; rename the file"
            )));
        }
        if let Some((other, _)) = parts[..i].iter().find(|(_, p)| p.name == part.name) {
            return Err(usage(format!(
                "--with {other} and --with {path} are both named {} in the user data, and cloud-init keeps only one; rename one",
                part.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<&'static str> {
        classify(Utf8Path::new("fleet.yaml"), text.as_bytes())
    }

    fn refusal(text: &[u8]) -> String {
        let err = classify(Utf8Path::new("dir/fleet.yaml"), text).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        err.to_string()
    }

    #[test]
    fn first_lines_give_cloud_inits_types() {
        assert_eq!(
            kind("#cloud-config\npackages: [jq]\n").unwrap(),
            "text/cloud-config"
        );
        assert_eq!(kind("#Cloud-Config\n").unwrap(), "text/cloud-config");
        assert_eq!(
            kind("\n  #cloud-config\n{}\n").unwrap(),
            "text/cloud-config"
        );
        assert_eq!(
            kind("#!/bin/bash\necho hi\n").unwrap(),
            "text/x-shellscript"
        );
        assert_eq!(
            kind("#cloud-config-archive\n- content: x\n").unwrap(),
            "text/cloud-config-archive"
        );
        assert_eq!(
            kind("#cloud-boothook\n#!/bin/sh\n").unwrap(),
            "text/cloud-boothook"
        );
        assert_eq!(
            kind("#include-once\nhttp://x\n").unwrap(),
            "text/x-include-once-url"
        );
        assert_eq!(kind("#include\nhttp://x\n").unwrap(), "text/x-include-url");
        assert_eq!(
            kind("## template: jinja\n#cloud-config\n{{ x }}: 1\n").unwrap(),
            "text/jinja2"
        );
    }

    #[test]
    fn parts_cloud_init_would_not_run_are_refused_by_name() {
        let msg = refusal(b"packages: [jq]\n");
        assert!(
            msg.contains("--with dir/fleet.yaml") && msg.contains("'packages: [jq]'"),
            "{msg}"
        );
        assert!(msg.contains("#cloud-config"), "{msg}");
        assert!(refusal(b"").contains("it is empty"));
        assert!(refusal(b"#cloud-config\n- a\n- b\n").contains("top level is a list"));
        assert!(refusal(b"#cloud-config\nusers: [\n").contains("not valid YAML"));
        assert!(refusal(b"\x1f\x8b\x08\x00").contains("gzip-compressed"));
        assert!(refusal(b"#!/bin/sh\n\xff\n").contains("not UTF-8"));
        assert!(refusal(b"Content-Type: multipart/mixed; boundary=x\n").contains("MIME message"));
    }

    #[test]
    fn an_empty_cloud_config_is_a_part() {
        assert_eq!(kind("#cloud-config\n").unwrap(), "text/cloud-config");
    }

    #[test]
    fn names_are_base_names_made_safe() {
        assert_eq!(
            part_name(Utf8Path::new("/home/me/fleet data/\"x\".yaml")),
            "_x_.yaml"
        );
        assert_eq!(part_name(Utf8Path::new("fleet.yaml")), "fleet.yaml");
    }

    #[test]
    fn two_parts_of_one_name_are_refused() {
        let a = UserPart {
            name: "x.sh".into(),
            mime_type: "text/x-shellscript",
            content: b"#!/bin/sh\n".to_vec(),
        };
        let (p1, p2) = (Utf8Path::new("a/x.sh"), Utf8Path::new("b/x.sh"));
        let err = check_names(&[(p1, &a), (p2, &a)], "ours.sh")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a/x.sh") && err.contains("b/x.sh"), "{err}");
        let ours = UserPart {
            name: "ours.sh".into(),
            ..a.clone()
        };
        assert!(check_names(&[(p1, &ours)], "ours.sh").is_err());
    }
}
