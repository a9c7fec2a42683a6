//! Python distribution names as an install compares them: PEP 503
//! normalized, as the listing of a site-packages directory prints them.

/// PEP 503 normalization.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if "-_.".contains(c) {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_like_pep_503() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("python_etcd"), "python-etcd");
        assert_eq!(normalize_name("zope..interface__x"), "zope-interface-x");
    }
}
