//! The one reader of golden/cases.txt (the golden test, `make golden` through
//! it, and the render benchmark all use it).

use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One line of golden/cases.txt.
pub struct Case {
    pub name: String,
    pub target: String,
    pub args: Vec<String>,
}

pub fn golden_cases() -> Vec<Case> {
    let text =
        std::fs::read_to_string(repo().join("golden/cases.txt")).expect("reading golden/cases.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace().map(String::from);
            let name = words.next().unwrap();
            let target = words
                .next()
                .unwrap_or_else(|| panic!("golden case {name} has no target"));
            Case {
                name,
                target,
                args: words.collect(),
            }
        })
        .collect()
}

impl Case {
    /// The case's arguments as the library takes them: its `--set`,
    /// `--fact` and `--vars` sources, and the `--lock` files (paths
    /// relative to the repository).
    #[allow(dead_code)] // benches/render.rs builds the cases' plans with it
    pub fn inputs(&self) -> (Vec<patroni_bake::input::params::Source>, Vec<PathBuf>) {
        use patroni_bake::input::params::Source;
        let mut sources = Vec::new();
        let mut locks = Vec::new();
        let mut args = self.args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .unwrap_or_else(|| panic!("golden case {}: {flag} has no value", self.name));
            match flag.as_str() {
                "--set" => sources.push(Source::Set(value.clone())),
                "--fact" => sources.push(Source::Fact(value.clone())),
                "--vars" => sources.push(Source::Vars(
                    repo().join(value).to_str().expect("UTF-8 path").into(),
                )),
                "--lock" => locks.push(repo().join(value)),
                other => panic!("golden case {}: unknown option {other}", self.name),
            }
        }
        (sources, locks)
    }
}
