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

/// The candidate that `input` is plausibly a mistyped spelling of: the
/// same name in another case, or one edit away (two for names of 12 or
/// more characters), an edit being an insertion, deletion, substitution
/// or swap of two neighbours. Stricter than [`nearest`], for keys that are
/// most likely other programs' names (a vars file's keys of other roles):
/// `db_user` is not a typo of `pg_user`.
pub fn plausible_typo<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= if c.len() >= 12 { 2 } else { 1 })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
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

    #[test]
    fn plausible_typos_are_close_and_other_roles_names_are_not() {
        let names = ["patroni_bin_dir", "pg_user", "pg_home", "patroni_version"];
        assert_eq!(
            plausible_typo("patroni_bindir", names),
            Some("patroni_bin_dir")
        );
        assert_eq!(
            plausible_typo("patroni_verison", names),
            Some("patroni_version")
        );
        assert_eq!(plausible_typo("PG_USER", names), Some("pg_user"));
        assert_eq!(plausible_typo("pg_usr", names), Some("pg_user"));
        for other in [
            "db_user",
            "pgedge_user",
            "pg_port",
            "pg_path",
            "pg_data",
            "etcd_user",
        ] {
            assert_eq!(plausible_typo(other, names), None, "{other}");
        }
    }
}
