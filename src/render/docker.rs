//! The Docker encoding of a step: its shell text as one `RUN`, lines joined
//! with `; \` (or a bare ` \` where the shell needs no separator), comments
//! dropped. Steps are written as ordinary, indented shell; the separators
//! are derived here, and any line whose encoding would be ambiguous is
//! refused rather than guessed.

use anyhow::{bail, Result};

use super::shell_lex::{lines, where_, Line, HEREDOC};

/// Between the lines of a RUN.
const JOIN: &str = " \\\n    ";

/// `text` (a rendered step, wrapped by docker_run.sh.j2) as the body of
/// one RUN. `template` names the step's template in errors.
pub fn encode(text: &str, template: &str, source: &str) -> Result<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending: Option<&Line> = None;
    let lexed = lines(text);
    for line in &lexed {
        let at = || where_(template, source, line);
        if line.is_blank() {
            if let Some(prev) = pending {
                bail!(
                    "{}: it ends in a backslash, but the next line is blank or a comment, which a RUN cannot continue into",
                    where_(template, source, prev)
                );
            }
            continue;
        }
        if line.heredoc {
            bail!("{}: {HEREDOC}", at());
        }
        if line.ends_inside {
            bail!("{}: its line break is inside quotes or $(…), and a RUN's continuation would drop it; close the quote on the line, or build the text with printf", at());
        }
        if line.code().contains('\0') {
            bail!("{}: a NUL byte cannot be written into a Dockerfile", at());
        }
        let code = line.code();
        if line.continued {
            let body = code.strip_suffix('\\').unwrap_or(code).trim_end();
            out.push(body.to_string());
            pending = Some(line);
            continue;
        }
        pending = None;
        let sep = separator(line).map_err(|why| anyhow::anyhow!("{}: {why}", at()))?;
        out.push(format!("{code}{sep}"));
    }
    if let Some(prev) = pending {
        bail!(
            "{}: it ends in a backslash, but the step ends there",
            where_(template, source, prev)
        );
    }
    // The last command ends the RUN: it needs no separator.
    if let Some(last) = out.last_mut() {
        if let Some(bare) = last.strip_suffix(';').filter(|b| !b.ends_with(';')) {
            *last = bare.to_string();
        }
    }
    Ok(out.join(JOIN))
}

/// What must follow `line` when the next line is joined to it: `;` after
/// a complete command, nothing where the shell continues (after `then`,
/// `do`, `else`, an opening brace, a pipe, `&&`, `||`, a case pattern or
/// `;;`).
fn separator(line: &Line) -> Result<&'static str, String> {
    let code = line.code().trim_start();
    let ends_kw = |kw: &str| {
        code == kw
            || code
                .strip_suffix(kw)
                .is_some_and(|head| head.trim_end().ends_with(';'))
    };
    if ["&&", "||", "|"].iter().any(|op| code.starts_with(op)) {
        return Err("it starts with an operator, which the shell cannot take at the start of a line; end the line before with it (or with a backslash)".into());
    }
    if code.ends_with(";;") {
        return Ok("");
    }
    if code.ends_with(';') {
        return Err(
            "it ends in ';'; the Docker encoding adds the separators, so the step's text leaves them out"
                .into(),
        );
    }
    if code.ends_with("&&") || code.ends_with("||") || code.ends_with('|') {
        return Ok("");
    }
    if code.ends_with('&') {
        return Err(
            "it ends in '&'; a background command cannot be joined to the next line".into(),
        );
    }
    if ["then", "do", "else"].into_iter().any(ends_kw)
        || code == "{"
        || code == "("
        || code.ends_with("()")
        || code.ends_with("() {")
        || code.ends_with("&& {")
        || code.ends_with("|| {")
    {
        return Ok("");
    }
    if code.starts_with("case ") && code.ends_with(" in") {
        return Ok("");
    }
    if line.closes_pattern {
        if code.ends_with(')') {
            return Ok("");
        }
        if !code.ends_with("esac") {
            return Err("a case arm with commands must end in ';;' (the separator is missing), or the next arm would become its arguments".into());
        }
    }
    Ok(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(text: &str) -> Result<String> {
        encode(text, "steps/t.sh.j2", text)
    }

    #[test]
    fn joins_lines_with_the_separators_the_shell_needs() {
        let run = enc("# why\nif true; then\n    echo a \\\n        b\n    # indented comment\nelse\n    x | \n    y\nfi\ncase $v in\n    a) ;;\n    *) z ;;\nesac\nf() {\n    g\n}\n")
            .unwrap();
        assert_eq!(
            run,
            [
                "if true; then",
                "    echo a",
                "        b;",
                "else",
                "    x |",
                "    y;",
                "fi;",
                "case $v in",
                "    a) ;;",
                "    *) z ;;",
                "esac;",
                "f() {",
                "    g;",
                "}"
            ]
            .join(JOIN)
        );
    }

    #[test]
    fn a_word_that_looks_like_a_keyword_is_still_a_command() {
        let run = enc("echo then\necho done").unwrap();
        assert!(run.contains("echo then; \\"), "{run}");
    }

    #[test]
    fn refuses_a_case_arm_without_its_separator() {
        let err = enc("case $v in\n    a) x\n    b) y ;;\nesac\n").unwrap_err();
        assert!(err.to_string().contains("must end in ';;'"), "{err}");
        assert!(err.to_string().contains("steps/t.sh.j2 line 2"), "{err}");
    }

    #[test]
    fn a_function_brace_or_a_subshell_on_its_own_line() {
        let run = enc("f()\n{\n    g\n}\n(\n    cd /\n)\n").unwrap();
        assert!(
            run.contains(
                "f() \\\n    { \\\n        g; \\\n    }; \\\n    ( \\\n        cd /; \\\n    )"
            ),
            "{run}"
        );
    }

    #[test]
    fn refuses_an_operator_that_starts_a_line() {
        let err = enc("true\n    && false\n").unwrap_err();
        assert!(err.to_string().contains("starts with an operator"), "{err}");
    }

    #[test]
    fn refuses_a_heredoc() {
        let err = enc("cat >f <<EOF\nx\nEOF\n").unwrap_err();
        assert!(err.to_string().contains("here-document"), "{err}");
        assert!(err.to_string().contains("line 1: `cat >f <<EOF`"), "{err}");
    }

    #[test]
    fn refuses_a_trailing_backslash() {
        for text in [
            "echo a \\\n",
            "echo a \\\n# comment\necho b\n",
            "echo a \\\n\necho b\n",
        ] {
            let err = enc(text).unwrap_err();
            assert!(
                err.to_string().contains("ends in a backslash"),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn refuses_line_breaks_inside_quotes_and_stale_separators() {
        let err = enc("x='a\nb'\n").unwrap_err();
        assert!(err.to_string().contains("inside quotes"), "{err}");
        let err = enc("echo a;\n").unwrap_err();
        assert!(err.to_string().contains("ends in ';'"), "{err}");
        let err = enc("sleep 1 &\n").unwrap_err();
        assert!(err.to_string().contains("'&'"), "{err}");
    }

    #[test]
    fn inline_comments_are_dropped() {
        let run = enc("echo a # why\necho '#' b\n").unwrap();
        assert!(run.ends_with("echo a; \\\n    echo '#' b"), "{run}");
    }
}
