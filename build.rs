//! Embeds every file of recipes/install_patroni/ (recipe.toml, the locks,
//! the templates) into the binary, so that adding a step's template needs
//! no list kept by hand; the locks also as JSON, which parses faster.

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
    let mut locks = String::from("&[\n");
    for path in all {
        let rel = path.strip_prefix(root).expect("under the recipe");
        let rel = rel.to_str().expect("UTF-8 file names").replace('\\', "/");
        // A lock is embedded as JSON as well: parsing 200 KB of TOML took
        // 1.3 ms of every invocation, JSON 0.2 ms (src/recipe/mod.rs).
        if rel.ends_with(".uv.lock") {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let value: toml::Value =
                toml::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
            let json = serde_json::to_string(&value).expect("a TOML value as JSON");
            // patroni-bake's own records (uvlock.rs): the comment lines
            // before uv's text, which TOML drops.
            let header: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with("# patroni-bake:"))
                .collect();
            let header = header.join("\n");
            locks.push_str(&format!("    ({rel:?}, {header:?}, {json:?}),\n"));
        }
        code.push_str(&format!(
            "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/recipes/install_patroni/{rel}\"))),\n"
        ));
    }
    code.push_str("]\n");
    locks.push_str("]\n");
    let dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for (name, text) in [("embedded.rs", code), ("embedded_locks.rs", locks)] {
        let out = dir.join(name);
        fs::write(&out, text).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
}
