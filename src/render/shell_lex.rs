//! Just enough of the shell's lexer to know, line by line, where a rendered
//! step's text stands: inside quotes or a command substitution, where a
//! comment starts, and how the line ends. The Docker encoding (docker.rs)
//! and install.sh's indentation need that and nothing more; and the
//! refusals that both share, naming the template line.

use anyhow::{bail, Result};

/// What a line of shell text is, lexically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based, in the text given to [`lines`].
    pub number: usize,
    /// The line without its line break.
    pub text: &'a str,
    /// The line starts inside a quoted string or a substitution that an
    /// earlier line opened: its first characters are data, not code.
    pub starts_inside: bool,
    /// The line starts inside single or double quotes: its first
    /// characters are part of a string (not code inside `$(…)`).
    pub starts_in_quote: bool,
    /// The line ends inside quotes, `$(…)` or backticks: its line break is
    /// part of a word.
    pub ends_inside: bool,
    /// Byte offset where a comment starts, if the line has one.
    pub comment_at: Option<usize>,
    /// Ends in an unquoted backslash: the next line continues it.
    pub continued: bool,
    /// Closes, outside any quote, a parenthesis that is not open: a `case`
    /// pattern such as `a|b)`.
    pub closes_pattern: bool,
    /// Holds a here-document operator (`<<WORD`, `<<-WORD`).
    pub heredoc: bool,
}

impl Line<'_> {
    /// The code of the line: without its comment and trailing blanks.
    pub fn code(&self) -> &str {
        let end = self.comment_at.unwrap_or(self.text.len());
        self.text[..end].trim_end()
    }

    /// A line with no code: blank, or only a comment.
    pub fn is_blank(&self) -> bool {
        !self.starts_inside && self.code().trim_start().is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Single,
    Double,
    Backtick,
    /// `$( … )`, with the parentheses opened inside it.
    Subst(usize),
}

/// Every line of `text`, lexed in order (state carries across lines).
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let mut stack: Vec<Frame> = Vec::new();
    // Parentheses open outside quotes and substitutions (a subshell may
    // span lines); closing one that is not open is a case pattern.
    let mut open: isize = 0;
    let mut out = Vec::new();
    // Split on LF only: a CR is data (str::lines would drop one before LF).
    let body = text.strip_suffix('\n').unwrap_or(text);
    let pieces = if text.is_empty() {
        Vec::new()
    } else {
        body.split('\n').collect()
    };
    for (i, text) in pieces.into_iter().enumerate() {
        let starts_inside = !stack.is_empty();
        let starts_in_quote = matches!(stack.last(), Some(Frame::Single | Frame::Double));
        let mut line = Line {
            number: i + 1,
            text,
            starts_inside,
            starts_in_quote,
            ends_inside: false,
            comment_at: None,
            continued: false,
            closes_pattern: false,
            heredoc: false,
        };
        lex_line(&mut line, &mut stack, &mut open);
        line.ends_inside = !stack.is_empty() && !line.continued;
        out.push(line);
    }
    out
}

fn lex_line(line: &mut Line<'_>, stack: &mut Vec<Frame>, open: &mut isize) {
    let b = line.text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let skip = match stack.last().copied() {
            Some(Frame::Single) => {
                if b[i] == b'\'' {
                    stack.pop();
                }
                0
            }
            Some(quote @ (Frame::Double | Frame::Backtick)) => in_quote(b, i, quote, stack),
            top => match in_code(b, i, top, line, stack, open) {
                Some(skip) => skip,
                None => break,
            },
        };
        i += 1 + skip;
    }
}

/// At `b[i]` inside double quotes or backticks: the bytes to skip after it.
fn in_quote(b: &[u8], i: usize, quote: Frame, stack: &mut Vec<Frame>) -> usize {
    match b[i] {
        b'\\' => 1,
        b'"' if quote == Frame::Double => {
            stack.pop();
            0
        }
        b'`' if quote == Frame::Backtick => {
            stack.pop();
            0
        }
        b'`' => {
            stack.push(Frame::Backtick);
            0
        }
        b'$' if quote == Frame::Double && b.get(i + 1) == Some(&b'(') => {
            stack.push(Frame::Subst(0));
            1
        }
        _ => 0,
    }
}

/// At `b[i]` in code (the line's top level, or inside `$(…)` as `top`
/// says): the bytes to skip after it, or `None` where a comment starts.
fn in_code(
    b: &[u8],
    i: usize,
    top: Option<Frame>,
    line: &mut Line<'_>,
    stack: &mut Vec<Frame>,
    open: &mut isize,
) -> Option<usize> {
    let at_word_start = i == 0 || b" \t;&|(".contains(&b[i - 1]);
    match b[i] {
        b'\\' if i + 1 == b.len() => line.continued = true,
        b'\\' => return Some(1),
        b'\'' => stack.push(Frame::Single),
        b'"' => stack.push(Frame::Double),
        b'`' => stack.push(Frame::Backtick),
        b'#' if at_word_start => {
            line.comment_at = Some(i);
            return None;
        }
        b'$' if b.get(i + 1) == Some(&b'(') => {
            stack.push(Frame::Subst(0));
            return Some(1);
        }
        b'<' if b.get(i + 1) == Some(&b'<') => {
            line.heredoc |= b.get(i + 2) != Some(&b'<');
            return Some(2);
        }
        b'(' => match top {
            Some(Frame::Subst(n)) => *stack.last_mut().expect("frame") = Frame::Subst(n + 1),
            _ => *open += 1,
        },
        b')' => match top {
            Some(Frame::Subst(0)) => {
                stack.pop();
            }
            Some(Frame::Subst(n)) => *stack.last_mut().expect("frame") = Frame::Subst(n - 1),
            _ if *open == 0 => line.closes_pattern = true,
            _ => *open -= 1,
        },
        _ => {}
    }
    Some(0)
}

/// The lexed text with `prefix` before every line that holds code or a
/// comment; lines that start inside a quoted string (data) and empty lines
/// are left as they are.
pub fn indent_lines(lexed: &[Line], prefix: &str) -> String {
    let mut out = String::new();
    for line in lexed {
        if !line.starts_in_quote && !line.text.is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line.text);
        out.push('\n');
    }
    out
}

/// `text` as cloud-init carries it, to stay within the user-data limit:
/// without comment lines, blank lines and indentation, which are for
/// readers (a `#!` first line stays). Lines inside quoted strings are
/// data and stay as they are.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in lines(text) {
        let shebang = line.number == 1 && line.text.starts_with("#!");
        let keep = if line.starts_in_quote || shebang {
            line.text
        } else {
            let t = line.text.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            t
        };
        out.push_str(keep);
        out.push('\n');
    }
    out
}

/// A step's text holds no here-document (install.sh indents step bodies,
/// which would break one; a RUN cannot hold one at all).
pub fn refuse_heredoc(lexed: &[Line], template: &str, source: &str) -> Result<()> {
    match lexed.iter().find(|l| l.heredoc) {
        Some(line) => bail!("{}: {HEREDOC}", where_(template, source, line)),
        None => Ok(()),
    }
}

/// Why a here-document is refused, and what to write instead.
pub const HEREDOC: &str =
    "a here-document cannot be written into a Dockerfile RUN; use printf '%s\\n' with one line per word";

/// `steps/x.sh.j2 line L` (where the rendered line is found in the
/// template as written) and the rendered line itself.
pub fn where_(template: &str, source: &str, line: &Line) -> String {
    let wanted = line.text.trim();
    match source.lines().position(|s| s.trim() == wanted) {
        Some(i) => format!("{template} line {}: `{wanted}`", i + 1),
        None => format!(
            "{template}, line {} of its rendering: `{wanted}`",
            line.number
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indent(text: &str, prefix: &str) -> String {
        indent_lines(&lines(text), prefix)
    }

    #[test]
    fn quotes_substitutions_and_comments() {
        let text =
            "a=\"$(x \"y # z\")\" # c\nb='one\ntwo' \\\ncase $v in a|b) ;; esac\nc=${p##*/}\n";
        let l = lines(text);
        assert_eq!(l[0].code(), "a=\"$(x \"y # z\")\"");
        assert!(!l[0].ends_inside && l[0].comment_at.is_some());
        assert!(l[1].ends_inside && !l[1].starts_inside);
        assert!(l[2].starts_inside && l[2].continued);
        assert!(l[3].closes_pattern);
        assert_eq!(l[4].comment_at, None);
    }

    #[test]
    fn a_carriage_return_is_data() {
        assert_eq!(indent("x='\r\n'\n", " "), " x='\r\n'\n");
    }

    #[test]
    fn indent_leaves_data_alone() {
        assert_eq!(indent("a='x\ny'\n\nb\n", "  "), "  a='x\ny'\n\n  b\n");
        assert_eq!(indent("a=$(x \\\n  y)\n", "  "), "  a=$(x \\\n    y)\n");
    }

    #[test]
    fn compact_drops_what_is_for_readers() {
        let text = "#!/bin/sh\n# why\n\nif x; then\n    y 'a\n\n  # b'\nfi\n";
        assert_eq!(compact(text), "#!/bin/sh\nif x; then\ny 'a\n\n  # b'\nfi\n");
    }

    #[test]
    fn a_subshell_over_lines_is_no_case_pattern() {
        let l = lines("(\n    cd /x\n)\ncase $v in\n    a) ;;\nesac\n");
        assert!(!l[2].closes_pattern);
        assert!(l[4].closes_pattern);
    }

    #[test]
    fn heredocs_are_seen_and_here_strings_are_not() {
        assert!(lines("cat <<EOF")[0].heredoc);
        assert!(lines("cat <<-'EOF'")[0].heredoc);
        assert!(!lines("cat <<<x")[0].heredoc);
        assert!(!lines("echo '<<EOF'")[0].heredoc);
    }
}
