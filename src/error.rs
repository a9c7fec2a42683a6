//! Errors that decide the exit code.
//!
//! Everything a user typed (a key, a value, a target, a file) that is wrong
//! is a [`UsageError`]: exit 2, like clap's own usage errors. Drift found by
//! `check` is exit 1. Anything else (an I/O failure, a bug) is exit 1 too.

use std::fmt;

/// Bad input from the user. The message names the bad value and says what
/// is allowed.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand: `return Err(usage(format!(...)))`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// Exit code for an error chain: 2 when any cause is a usage error.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|c| c.downcast_ref::<UsageError>().is_some())
    {
        2
    } else {
        1
    }
}
