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
    /// The arguments that choose the plan (all but the user-data parts),
    /// for `plan`.
    #[allow(dead_code)] // the benchmark includes this file too
    pub fn plan_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut args = self.args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().cloned().unwrap_or_default();
            if flag != "--with" && flag != "--patroni-part" {
                out.extend([flag.clone(), value]);
            }
        }
        out
    }

    /// The `--with` files (paths relative to the repository), in order,
    /// and whether the install's part comes first.
    #[allow(dead_code)]
    pub fn user_parts(&self) -> (Vec<String>, bool) {
        let mut files = Vec::new();
        let mut first = false;
        let mut args = self.args.iter();
        while let Some(flag) = args.next() {
            match (flag.as_str(), args.next()) {
                ("--with", Some(f)) => files.push(f.clone()),
                ("--patroni-part", Some(p)) => first = p == "first",
                _ => {}
            }
        }
        (files, first)
    }

    /// The case's arguments as the library takes them: its `--set`,
    /// `--fact` and `--vars` sources, and the `--lock` files (paths
    /// relative to the repository).
    #[allow(dead_code)] // benches/render.rs builds the cases' plans with it
    pub fn inputs(&self) -> (Vec<patroni_bake::input::Source>, Vec<PathBuf>) {
        use patroni_bake::input::Source;
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
                // The combined user data is rendered from the plan's
                // install.sh; the plan does not depend on it.
                "--with" | "--patroni-part" => {}
                other => panic!("golden case {}: unknown option {other}", self.name),
            }
        }
        (sources, locks)
    }
}
