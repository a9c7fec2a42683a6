//! The cut-off date of a lock (uv's `exclude-newer`): what the user gives
//! to `lock --exclude-newer`, or by default one second after the newest
//! upload the lock holds, so that the lock records a date at which anyone
//! can resolve it again and get the same versions.

use anyhow::Result;

use crate::error::usage;
use crate::utc::format_utc;

/// Seconds since the Unix epoch of a UTC `YYYY-MM-DDTHH:MM:SS` (any
/// fraction and a `Z` after it), or of a `YYYY-MM-DD` (midnight).
fn epoch_seconds(ts: &str) -> Option<i64> {
    let (date, time) = match ts.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (ts, None),
    };
    let num = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?, 4)?, num(d.next()?, 2)?, num(d.next()?, 2)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let secs = match time {
        None => 0,
        Some(t) => {
            let t = t.strip_suffix('Z')?;
            let whole = t.split_once('.').map_or(t, |(w, frac)| {
                if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    ""
                } else {
                    w
                }
            });
            let mut hms = whole.split(':');
            let (h, mi, s) = (
                num(hms.next()?, 2)?,
                num(hms.next()?, 2)?,
                num(hms.next()?, 2)?,
            );
            if hms.next().is_some() || h > 23 || mi > 59 || s > 60 {
                return None;
            }
            h * 3600 + mi * 60 + s
        }
    };
    Some(days_from_civil(y, m, day) * 86_400 + secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The user's `--exclude-newer`, as uv takes it (UTC, RFC 3339), or exit 2.
pub fn parse(ts: &str) -> Result<String> {
    match epoch_seconds(ts) {
        Some(secs) => Ok(format_utc(secs)),
        None => Err(usage(format!(
            "--exclude-newer '{}': give a UTC date and time as RFC 3339 (2026-11-27T20:53:45Z) or a date (2026-11-27)",
            ts.escape_debug()
        ))),
    }
}

/// One second after the newest `upload-time` of a uv.lock (uv leaves out
/// what was uploaded at the cut-off itself, and records seconds only), or
/// `None` where it records none.
pub fn after_newest_upload(uv_lock: &str) -> Option<String> {
    uv_lock
        .split("upload-time = \"")
        .skip(1)
        .filter_map(|rest| epoch_seconds(rest.split('"').next()?))
        .max()
        .map(|newest| format_utc(newest + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cut_off_is_a_second_after_the_newest_upload() {
        let lock = r#"sdist = { url = "a", upload-time = "2026-06-30T22:28:22.249Z" }
wheels = [{ url = "b", upload-time = "2026-12-31T23:59:59Z" }, { url = "c", upload-time = "2025-01-01T00:00:00Z" }]"#;
        assert_eq!(
            after_newest_upload(lock).as_deref(),
            Some("2027-01-01T00:00:00Z")
        );
        assert_eq!(after_newest_upload("version = 1"), None);
        assert_eq!(
            after_newest_upload(r#"upload-time = "2024-02-28T23:59:59.5Z""#).as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
    }

    #[test]
    fn exclude_newer_takes_rfc_3339_in_utc_or_a_date() {
        assert_eq!(
            parse("2026-11-27T20:53:44Z").unwrap(),
            "2026-11-27T20:53:44Z"
        );
        assert_eq!(
            parse("2026-11-27T20:53:44.5Z").unwrap(),
            "2026-11-27T20:53:44Z"
        );
        assert_eq!(parse("2026-11-27").unwrap(), "2026-11-27T00:00:00Z");
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-11-27T20:53Z",
            "2026-11-27 20:53:44",
            "2026-11-27T20:53:44+01:00",
        ] {
            let err = format!("{:#}", parse(bad).unwrap_err());
            assert!(err.contains(bad) && err.contains("RFC 3339"), "{err}");
        }
    }
}
