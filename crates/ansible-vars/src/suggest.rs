//! "Did you mean …?" for a variable name that a template mistyped.
//! (patroni-bake has its own for its parameters and flags: this crate
//! depends on nothing of it.)

/// `; did you mean 'x'?`, naming the candidate closest to `input` when it
/// is close enough to be a plausible typo (Jaro-Winkler similarity of at
/// least 0.8, as clap uses), or nothing.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let nearest = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)));
    match nearest {
        Some((_, c)) => format!("; did you mean '{c}'?"),
        None => String::new(),
    }
}
