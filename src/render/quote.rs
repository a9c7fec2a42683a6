//! Quoting for each output language. Templates never quote by hand: the
//! template environment (templates.rs) passes every value through the
//! function for the template's language.

/// Characters that need no quoting in a POSIX shell word.
fn shell_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c)
}

/// Reserved words: harmless as arguments, but quoted so that no reader (nor
/// shellcheck) takes `getent group fi` for a keyword.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "time",
];

/// Quote `s` as one POSIX shell word that means exactly `s`: bare when that
/// is safe, else single-quoted with `'\''` for embedded quotes.
pub fn shell(s: &str) -> String {
    if !s.is_empty() && s.chars().all(shell_safe) && !s.starts_with('=') && !RESERVED.contains(&s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Escape `s` for a systemd unit setting value: `%` specifiers and `$`
/// variable expansion are turned off, and a value with whitespace, quotes or
/// backslashes becomes one double-quoted word. A newline cannot be written.
pub fn systemd(s: &str) -> Result<String, String> {
    if s.contains(['\n', '\r', '\0']) {
        return Err(format!(
            "'{}' has a line break or NUL, which a systemd unit cannot hold",
            s.escape_debug()
        ));
    }
    let escaped = s.replace('%', "%%").replace('$', "$$");
    if escaped
        .chars()
        .all(|c| c.is_ascii_graphic() && !"\"'\\;".contains(c))
        && !escaped.is_empty()
    {
        return Ok(escaped);
    }
    Ok(format!(
        "\"{}\"",
        escaped.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// Escape `s` for the inside of a double-quoted Dockerfile string (ENV):
/// `$` does not expand, quotes and backslashes stay literal.
pub fn dockerfile(s: &str) -> Result<String, String> {
    if s.contains(['\n', '\r', '\0']) {
        return Err(format!(
            "'{}' has a line break or NUL, which a Dockerfile line cannot hold",
            s.escape_debug()
        ));
    }
    Ok(s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$"))
}

/// `s` as a YAML literal block scalar (`|`), its lines indented by
/// `indent` spaces, so that a multi-line file reads and diffs line by line;
/// `None` where a literal block could not give back exactly `s` (a loader
/// would fold, strip or refuse something), and the caller quotes instead.
pub fn yaml_literal(s: &str, indent: usize) -> Option<String> {
    let body = s.strip_suffix('\n')?;
    let first = body.lines().next()?;
    let last = body.rsplit('\n').next()?;
    let awkward = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
    };
    if body.is_empty()
        || body.ends_with('\n')
        || first.starts_with([' ', '\t'])
        || first.is_empty()
        || last.trim().is_empty()
        || body.chars().any(awkward)
    {
        return None;
    }
    let pad = " ".repeat(indent);
    let mut out = String::from("|");
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell("/etc/patroni"), "/etc/patroni");
        assert_eq!(shell(""), "''");
        assert_eq!(shell("a b"), "'a b'");
        assert_eq!(shell("it's"), "'it'\\''s'");
        assert_eq!(shell("$(id)"), "'$(id)'");
        assert_eq!(shell("=x"), "'=x'");
        assert_eq!(shell("~"), "'~'");
    }

    #[test]
    fn systemd_values() {
        assert_eq!(systemd("/opt/x").unwrap(), "/opt/x");
        assert_eq!(systemd("50%").unwrap(), "50%%");
        assert_eq!(systemd("$HOME").unwrap(), "$$HOME");
        assert_eq!(systemd("a b").unwrap(), "\"a b\"");
        assert_eq!(systemd("a\"b").unwrap(), "\"a\\\"b\"");
        assert!(systemd("a\nb").is_err());
    }

    #[test]
    fn dockerfile_strings() {
        assert_eq!(dockerfile("/x:$PATH").unwrap(), "/x:\\$PATH");
        assert_eq!(dockerfile("a\"b\\").unwrap(), "a\\\"b\\\\");
        assert!(dockerfile("a\nb").is_err());
    }

    #[test]
    fn yaml_literal_blocks_only_where_they_give_back_the_text() {
        assert_eq!(
            yaml_literal("#!/bin/sh\n\n  x: '1'\n", 2).as_deref(),
            Some("|\n  #!/bin/sh\n\n    x: '1'")
        );
        for s in [
            "",
            "a",
            "a\n\n",
            " a\n",
            "a\r\nb\n",
            "a\n \n",
            "a\u{2028}b\n",
            "a\u{0}\n",
        ] {
            assert_eq!(yaml_literal(s, 2), None, "{s:?}");
        }
    }
}
