//! The rules behind each parameter kind (kind.rs): paths, user names,
//! versions, extras, URLs and host lists.
//!
//! Validation is the first line of defence: a value that passes can appear
//! in a shell script, a Dockerfile, YAML and a systemd unit without meaning
//! anything but itself. Quoting (src/render/quote.rs) is the second.

use super::version::PatroniVersion;

/// Characters allowed in paths besides ASCII letters and digits. Excluded on
/// purpose: whitespace, quotes, `$`, backtick, `%`, backslash, `:` (it
/// separates PATH entries), glob characters and control characters.
const PATH_PUNCT: &str = "._-+@,/";

pub(super) fn check_path(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("it is empty".into());
    }
    if !v.starts_with('/') {
        return Err("it is not absolute".into());
    }
    if v.len() > 1024 {
        return Err(format!("it is {} bytes long (at most 1024)", v.len()));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || PATH_PUNCT.contains(*c)))
    {
        return Err(format!("it contains {}", describe_char(c)));
    }
    if v == "/" {
        return Err("it is the root directory".into());
    }
    if v.ends_with('/') {
        return Err("it ends with '/'".into());
    }
    for part in v[1..].split('/') {
        match part {
            "" => return Err("it contains '//'".into()),
            "." | ".." => return Err(format!("it contains a '{part}' component")),
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn check_user_name(v: &str) -> Result<(), String> {
    let mut chars = v.chars();
    match chars.next() {
        None => return Err("it is empty".into()),
        Some(c) if !(c.is_ascii_lowercase() || c == '_') => {
            return Err(format!("it starts with {}", describe_char(c)))
        }
        _ => {}
    }
    if let Some(c) =
        chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Err(format!("it contains {}", describe_char(c)));
    }
    if v.len() > 32 {
        return Err(format!("it is {} characters long (at most 32)", v.len()));
    }
    Ok(())
}

/// Patroni's version: PEP 440 in normalized form, or `latest` (see
/// [`PatroniVersion`]).
pub fn check_version(v: &str) -> Result<(), String> {
    v.parse::<PatroniVersion>().map(|_| ())
}

/// Split, trim, normalize as PEP 685 compares extras (`Etcd3` and
/// `psycopg2_binary` are `etcd3` and `psycopg2-binary`, as pip takes them),
/// check against `allowed`, then sort and de-duplicate: pipx records
/// extras sorted, and one order keeps renderings stable.
pub fn parse_extras(v: &str, allowed: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in v.split(',') {
        let normal = normalize_extra(raw.trim());
        let e = normal.as_str();
        if e.is_empty() {
            if v.trim().is_empty() {
                continue;
            }
            return Err("it has an empty item".into());
        }
        if !allowed.iter().any(|a| a == e) {
            let hint = crate::suggest::did_you_mean(e, allowed.iter().map(String::as_str));
            return Err(format!(
                "'{}' is not a Patroni extra{hint} (extras: {})",
                raw.trim().escape_debug(),
                allowed.join(", ")
            ));
        }
        out.push(e.to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// PEP 685: lower case, each run of `-`, `_` and `.` one `-`.
fn normalize_extra(e: &str) -> String {
    let mut out = String::with_capacity(e.len());
    for c in e.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

pub(super) fn check_url(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .ok_or_else(|| "it does not start with http:// or https://".to_string())?;
    if rest.is_empty() {
        return Err("it has no host".into());
    }
    if let Some(c) = v
        .chars()
        .find(|c| !c.is_ascii_graphic() || "\"'`\\$<>{}|^".contains(*c))
    {
        return Err(format!("it contains {}", describe_char(c)));
    }
    Ok(())
}

pub(super) fn check_host_list(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    for host in v.split(',') {
        if host.is_empty() {
            return Err("it has an empty item".into());
        }
        if let Some(c) = host
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ".-_*:/[]".contains(*c)))
        {
            return Err(format!("it contains {}", describe_char(c)));
        }
    }
    Ok(())
}

/// A character, named so that invisible ones show.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a newline".into(),
        '\t' => "a tab".into(),
        '\0' => "a NUL byte".into(),
        c if c.is_control() || !c.is_ascii() => format!("the character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in [
            "/etc/patroni",
            "/opt/patroni/bin",
            "/var/lib/pgsql/.local/bin",
            "/a+b@c,d",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "etc", "/", "/etc/", "/a//b", "/a/../b", "/a/./b", "/a b", "/a'b", "/a$b", "/a`b",
            "/a%b", "/a\\b", "/a\nb", "/a\0b", "/a:b", "/a*b", "/é",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn user_names() {
        for ok in ["postgres", "_pg", "pg-user_1"] {
            assert_eq!(check_user_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Postgres",
            "1pg",
            "-pg",
            "pg user",
            "pg$",
            "a234567890123456789012345678901234",
        ] {
            assert!(check_user_name(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn extras_are_checked_sorted_and_deduplicated() {
        let allowed: Vec<String> = ["etcd", "psycopg2-binary", "consul"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            parse_extras("psycopg2-binary, etcd,etcd", &allowed).unwrap(),
            ["etcd", "psycopg2-binary"]
        );
        assert_eq!(parse_extras("", &allowed).unwrap(), Vec::<String>::new());
        let err = parse_extras("etcd,etc3", &allowed).unwrap_err();
        assert!(
            err.contains("'etc3'") && err.contains("did you mean 'etcd'"),
            "{err}"
        );
        assert!(parse_extras("etcd,,consul", &allowed).is_err());
        assert_eq!(
            parse_extras("Etcd, PSYCOPG2_binary,psycopg2..Binary", &allowed).unwrap(),
            vec!["etcd", "psycopg2-binary"]
        );
    }

    #[test]
    fn urls_and_hosts() {
        assert_eq!(check_url("http://proxy.corp:3128"), Ok(()));
        assert_eq!(check_url("https://user:p%40ss@pypi.corp/simple/"), Ok(()));
        for bad in [
            "ftp://x",
            "http://",
            "http://a b",
            "http://x/$(id)",
            "http://x/`id`",
            "http://x/'",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?} passed");
        }
        assert_eq!(check_host_list("localhost,.corp,10.0.0.0/8,[::1]"), Ok(()));
        assert!(check_host_list("a,,b").is_err());
        assert!(check_host_list("a b").is_err());
    }
}
