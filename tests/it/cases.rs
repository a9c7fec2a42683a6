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
    /// The case's options as (flag, value) pairs: every option takes one.
    fn options(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.args.chunks(2).map(|pair| match pair {
            [flag, value] => (flag.as_str(), value.as_str()),
            [flag] => panic!("golden case {}: {flag} has no value", self.name),
            _ => unreachable!("chunks of two"),
        })
    }

    /// The arguments that choose the plan (all but the user-data parts),
    /// for `plan`.
    #[allow(dead_code)] // the benchmark includes this file too
    pub fn plan_args(&self) -> Vec<String> {
        self.options()
            .filter(|(flag, _)| *flag != "--with" && *flag != "--patroni-part")
            .flat_map(|(flag, value)| [flag.to_string(), value.to_string()])
            .collect()
    }

    /// The `--with` files (paths relative to the repository), in order,
    /// and whether the install's part comes first.
    #[allow(dead_code)]
    pub fn user_parts(&self) -> (Vec<String>, bool) {
        let files = self
            .options()
            .filter(|(flag, _)| *flag == "--with")
            .map(|(_, f)| f.to_string())
            .collect();
        let first = self.options().any(|o| o == ("--patroni-part", "first"));
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
        for (flag, value) in self.options() {
            match flag {
                "--set" => sources.push(Source::Set(value.to_string())),
                "--fact" => sources.push(Source::Fact(value.to_string())),
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
