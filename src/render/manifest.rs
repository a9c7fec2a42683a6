//! SHA256SUMS: what `sha256sum -c` reads (`HASH  NAME`, sorted by name).

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use sha2::{Digest, Sha256};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The manifest of `files`, in name order.
pub fn sha256sums(files: &BTreeMap<Utf8PathBuf, Vec<u8>>) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_sha256sum_s() {
        let files = BTreeMap::from([
            (Utf8PathBuf::from("b"), b"x".to_vec()),
            (Utf8PathBuf::from("a"), vec![]),
        ]);
        assert_eq!(
            sha256sums(&files),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\n\
             2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  b\n"
        );
    }
}
