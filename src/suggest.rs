//! "Did you mean …?" for names the user mistyped.

/// The candidate closest to `input`, when it is close enough to be a
/// plausible typo (Jaro-Winkler similarity of at least 0.8, as clap uses).
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// `; did you mean 'x'?` or nothing.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match nearest(input, candidates) {
        Some(c) => format!("; did you mean '{c}'?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["patroni_bin_dir", "patroni_config_dir", "pg_home"];
        assert_eq!(nearest("patroni_bindir", names), Some("patroni_bin_dir"));
        assert_eq!(nearest("pg_hom", names), Some("pg_home"));
        assert_eq!(nearest("zzz", names), None);
    }
}
