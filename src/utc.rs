//! Seconds since the Unix epoch as RFC 3339 UTC text, for the lock's
//! cut-off date and the SBOM's `SOURCE_DATE_EPOCH` timestamp (no clock is
//! read: the caller gives the seconds).

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch (Howard Hinnant's
/// days-to-civil algorithm).
pub fn format_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::format_utc;

    #[test]
    fn epoch_leap_days_and_the_last_second_of_9999() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_764_806_517), "2025-12-04T00:01:57Z");
        assert_eq!(format_utc(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
