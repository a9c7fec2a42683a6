//! The combined user data (`render --with FILE`): the user's parts and
//! patroni-bake's in one MIME multipart, as cloud-init reads it.
//!
//! Patroni's part is install.sh itself as a `text/x-shellscript` part, not
//! cloud-config: cloud-init merges `#cloud-config` parts key by key, and a
//! later part's `runcmd`, `packages` or `write_files` replaces an earlier
//! one's unless it says otherwise, so in one order or the other either the
//! fleet's setup or Patroni is lost without an error. Script parts are not
//! merged: each runs once, in `scripts_user`, whatever the order.
//!
//! The framing is written here, not by a template: it is a byte protocol
//! (boundaries, transfer encodings) around parts that must reach cloud-init
//! byte for byte, like JSON written by serde. It is deterministic: the
//! boundary is derived from the parts, and there are no dates or message
//! ids. When the plain form exceeds the limit, the whole is
//! gzip-compressed, which cloud-init decompresses.

use anyhow::Result;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::gzip;
use crate::error::usage;
use crate::input::user_data::UserPart;

/// The file the combined user data is written to (`--out`).
pub const FILE: &str = "user-data";
/// The name of patroni-bake's part: cloud-init stores the script under it
/// in the instance's scripts directory.
pub const PATRONI_PART: &str = "patroni-bake-install.sh";

/// Where Patroni's part goes among the user's (`--patroni-part`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Position {
    First,
    #[default]
    Last,
}

/// The user's parts and where Patroni's part goes among them.
#[derive(Debug, Clone, Default)]
pub struct Composition {
    pub parts: Vec<UserPart>,
    pub patroni: Position,
}

/// The combined user data: plain when it fits `limit`, else gzip.
pub fn combine(install_sh: &str, comp: &Composition, limit: usize) -> Result<Vec<u8>> {
    let ours = UserPart {
        name: PATRONI_PART.into(),
        mime_type: "text/x-shellscript",
        content: install_sh.as_bytes().to_vec(),
    };
    let mut parts: Vec<&UserPart> = comp.parts.iter().collect();
    match comp.patroni {
        Position::First => parts.insert(0, &ours),
        Position::Last => parts.push(&ours),
    }
    let plain = multipart(&parts);
    if plain.len() <= limit {
        return Ok(plain);
    }
    let compressed = gzip::gzip(&plain);
    if compressed.len() > limit {
        return Err(usage(format!(
            "the combined user data is {} bytes gzip-compressed ({} bytes plain), over cloud_init_limit {limit}; raise it where the cloud takes more (Azure and OpenStack: 65536, GCP: 262144), or make your parts smaller",
            compressed.len(),
            plain.len()
        )));
    }
    Ok(compressed)
}

/// The MIME multipart of `parts`, in order.
pub fn multipart(parts: &[&UserPart]) -> Vec<u8> {
    let boundary = boundary(parts);
    let mut out = Vec::new();
    out.extend_from_slice(
        format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n")
            .as_bytes(),
    );
    for part in parts {
        let seven_bit = is_seven_bit(&part.content);
        let (charset, encoding) = if seven_bit {
            ("us-ascii", "7bit")
        } else {
            ("utf-8", "base64")
        };
        out.extend_from_slice(
            format!(
                "--{boundary}\nContent-Type: {}; charset=\"{charset}\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: {encoding}\nContent-Disposition: attachment; filename=\"{}\"\n\n",
                part.mime_type, part.name
            )
            .as_bytes(),
        );
        if seven_bit {
            out.extend_from_slice(&part.content);
        } else {
            out.extend_from_slice(base64_lines(&part.content).as_bytes());
        }
        // The line break before a boundary belongs to the boundary, so the
        // part's own final line break (if any) stays the part's.
        out.push(b'\n');
    }
    out.extend_from_slice(format!("--{boundary}--\n").as_bytes());
    out
}

/// Text a MIME parser gives back unchanged: printable ASCII, tabs and LF
/// line breaks, lines within RFC 5322's 998 characters. Anything else
/// (UTF-8, CR) travels base64, which cloud-init decodes byte for byte.
fn is_seven_bit(content: &[u8]) -> bool {
    content
        .iter()
        .all(|&b| b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b))
        && content.split(|&b| b == b'\n').all(|line| line.len() <= 998)
}

/// Base64 in lines of 76 characters (RFC 2045).
fn base64_lines(content: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(content);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    lines.join("\n")
}

/// A boundary that none of the parts contains, derived from them alone.
fn boundary(parts: &[&UserPart]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        for field in [p.name.as_bytes(), p.mime_type.as_bytes(), &p.content] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field);
        }
    }
    free_boundary(&hasher.finalize(), parts)
}

/// The first of the boundaries `seed` gives that no part contains.
fn free_boundary(seed: &[u8], parts: &[&UserPart]) -> String {
    (0u32..)
        .map(|salt| candidate(seed, salt))
        .find(|b| {
            let delimiter = format!("--{b}");
            !parts.iter().any(|p| {
                p.content
                    .windows(delimiter.len())
                    .any(|w| w == delimiter.as_bytes())
            })
        })
        .expect("a boundary no part contains")
}

fn candidate(seed: &[u8], salt: u32) -> String {
    let mut h = Sha256::new();
    h.update(seed);
    h.update(salt.to_be_bytes());
    let hex: String = h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("==patroni-bake-{hex}==")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, mime_type: &'static str, content: &str) -> UserPart {
        UserPart {
            name: name.into(),
            mime_type,
            content: content.as_bytes().to_vec(),
        }
    }

    fn fleet() -> UserPart {
        part(
            "fleet.yaml",
            "text/cloud-config",
            "#cloud-config\npackages: [jq]\nruncmd: [[sh, -c, 'echo ran']]\n",
        )
    }

    const SCRIPT: &str = "#!/bin/sh\nset -eu\necho installed\n";

    #[test]
    fn the_bytes_are_the_same_every_time() {
        let comp = Composition {
            parts: vec![fleet()],
            patroni: Position::Last,
        };
        let a = combine(SCRIPT, &comp, 1 << 20).unwrap();
        assert_eq!(a, combine(SCRIPT, &comp, 1 << 20).unwrap());
        let text = String::from_utf8(a).unwrap();
        assert!(text.starts_with("Content-Type: multipart/mixed; boundary=\"==patroni-bake-"));
        assert!(!text.contains("Date:") && !text.contains("Message-ID"));
        // The user's part comes first and is kept byte for byte.
        let fleet_at = text.find("#cloud-config\npackages").unwrap();
        let ours_at = text.find(SCRIPT).unwrap();
        assert!(fleet_at < ours_at);
        assert!(text.contains("filename=\"patroni-bake-install.sh\""));
        assert!(text.ends_with("==--\n"));
    }

    #[test]
    fn patroni_first_puts_our_part_first() {
        let comp = Composition {
            parts: vec![fleet()],
            patroni: Position::First,
        };
        let text = String::from_utf8(combine(SCRIPT, &comp, 1 << 20).unwrap()).unwrap();
        assert!(text.find(SCRIPT).unwrap() < text.find("#cloud-config").unwrap());
    }

    #[test]
    fn gzip_switches_on_exactly_above_the_limit() {
        let comp = Composition {
            parts: vec![fleet()],
            patroni: Position::Last,
        };
        let plain = combine(SCRIPT, &comp, usize::MAX).unwrap();
        assert_eq!(combine(SCRIPT, &comp, plain.len()).unwrap(), plain);
        let gz = combine(SCRIPT, &comp, plain.len() - 1).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "no timestamp");
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, plain);
    }

    #[test]
    fn what_does_not_fit_even_compressed_is_refused_with_both_sizes() {
        let comp = Composition::default();
        let err = combine(SCRIPT, &comp, 10).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("over cloud_init_limit 10") && msg.contains("bytes plain"),
            "{msg}"
        );
    }

    #[test]
    fn text_that_is_not_seven_bit_travels_base64() {
        let utf8 = part("motd.sh", "text/x-shellscript", "#!/bin/sh\necho 'grüße'\n");
        let crlf = part("win.sh", "text/x-shellscript", "#!/bin/sh\r\necho hi\r\n");
        let text = String::from_utf8(multipart(&[&utf8, &crlf])).unwrap();
        assert!(!text.contains("grüße") && !text.contains('\r'));
        assert_eq!(text.matches("Content-Transfer-Encoding: base64").count(), 2);
    }

    #[test]
    fn the_boundary_never_occurs_in_a_part() {
        let seed = b"seed";
        let first = candidate(seed, 0);
        // A part that holds the boundary the seed gives first.
        let evil = part(
            "a.sh",
            "text/x-shellscript",
            &format!("#!/bin/sh\n--{first}\n"),
        );
        let chosen = free_boundary(seed, &[&evil]);
        assert_ne!(chosen, first);
        assert_eq!(chosen, candidate(seed, 1));
        let plain = part("a.sh", "text/x-shellscript", "#!/bin/sh\n");
        assert_eq!(free_boundary(seed, &[&plain]), first);
    }
}
