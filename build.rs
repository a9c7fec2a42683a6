//! Embeds every file of recipes/install_patroni/ (recipe.toml, the lock,
//! the templates) into the binary, so that adding a step's template needs
//! no list kept by hand.

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new("recipes/install_patroni");
    println!("cargo:rerun-if-changed=recipes");
    let mut all = Vec::new();
    files(root, &mut all);
    let mut code = String::from("&[\n");
    for path in all {
        let rel = path.strip_prefix(root).expect("under the recipe");
        let rel = rel.to_str().expect("UTF-8 file names").replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/recipes/install_patroni/{rel}\"))),\n"
        ));
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
